//! Several named data sources of one kind (one per cluster or tenant), with a default.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::error::BackendError;

/// Named backends of one kind; a question may name one, otherwise the default answers.
pub struct Sources<T: ?Sized> {
    by_name: BTreeMap<String, Arc<T>>,
    default: Option<String>,
}

impl<T: ?Sized> Default for Sources<T> {
    fn default() -> Self {
        Self {
            by_name: BTreeMap::new(),
            default: None,
        }
    }
}

impl<T: ?Sized> Sources<T> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a source. The first one added is the default until [`Sources::set_default`].
    pub fn insert(&mut self, name: impl Into<String>, source: Arc<T>) {
        let name = name.into();
        if self.default.is_none() {
            self.default = Some(name.clone());
        }
        self.by_name.insert(name, source);
    }

    pub fn set_default(&mut self, name: &str) -> Result<(), BackendError> {
        self.get(Some(name))?;
        self.default = Some(name.to_string());
        Ok(())
    }

    pub fn default_name(&self) -> Option<&str> {
        self.default.as_deref()
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// The named source, or the default for `None`.
    pub fn get(&self, name: Option<&str>) -> Result<Arc<T>, BackendError> {
        let wanted = name.or(self.default.as_deref()).unwrap_or("");
        self.by_name
            .get(wanted)
            .cloned()
            .ok_or_else(|| BackendError::UnknownSource {
                name: wanted.to_string(),
                known: self.names().collect::<Vec<_>>().join(", "),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_source_is_the_default_and_unknown_names_list_known_ones() {
        let mut s: Sources<str> = Sources::new();
        s.insert("prod", Arc::from("p"));
        s.insert("staging", Arc::from("s"));
        assert_eq!(&*s.get(None).unwrap(), "p");
        assert_eq!(&*s.get(Some("staging")).unwrap(), "s");
        let err = s.get(Some("dev")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no data source named `dev`; known sources: prod, staging"
        );
        s.set_default("staging").unwrap();
        assert_eq!(&*s.get(None).unwrap(), "s");
    }
}
