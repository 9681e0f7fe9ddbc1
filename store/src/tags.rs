//! Tag names and values of spans, read from the term dictionaries: attribute terms are
//! `key \0 value`, so a key's values are one contiguous range and the next key is a seek away.

use std::collections::BTreeSet;

use tantivy::Searcher;
use tantivy::schema::Field;

use crate::error::{Result, StoreError};

/// Distinct keys of a `key \0 value` field, seeking past each key's values.
pub(crate) fn attr_keys(searcher: &Searcher, field: Field) -> Result<Vec<String>> {
    let mut keys = BTreeSet::new();
    for seg in searcher.segment_readers() {
        let inv = seg.inverted_index(field)?;
        let dict = inv.terms();
        let mut from: Vec<u8> = Vec::new();
        loop {
            let mut stream = dict
                .range()
                .ge(&from)
                .into_stream()
                .map_err(|e| StoreError::io("traces index", e))?;
            if !stream.advance() {
                break;
            }
            let key = stream.key();
            let end = key.iter().position(|b| *b == 0).unwrap_or(key.len());
            keys.insert(String::from_utf8_lossy(&key[..end]).into_owned());
            from = key[..end].to_vec();
            from.push(1);
        }
    }
    Ok(keys.into_iter().collect())
}

pub(crate) fn attr_values(searcher: &Searcher, field: Field, key: &str) -> Result<Vec<String>> {
    let mut lo = key.as_bytes().to_vec();
    lo.push(0);
    let mut hi = key.as_bytes().to_vec();
    hi.push(1);
    terms(searcher, field, &lo, Some(&hi))
}

/// Distinct terms in `[lo, hi)` with the `lo` prefix cut off.
pub(crate) fn terms(
    searcher: &Searcher,
    field: Field,
    lo: &[u8],
    hi: Option<&[u8]>,
) -> Result<Vec<String>> {
    let mut out = BTreeSet::new();
    for seg in searcher.segment_readers() {
        let inv = seg.inverted_index(field)?;
        let mut range = inv.terms().range().ge(lo);
        if let Some(hi) = hi {
            range = range.lt(hi);
        }
        let mut stream = range
            .into_stream()
            .map_err(|e| StoreError::io("traces index", e))?;
        while stream.advance() {
            out.insert(String::from_utf8_lossy(&stream.key()[lo.len()..]).into_owned());
        }
    }
    Ok(out.into_iter().collect())
}
