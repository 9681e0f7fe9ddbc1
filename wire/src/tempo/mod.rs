//! Tempo's query answers.
