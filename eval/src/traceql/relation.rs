//! Structural relations between spans, computed for a whole spanset at once in linear time, so
//! `{a} >> {b}` over a trace of thousands of spans does not compare every pair.

use super::trace::TraceCtx;

/// `rel(a, x)` for a span `a` of the left side and a span `x` of the right side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rel {
    /// `x` is a child of `a`.
    Child,
    /// `x` is the parent of `a`.
    Parent,
    /// `x` is a descendant of `a`.
    Descendant,
    /// `x` is an ancestor of `a`.
    Ancestor,
    /// `x` and `a` are different spans with the same parent.
    Sibling,
}

impl Rel {
    /// The relation seen from the other side: `rel(a, x)` iff `inverse(x, a)`.
    pub fn inverse(self) -> Self {
        match self {
            Self::Child => Self::Parent,
            Self::Parent => Self::Child,
            Self::Descendant => Self::Ancestor,
            Self::Ancestor => Self::Descendant,
            Self::Sibling => Self::Sibling,
        }
    }
}

/// For every span `x` of the trace: whether `rel(a, x)` holds for some `a` in `from`.
pub(crate) fn related_to(t: &TraceCtx<'_>, rel: Rel, from: &[usize]) -> Vec<bool> {
    let n = t.spans.len();
    let mut marked = vec![false; n];
    for &a in from {
        marked[a] = true;
    }
    match rel {
        Rel::Child => (0..n)
            .map(|x| t.parent[x].is_some_and(|p| marked[p]))
            .collect(),
        Rel::Parent => {
            let mut out = vec![false; n];
            for &a in from {
                if let Some(p) = t.parent[a] {
                    out[p] = true;
                }
            }
            out
        }
        Rel::Descendant => below_marked(t, &marked),
        Rel::Ancestor => ancestors_of(t, from),
        Rel::Sibling => siblings_of(t, from, &marked),
    }
}

/// Whether each span has a marked strict ancestor. Each chain is walked once: results are
/// remembered, and a parent cycle in bad data ends the walk.
fn below_marked(t: &TraceCtx<'_>, marked: &[bool]) -> Vec<bool> {
    let n = t.spans.len();
    let mut memo: Vec<Option<bool>> = vec![None; n];
    for x in 0..n {
        let mut chain = Vec::new();
        let mut node = x;
        let value = loop {
            if let Some(v) = memo[node] {
                break v;
            }
            chain.push(node);
            match t.parent[node] {
                None => break false,
                Some(p) if marked[p] => break true,
                Some(_) if chain.len() > n => break false,
                Some(p) => node = p,
            }
        };
        for c in chain {
            memo[c] = Some(value);
        }
    }
    memo.into_iter().map(|v| v.unwrap_or(false)).collect()
}

/// Every strict ancestor of the given spans.
fn ancestors_of(t: &TraceCtx<'_>, from: &[usize]) -> Vec<bool> {
    let n = t.spans.len();
    let mut out = vec![false; n];
    for &a in from {
        let mut cur = t.parent[a];
        let mut steps = 0;
        while let Some(p) = cur {
            if out[p] || steps > n {
                break;
            }
            out[p] = true;
            steps += 1;
            cur = t.parent[p];
        }
    }
    out
}

/// Spans sharing a parent with some other span of `from`.
fn siblings_of(t: &TraceCtx<'_>, from: &[usize], marked: &[bool]) -> Vec<bool> {
    let n = t.spans.len();
    let mut per_parent = vec![0usize; n];
    for &a in from {
        if let Some(p) = t.parent[a] {
            per_parent[p] += 1;
        }
    }
    (0..n)
        .map(|x| t.parent[x].is_some_and(|p| per_parent[p] > usize::from(marked[x])))
        .collect()
}
