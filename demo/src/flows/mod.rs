//! Request flows: each user request becomes one trace (spans in every service it crosses) and
//! the log lines those services write while serving it. `tx.rs` has the building blocks
//! (spans, lines, calls between services, database calls); `routes.rs` the platform's endpoints.

// Span and call helpers take the service, pod, parent, names, times and attributes of what
// they create; bundling those into structs would only move the same list elsewhere.
#![allow(clippy::too_many_arguments)]

mod routes;
mod tx;

pub(crate) use routes::{ROUTES, run_route};
pub(crate) use tx::{Out, Tx, write_line};
