//! The lazy iterator over a select's lines: hits are sorted up front from fast fields, and
//! each line is loaded from the document store (and verified) only when asked for.

use std::sync::{Arc, RwLock};

use loqui_core::{Labels, LineLabels, LogLine};
use tantivy::schema::Value;
use tantivy::{DocAddress, Searcher, TantivyDocument};

use crate::error::{Result, StoreError};
use crate::hits::Hit;
use crate::logs::{Fields, StoredLine};
use crate::streams::StreamTable;

/// Lines of one `select`, in order, loaded from the document store as they are asked for.
pub struct LineIter {
    pub(crate) searcher: Searcher,
    pub(crate) fields: Fields,
    pub(crate) streams: Arc<RwLock<StreamTable>>,
    pub(crate) hits: std::vec::IntoIter<Hit>,
    pub(crate) contains: Vec<String>,
    pub(crate) left: usize,
}

impl LineIter {
    pub(crate) fn empty(searcher: Searcher, fields: Fields) -> Self {
        Self {
            searcher,
            fields,
            streams: Arc::default(),
            hits: Vec::new().into_iter(),
            contains: Vec::new(),
            left: 0,
        }
    }

    /// Candidates left before verification (an upper bound on the lines left).
    pub fn candidates_left(&self) -> usize {
        self.hits.len()
    }

    fn load(&self, hit: Hit) -> Result<Option<StoredLine>> {
        let doc: TantivyDocument = self.searcher.doc(hit.addr)?;
        let text = doc
            .get_first(self.fields.line)
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        if !self.contains.iter().all(|c| text.contains(c.as_str())) {
            return Ok(None);
        }
        let structured_metadata = match doc
            .get_first(self.fields.meta_json)
            .and_then(|v| v.as_str())
        {
            Some(json) => serde_json::from_str(json).map_err(|e| StoreError::Corrupt {
                path: "logs".into(),
                message: format!("structured metadata: {e}"),
            })?,
            None => Labels::new(),
        };
        let labels = self.streams.read().expect("streams lock").labels(hit.tag);
        Ok(Some(StoredLine {
            stream: hit.tag,
            labels,
            line: LogLine {
                ts_ns: hit.ts,
                line: text.to_owned(),
                structured_metadata: structured_metadata.into_iter().collect(),
                parsed: LineLabels::new(),
            },
        }))
    }
}

impl Iterator for LineIter {
    type Item = Result<StoredLine>;

    fn next(&mut self) -> Option<Self::Item> {
        while self.left > 0 {
            let hit = self.hits.next()?;
            match self.load(hit) {
                Ok(Some(line)) => {
                    self.left -= 1;
                    return Some(Ok(line));
                }
                Ok(None) => continue,
                Err(e) => return Some(Err(e)),
            }
        }
        None
    }
}

pub(crate) fn load_line(searcher: &Searcher, f: &Fields, addr: DocAddress) -> Result<String> {
    let doc: TantivyDocument = searcher.doc(addr)?;
    Ok(doc
        .get_first(f.line)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned())
}
