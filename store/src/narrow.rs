//! Turning "the line contains X" into index terms that can only over-select: the store then
//! verifies the exact substring.
//!
//! The index holds lowercased words (runs of alphanumerics). In a substring X, a word with a
//! separator on both sides inside X is a whole word of the line; the first word may be the end
//! of a longer word, the last one its start, and a lone word any part of one. Those edge words
//! are matched against the term dictionary by suffix, prefix or infix.

use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, RegexQuery, TermQuery, TermSetQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TokenStream;
use tantivy::{Index, Term};

use crate::error::Result;
use crate::table::TOKENIZER;

/// Queries every line containing `text` matches (none when `text` has no word).
pub(crate) fn contains_query(
    index: &Index,
    field: Field,
    text: &str,
) -> Result<Vec<Box<dyn Query>>> {
    let mut analyzer = index
        .tokenizers()
        .get(TOKENIZER)
        .expect("tokenizer registered on open");
    let mut stream = analyzer.token_stream(text);
    let mut words = Vec::new();
    while let Some(tok) = stream.next() {
        words.push((tok.text.clone(), tok.offset_from, tok.offset_to));
    }
    let open_start = text.chars().next().is_some_and(char::is_alphanumeric);
    let open_end = text.chars().last().is_some_and(char::is_alphanumeric);
    let mut parts: Vec<Box<dyn Query>> = Vec::new();
    for (word, from, to) in words {
        let (left_open, right_open) = (open_start && from == 0, open_end && to == text.len());
        let esc = regex_escape(&word);
        let q: Box<dyn Query> = match (left_open, right_open) {
            (false, false) => Box::new(TermQuery::new(
                Term::from_field_text(field, &word),
                IndexRecordOption::Basic,
            )),
            (true, false) => Box::new(RegexQuery::from_pattern(&format!(".*{esc}"), field)?),
            (false, true) => Box::new(RegexQuery::from_pattern(&format!("{esc}.*"), field)?),
            (true, true) => Box::new(RegexQuery::from_pattern(&format!(".*{esc}.*"), field)?),
        };
        parts.push(q);
    }
    Ok(parts)
}

fn regex_escape(word: &str) -> String {
    // Words are alphanumeric, but the lowercaser may produce other characters in rare scripts.
    word.chars()
        .flat_map(|c| {
            let special = !c.is_alphanumeric();
            special
                .then_some('\\')
                .into_iter()
                .chain(std::iter::once(c))
        })
        .collect()
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
