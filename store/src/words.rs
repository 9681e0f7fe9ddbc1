//! Finding the indexed words that contain a fragment, for the edge words of a substring search.
//!
//! tantivy's regex query (`.*frag.*`) walks the whole term dictionary through an automaton:
//! about half a second per query over a million lines whose words include trace ids. Instead,
//! each segment's words are copied once into one newline-separated buffer (segments never
//! change), and a fragment is found with `memchr::memmem`, which scans that buffer at memory
//! speed.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use tantivy::Searcher;
use tantivy::index::SegmentId;
use tantivy::schema::Field;

use crate::error::{Result, StoreError};

/// Where the fragment must sit in a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// The word ends with it.
    End,
    /// The word starts with it.
    Start,
    Anywhere,
}

/// Above this many matching words a fragment narrows too little to be worth a term query.
const MAX_WORDS: usize = 20_000;

struct WordList {
    bytes: Vec<u8>,
    /// Start of each word in `bytes`; word `i` ends one byte before `starts[i + 1]`.
    starts: Vec<u32>,
}

#[derive(Default)]
pub(crate) struct WordCache {
    lists: Mutex<HashMap<SegmentId, Arc<WordList>>>,
}

impl WordCache {
    /// The indexed words of `field` holding `frag` at `place`, or `None` when there are too
    /// many for narrowing to help.
    pub(crate) fn find(
        &self,
        searcher: &Searcher,
        field: Field,
        frag: &str,
        place: Place,
    ) -> Result<Option<BTreeSet<String>>> {
        let finder = memchr::memmem::Finder::new(frag.as_bytes());
        let mut found = BTreeSet::new();
        for seg in searcher.segment_readers() {
            let list = self.list(seg, field)?;
            // Judge each word holding the fragment once, as a whole: the first match in it may
            // not be the one at its start or end ("aa" in "aaa").
            let mut from = 0;
            while let Some(found_at) = finder.find(&list.bytes[from..]) {
                let pos = from + found_at;
                let i = list.starts.partition_point(|s| *s as usize <= pos) - 1;
                let start = list.starts[i] as usize;
                let end = list
                    .starts
                    .get(i + 1)
                    .map_or(list.bytes.len(), |s| *s as usize)
                    - 1;
                let word = &list.bytes[start..end];
                let ok = match place {
                    Place::Anywhere => true,
                    Place::Start => word.starts_with(frag.as_bytes()),
                    Place::End => word.ends_with(frag.as_bytes()),
                };
                if ok {
                    found.insert(String::from_utf8_lossy(word).into_owned());
                    if found.len() > MAX_WORDS {
                        return Ok(None);
                    }
                }
                from = end + 1;
            }
        }
        self.forget_others(searcher);
        Ok(Some(found))
    }

    /// Builds the lists of segments not seen yet, so the first search after a commit or a
    /// merge does not pay for it.
    pub(crate) fn warm(&self, searcher: &Searcher, field: Field) -> Result<()> {
        for seg in searcher.segment_readers() {
            self.list(seg, field)?;
        }
        self.forget_others(searcher);
        Ok(())
    }

    fn list(&self, seg: &tantivy::SegmentReader, field: Field) -> Result<Arc<WordList>> {
        if let Some(list) = self
            .lists
            .lock()
            .expect("word cache")
            .get(&seg.segment_id())
        {
            return Ok(list.clone());
        }
        let inv = seg.inverted_index(field)?;
        let mut stream = inv
            .terms()
            .stream()
            .map_err(|e| StoreError::io("logs index", e))?;
        let mut list = WordList {
            bytes: Vec::new(),
            starts: Vec::new(),
        };
        while stream.advance() {
            list.starts.push(list.bytes.len() as u32);
            list.bytes.extend_from_slice(stream.key());
            list.bytes.push(b'\n');
        }
        let list = Arc::new(list);
        self.lists
            .lock()
            .expect("word cache")
            .insert(seg.segment_id(), list.clone());
        Ok(list)
    }

    /// Drops the lists of segments merged away or deleted.
    fn forget_others(&self, searcher: &Searcher) {
        let live: BTreeSet<SegmentId> = searcher
            .segment_readers()
            .iter()
            .map(|s| s.segment_id())
            .collect();
        self.lists
            .lock()
            .expect("word cache")
            .retain(|id, _| live.contains(id));
    }
}
