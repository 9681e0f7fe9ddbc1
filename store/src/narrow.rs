//! Turning "the line contains X" into index terms that can only over-select: the store then
//! verifies the exact substring.
//!
//! The index holds lowercased words (runs of alphanumerics). In a substring X, a word with a
//! separator on both sides inside X is a whole word of the line; the first word may be the end
//! of a longer word, the last one its start, and a lone word any part of one. Those edge words
//! are looked up among the indexed words by suffix, prefix or infix ([`crate::words`]).

use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, TermQuery, TermSetQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TokenStream;
use tantivy::{Index, Searcher, Term};

use crate::error::Result;
use crate::table::TOKENIZER;
use crate::words::{Place, WordCache};

/// Queries every line containing `text` matches (none when `text` has no word).
pub(crate) fn contains_query(
    index: &Index,
    searcher: &Searcher,
    words: &WordCache,
    field: Field,
    text: &str,
) -> Result<Vec<Box<dyn Query>>> {
    let mut analyzer = index
        .tokenizers()
        .get(TOKENIZER)
        .expect("tokenizer registered on open");
    let mut stream = analyzer.token_stream(text);
    let mut tokens = Vec::new();
    while let Some(tok) = stream.next() {
        tokens.push((tok.text.clone(), tok.offset_from, tok.offset_to));
    }
    let open_start = text.chars().next().is_some_and(char::is_alphanumeric);
    let open_end = text.chars().last().is_some_and(char::is_alphanumeric);
    let mut parts: Vec<Box<dyn Query>> = Vec::new();
    for (word, from, to) in tokens {
        let place = match (open_start && from == 0, open_end && to == text.len()) {
            (false, false) => {
                let term = Term::from_field_text(field, &word);
                parts.push(Box::new(TermQuery::new(term, IndexRecordOption::Basic)));
                continue;
            }
            (true, false) => Place::End,
            (false, true) => Place::Start,
            (true, true) => Place::Anywhere,
        };
        // Too many words holding the fragment: leave it to the verification.
        if let Some(found) = words.find(searcher, field, &word, place)? {
            parts.push(term_set(
                found.iter().map(|w| Term::from_field_text(field, w)),
            ));
        }
    }
    Ok(parts)
}

pub(crate) fn term_set(terms: impl IntoIterator<Item = Term>) -> Box<dyn Query> {
    Box::new(TermSetQuery::new(terms))
}

/// The conjunction of `parts` (everything when empty).
pub(crate) fn all_of(mut parts: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    match parts.len() {
        0 => Box::new(AllQuery),
        1 => parts.pop().expect("one part"),
        _ => Box::new(BooleanQuery::new(
            parts.into_iter().map(|q| (Occur::Must, q)).collect(),
        )),
    }
}
