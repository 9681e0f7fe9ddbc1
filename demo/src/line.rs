//! Writers for the two line formats services emit: one JSON object per line, and logfmt.

use crate::platform::LogFormat;
use crate::time::rfc3339_millis;

/// A field value inside a log line.
#[derive(Clone, Copy, Debug)]
pub(crate) enum F<'a> {
    S(&'a str),
    I(i64),
    /// Written with two decimals (amounts).
    D2(f64),
}

/// Builds one line field by field, in the order written.
pub(crate) struct LineBuilder {
    buf: String,
    format: LogFormat,
}

impl LineBuilder {
    /// Starts a line with `ts` and `level` fields.
    pub(crate) fn new(format: LogFormat, ts_ns: i64, level: &str) -> Self {
        let mut buf = String::with_capacity(256);
        match format {
            LogFormat::Json => {
                buf.push_str("{\"ts\":\"");
                rfc3339_millis(ts_ns, &mut buf);
                buf.push_str("\",\"level\":\"");
                buf.push_str(level);
                buf.push('"');
            }
            LogFormat::Logfmt => {
                buf.push_str("ts=");
                rfc3339_millis(ts_ns, &mut buf);
                buf.push_str(" level=");
                buf.push_str(level);
            }
        }
        LineBuilder { buf, format }
    }

    pub(crate) fn field(&mut self, key: &str, value: F<'_>) -> &mut Self {
        use std::fmt::Write;
        match self.format {
            LogFormat::Json => {
                self.buf.push_str(",\"");
                self.buf.push_str(key);
                self.buf.push_str("\":");
                match value {
                    F::S(s) => json_string(&mut self.buf, s),
                    F::I(v) => {
                        let _ = write!(self.buf, "{v}");
                    }
                    F::D2(v) => {
                        let _ = write!(self.buf, "{v:.2}");
                    }
                }
            }
            LogFormat::Logfmt => {
                self.buf.push(' ');
                self.buf.push_str(key);
                self.buf.push('=');
                match value {
                    F::S(s) => logfmt_value(&mut self.buf, s),
                    F::I(v) => {
                        let _ = write!(self.buf, "{v}");
                    }
                    F::D2(v) => {
                        let _ = write!(self.buf, "{v:.2}");
                    }
                }
            }
        }
        self
    }

    pub(crate) fn fields(&mut self, fields: &[(&str, F<'_>)]) -> &mut Self {
        for (k, v) in fields {
            self.field(k, *v);
        }
        self
    }

    pub(crate) fn finish(mut self) -> String {
        if self.format == LogFormat::Json {
            self.buf.push('}');
        }
        self.buf
    }
}

fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => {
                use std::fmt::Write;
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// logfmt as Go's go-logfmt writes it: bare when safe, else quoted with `\"`, `\\`, `\n`, `\t`.
fn logfmt_value(out: &mut String, s: &str) {
    let bare = !s.is_empty()
        && s.chars()
            .all(|c| c > ' ' && c != '"' && c != '=' && c != '\\' && c != '\u{7f}');
    if bare {
        out.push_str(s);
        return;
    }
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_formats() {
        let mut j = LineBuilder::new(LogFormat::Json, 0, "info");
        j.field("msg", F::S("a \"b\"\n\tat x"))
            .field("n", F::I(3))
            .field("amt", F::D2(1.5));
        assert_eq!(
            j.finish(),
            r#"{"ts":"1970-01-01T00:00:00.000Z","level":"info","msg":"a \"b\"\n\tat x","n":3,"amt":1.50}"#
        );
        let mut l = LineBuilder::new(LogFormat::Logfmt, 0, "warn");
        l.field("msg", F::S("slow query"))
            .field("path", F::S("/a=b"))
            .field("n", F::I(3));
        assert_eq!(
            l.finish(),
            r#"ts=1970-01-01T00:00:00.000Z level=warn msg="slow query" path="/a=b" n=3"#
        );
    }
}
