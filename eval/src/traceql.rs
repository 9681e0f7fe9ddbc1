//! TraceQL evaluation (being built on its own branch).
