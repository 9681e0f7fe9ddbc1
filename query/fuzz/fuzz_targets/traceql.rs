//! Any input: the traceql parser must not panic, and whatever it accepts must print to canonical
//! text that parses back to the same tree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use loqui_query::traceql;

fuzz_target!(|data: &[u8]| {
    let src = String::from_utf8_lossy(data);
    let parsed = traceql::parse(&src);
    if let (Some(tree), true) = (&parsed.tree, parsed.diagnostics.is_empty()) {
        let canonical = tree.to_string();
        let again = traceql::parse(&canonical);
        assert!(again.diagnostics.is_empty(), "canonical text rejected: {canonical:?} from {src:?}: {:?}", again.diagnostics);
        assert_eq!(again.tree.as_ref(), Some(tree), "round trip changed the tree: {canonical:?} from {src:?}");
    }
});
