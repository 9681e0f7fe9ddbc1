//! Rendering templates: values, Go's truthiness and printing, and the template functions.

use super::labels::LabelsBuilder;
use super::template::{Arg, Cmd, Node, Pipe};
use super::template_funcs::call;

/// A template value. Labels are strings; functions may return numbers, booleans or times.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// Unix nanoseconds, printed like Go's `time.Time` in UTC.
    Time(i64),
    Nil,
}

impl Value {
    pub fn truthy(&self) -> bool {
        match self {
            Value::Str(s) => !s.is_empty(),
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Bool(b) => *b,
            Value::Time(_) => true,
            Value::Nil => false,
        }
    }

    pub fn to_text(&self) -> String {
        match self {
            Value::Str(s) => s.clone(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => go_float(*f),
            Value::Bool(b) => b.to_string(),
            Value::Time(ns) => go_time(*ns),
            Value::Nil => "<no value>".into(),
        }
    }
}

/// Go's `%v` for a float64: shortest representation, exponent for very large or small values.
pub(crate) fn go_float(f: f64) -> String {
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-4..1e21).contains(&abs) {
        let s = format!("{f:e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let e: i32 = e.parse().unwrap_or(0);
        return format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    }
    format!("{f}")
}

/// Go's `time.Time.String()` in UTC: `2006-01-02 15:04:05.999999999 +0000 UTC`.
pub(crate) fn go_time(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let frac = ns.rem_euclid(1_000_000_000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    let mut out = format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    );
    if frac != 0 {
        let f = format!("{frac:09}");
        out.push('.');
        out.push_str(f.trim_end_matches('0'));
    }
    out + " +0000 UTC"
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

pub(crate) struct Ctx<'a, 'e> {
    pub line: &'a str,
    pub ts_ns: i64,
    pub lbs: &'a LabelsBuilder<'e>,
}

impl Ctx<'_, '_> {
    pub fn exec(&self, nodes: &[Node], out: &mut String) -> Result<(), String> {
        for node in nodes {
            match node {
                Node::Text(t) => out.push_str(t),
                Node::Action(p) => out.push_str(&self.pipe(p)?.to_text()),
                Node::If(branches, otherwise) => {
                    let mut taken = false;
                    for (cond, body) in branches {
                        if self.pipe(cond)?.truthy() {
                            self.exec(body, out)?;
                            taken = true;
                            break;
                        }
                    }
                    if !taken {
                        self.exec(otherwise, out)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn pipe(&self, pipe: &Pipe) -> Result<Value, String> {
        let mut prev = None;
        for cmd in pipe {
            prev = Some(self.cmd(cmd, prev)?);
        }
        Ok(prev.unwrap_or(Value::Nil))
    }

    /// Runs one command; the previous command's value becomes the last argument.
    fn cmd(&self, cmd: &Cmd, prev: Option<Value>) -> Result<Value, String> {
        match cmd.args.first() {
            Some(Arg::Func(name)) => {
                let mut args = cmd.args[1..]
                    .iter()
                    .map(|a| self.arg(a))
                    .collect::<Result<Vec<_>, _>>()?;
                args.extend(prev);
                call(self, name, args)
            }
            Some(a) if cmd.args.len() == 1 && prev.is_none() => self.arg(a),
            _ => Err("can't give argument to non-function".into()),
        }
    }

    fn arg(&self, a: &Arg) -> Result<Value, String> {
        Ok(match a {
            Arg::Field(name) => Value::Str(self.lbs.get(name).unwrap_or("").to_owned()),
            Arg::Dot => Value::Str(go_map(&self.lbs.to_labels())),
            Arg::Lit(v) => v.clone(),
            Arg::Sub(p) => self.pipe(p)?,
            Arg::Func(name) => call(self, name, Vec::new())?,
        })
    }
}

/// Go's `%v` of a `map[string]string`: `map[a:1 b:2]`, keys sorted.
fn go_map(labels: &loqui_core::Labels) -> String {
    let inner: Vec<String> = labels.iter().map(|(k, v)| format!("{k}:{v}")).collect();
    format!("map[{}]", inner.join(" "))
}

pub(crate) fn is_known_function(name: &str) -> bool {
    super::template_funcs::FUNCTIONS.contains(&name)
}
