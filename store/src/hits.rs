//! A collector that gathers, for every matching document, its time and tie-breaking order from
//! the fast fields, so results can be sorted by time without touching the document store.

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

/// One matching document: time, order within equal times, a third fast field (the stream id
/// for lines), and where to load it from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Hit {
    pub(crate) ts: i64,
    pub(crate) seq: u64,
    pub(crate) tag: u64,
    pub(crate) addr: DocAddress,
}

pub(crate) struct Hits {
    pub(crate) ts: &'static str,
    pub(crate) seq: &'static str,
    pub(crate) tag: &'static str,
}

pub(crate) struct SegmentHits {
    ord: SegmentOrdinal,
    ts: Column<i64>,
    seq: Column<u64>,
    tag: Column<u64>,
    out: Vec<Hit>,
}

impl Collector for Hits {
    type Fruit = Vec<Hit>;
    type Child = SegmentHits;

    fn for_segment(
        &self,
        ord: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentHits> {
        let ff = reader.fast_fields();
        Ok(SegmentHits {
            ord,
            ts: ff.i64(self.ts)?,
            seq: ff.u64(self.seq)?,
            tag: ff.u64(self.tag)?,
            out: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<Hit>>) -> tantivy::Result<Vec<Hit>> {
        Ok(fruits.concat())
    }
}

impl SegmentCollector for SegmentHits {
    type Fruit = Vec<Hit>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.out.push(Hit {
            ts: self.ts.first(doc).unwrap_or(0),
            seq: self.seq.first(doc).unwrap_or(0),
            tag: self.tag.first(doc).unwrap_or(0),
            addr: DocAddress::new(self.ord, doc),
        });
    }

    fn harvest(self) -> Vec<Hit> {
        self.out
    }
}

/// Sorts hits by (time, order), forward or backward, keeping only the first `limit` when given.
pub(crate) fn sort_hits(hits: &mut Vec<Hit>, backward: bool, limit: Option<usize>) {
    let key = |h: &Hit| (h.ts, h.seq);
    let cmp = |a: &Hit, b: &Hit| {
        if backward {
            key(b).cmp(&key(a))
        } else {
            key(a).cmp(&key(b))
        }
    };
    if let Some(limit) = limit
        && limit < hits.len()
    {
        if limit == 0 {
            hits.clear();
            return;
        }
        hits.select_nth_unstable_by(limit - 1, cmp);
        hits.truncate(limit);
    }
    hits.sort_unstable_by(cmp);
}
