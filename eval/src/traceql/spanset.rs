//! Spanset evaluation over one trace: filters, spanset and structural operators, and the
//! pipeline stages (`count() > n`, `by()`, `coalesce()`, `select()`).
//!
//! Like Tempo, every operator runs once per input spanset and yields at most one spanset for it;
//! only `by()` splits a spanset and only `coalesce()` merges them.

use loqui_query::traceql::{
    Aggregate, FieldExpr, Pipeline, ScalarExpr, ScalarFilter, SearchExpr, SpansetExpr, SpansetOp,
    Stage,
};

use super::field::{At, Regexes, eval, matches};
use super::relation::{Rel, related_to};
use super::trace::TraceCtx;
use super::value::{Value, arith, compare};

/// Span indices into the trace, ascending and without duplicates.
pub(crate) type Set = Vec<usize>;

pub(crate) struct Eval<'q, 't, 'a> {
    pub re: &'q Regexes,
    pub trace: &'t TraceCtx<'a>,
}

impl Eval<'_, '_, '_> {
    /// The spansets a search yields for the trace (never empty ones).
    pub fn search(&self, e: &SearchExpr) -> Vec<Set> {
        let all: Set = (0..self.trace.spans.len()).collect();
        self.search_on(e, vec![all])
    }

    fn search_on(&self, e: &SearchExpr, input: Vec<Set>) -> Vec<Set> {
        match e {
            SearchExpr::Pipeline(p) => self.pipeline(p, input),
            SearchExpr::Op { op, lhs, rhs } => input
                .into_iter()
                .filter_map(|set| {
                    let l = flatten(self.search_on(lhs, vec![set.clone()]));
                    let r = flatten(self.search_on(rhs, vec![set]));
                    self.join(*op, &l, &r)
                })
                .collect(),
        }
    }

    pub fn pipeline(&self, p: &Pipeline, mut sets: Vec<Set>) -> Vec<Set> {
        for stage in &p.stages {
            sets = match stage {
                Stage::Spanset(s) => sets
                    .into_iter()
                    .filter_map(|set| self.spanset(s, &set))
                    .collect(),
                Stage::ScalarFilter(f) => {
                    sets.into_iter().filter(|s| self.scalar_ok(f, s)).collect()
                }
                Stage::By(e) => sets.into_iter().flat_map(|s| self.group(e, s)).collect(),
                Stage::Coalesce => merge(sets),
                Stage::Select(_) => sets,
            };
            if sets.is_empty() {
                break;
            }
        }
        sets
    }

    /// One spanset expression over one input spanset.
    fn spanset(&self, e: &SpansetExpr, input: &Set) -> Option<Set> {
        match e {
            SpansetExpr::Filter(None) => non_empty(input.clone()),
            SpansetExpr::Filter(Some(f)) => non_empty(
                input
                    .iter()
                    .copied()
                    .filter(|&i| matches(f, self.re, self.trace, i))
                    .collect(),
            ),
            SpansetExpr::Op { op, lhs, rhs } => {
                let l = self.spanset(lhs, input).unwrap_or_default();
                let r = self.spanset(rhs, input).unwrap_or_default();
                self.join(*op, &l, &r)
            }
        }
    }

    /// A spanset operator between the spans both sides matched.
    fn join(&self, op: SpansetOp, l: &Set, r: &Set) -> Option<Set> {
        use SpansetOp::*;
        match op {
            And if !l.is_empty() && !r.is_empty() => non_empty(union(l, r)),
            And => None,
            Union => non_empty(union(l, r)),
            _ => self.structural(op, l, r),
        }
    }

    fn structural(&self, op: SpansetOp, l: &Set, r: &Set) -> Option<Set> {
        use SpansetOp::*;
        let rel = match op {
            Child | NotChild | UnionChild => Rel::Child,
            Parent | NotParent | UnionParent => Rel::Parent,
            Descendant | NotDescendant | UnionDescendant => Rel::Descendant,
            Ancestor | NotAncestor | UnionAncestor => Rel::Ancestor,
            _ => Rel::Sibling,
        };
        let right = related_to(self.trace, rel, l);
        let out: Set = match op {
            NotChild | NotParent | NotDescendant | NotAncestor | NotSibling => {
                r.iter().copied().filter(|&x| !right[x]).collect()
            }
            UnionChild | UnionParent | UnionDescendant | UnionAncestor | UnionSibling => {
                let left = related_to(self.trace, rel.inverse(), r);
                let rs: Set = r.iter().copied().filter(|&x| right[x]).collect();
                let ls: Set = l.iter().copied().filter(|&a| left[a]).collect();
                union(&ls, &rs)
            }
            _ => r.iter().copied().filter(|&x| right[x]).collect(),
        };
        non_empty(out)
    }

    fn scalar_ok(&self, f: &ScalarFilter, set: &Set) -> bool {
        compare(f.op, &self.scalar(&f.lhs, set), &self.scalar(&f.rhs, set))
    }

    fn scalar(&self, e: &ScalarExpr, set: &Set) -> Value {
        match e {
            ScalarExpr::Static(s) => Value::from_static(s),
            ScalarExpr::Aggregate(a) => self.aggregate(a, set),
            ScalarExpr::Binary { op, lhs, rhs } => {
                arith(*op, &self.scalar(lhs, set), &self.scalar(rhs, set))
            }
        }
    }

    fn aggregate(&self, a: &Aggregate, set: &Set) -> Value {
        let (e, fold): (&FieldExpr, fn(f64, f64) -> f64) = match a {
            Aggregate::Count => return Value::Int(set.len() as i64),
            Aggregate::Avg(e) | Aggregate::Sum(e) => (e, |a, b| a + b),
            Aggregate::Min(e) => (e, f64::min),
            Aggregate::Max(e) => (e, f64::max),
        };
        let values: Vec<f64> = set
            .iter()
            .filter_map(|&i| self.value(e, i).as_f64())
            .collect();
        let Some(first) = values.first() else {
            return Value::Nil;
        };
        let total = values[1..].iter().fold(*first, |acc, v| fold(acc, *v));
        match a {
            Aggregate::Avg(_) => Value::Float(total / values.len() as f64),
            _ => Value::Float(total),
        }
    }

    pub fn value(&self, e: &FieldExpr, idx: usize) -> Value {
        let at = At {
            trace: self.trace,
            idx,
            event: None,
        };
        eval(e, self.re, at)
    }

    /// `by(e)`: one spanset per distinct value, in order of first appearance.
    fn group(&self, e: &FieldExpr, set: Set) -> Vec<Set> {
        let mut groups: Vec<(String, Set)> = Vec::new();
        for i in set {
            let key = format!("{:?}", self.value(e, i));
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, g)) => g.push(i),
                None => groups.push((key, vec![i])),
            }
        }
        groups.into_iter().map(|(_, g)| g).collect()
    }
}

fn non_empty(set: Set) -> Option<Set> {
    (!set.is_empty()).then_some(set)
}

fn union(a: &Set, b: &Set) -> Set {
    let mut out: Set = a.iter().chain(b).copied().collect();
    out.sort_unstable();
    out.dedup();
    out
}

fn flatten(sets: Vec<Set>) -> Set {
    sets.iter().fold(Vec::new(), |acc, s| union(&acc, s))
}

fn merge(sets: Vec<Set>) -> Vec<Set> {
    if sets.is_empty() {
        return sets;
    }
    vec![flatten(sets)]
}
