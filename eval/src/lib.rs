//! Evaluation of LogQL and TraceQL trees from `loqui-query` over records that a store hands in.
//!
//! The embedded store narrows with its index (labels, terms, trace ids) and hands candidate
//! records here; this crate verifies them exactly and computes the answer with Loki's and
//! Tempo's semantics, so results equal what those servers return for the same data.
//!
//! **Architecture Invariant:** no IO and no storage here: inputs arrive through the traits each
//! module defines, outputs are `loqui-core` types. A construct that is not supported is an
//! error naming it, never a wrong answer.

pub mod logql;
pub mod traceql;
