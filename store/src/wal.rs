//! The write-ahead log: one file of framed records, appended (and, when durable, fsynced) before
//! a write is acknowledged, replayed on open, and emptied after each tantivy commit.
//!
//! Frame: `len: u32 LE | crc32(payload): u32 LE | seq: u64 LE | payload`. A torn or damaged tail
//! (the process died while appending) ends the replay there and is cut off, so a batch is either
//! wholly replayed or not at all.

use std::fs::{File, OpenOptions};
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::{Result, StoreError};

const HEADER: usize = 16;
/// Larger lengths can only come from a damaged header.
const MAX_RECORD: usize = 1 << 30;

/// A replayed record: its seq and payload.
pub(crate) type Record = (u64, Vec<u8>);

pub(crate) struct Wal {
    path: PathBuf,
    file: File,
    len: u64,
    buf: Vec<u8>,
}

impl Wal {
    /// Opens (or creates) the log and returns it with the records whose seq is above `after`.
    pub(crate) fn open(path: &Path, after: u64) -> Result<(Self, Vec<Record>)> {
        let io = |e| StoreError::io(path, e);
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(path)
            .map_err(io)?;
        let (records, good_len) = read_records(&mut file, after).map_err(io)?;
        // Cut a torn tail so later appends are not hidden behind it.
        file.set_len(good_len).map_err(io)?;
        file.seek(SeekFrom::Start(good_len)).map_err(io)?;
        file.sync_all().map_err(io)?;
        if let Some(dir) = path.parent() {
            sync_dir(dir)?;
        }
        let wal = Self {
            path: path.to_owned(),
            file,
            len: good_len,
            buf: Vec::new(),
        };
        Ok((wal, records))
    }

    /// Appends one record; with `fsync` it is on stable storage when this returns.
    pub(crate) fn append(&mut self, seq: u64, payload: &[u8], fsync: bool) -> Result<()> {
        self.buf.clear();
        self.buf
            .extend_from_slice(&(payload.len() as u32).to_le_bytes());
        self.buf
            .extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
        self.buf.extend_from_slice(&seq.to_le_bytes());
        self.buf.extend_from_slice(payload);
        let io = |e| StoreError::io(&self.path, e);
        self.file.write_all(&self.buf).map_err(io)?;
        if fsync {
            self.file.sync_data().map_err(io)?;
        }
        self.len += self.buf.len() as u64;
        Ok(())
    }

    /// Empties the log once everything in it is committed to the index.
    pub(crate) fn reset(&mut self) -> Result<()> {
        let io = |e| StoreError::io(&self.path, e);
        self.file.set_len(0).map_err(io)?;
        self.file.seek(SeekFrom::Start(0)).map_err(io)?;
        self.file.sync_all().map_err(io)?;
        self.len = 0;
        Ok(())
    }
}

fn read_records(file: &mut File, after: u64) -> std::io::Result<(Vec<Record>, u64)> {
    file.seek(SeekFrom::Start(0))?;
    let mut reader = BufReader::new(file);
    let mut records = Vec::new();
    let mut good_len = 0u64;
    let mut header = [0u8; HEADER];
    loop {
        if reader.read_exact(&mut header).is_err() {
            break;
        }
        let len = u32::from_le_bytes(header[0..4].try_into().expect("4 bytes")) as usize;
        let crc = u32::from_le_bytes(header[4..8].try_into().expect("4 bytes"));
        let seq = u64::from_le_bytes(header[8..16].try_into().expect("8 bytes"));
        if len > MAX_RECORD {
            tracing::warn!(
                offset = good_len,
                "write-ahead log ends in a damaged header; cutting it"
            );
            break;
        }
        let mut payload = vec![0u8; len];
        if reader.read_exact(&mut payload).is_err() || crc32fast::hash(&payload) != crc {
            tracing::warn!(
                offset = good_len,
                "write-ahead log ends in a torn record; cutting it"
            );
            break;
        }
        good_len += (HEADER + len) as u64;
        if seq > after {
            records.push((seq, payload));
        }
    }
    Ok((records, good_len))
}

pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| StoreError::io(dir, e))
}
