//! The template functions loqui supports: Loki's own (`__line__`, `__timestamp__`, `unixEpoch`,
//! ...), the commonly used Sprig string functions, and Go's built-in comparisons and `printf`.

use regex::Regex;

use super::template_exec::{Ctx, Value};
use super::template_printf::printf;

pub(crate) const FUNCTIONS: &[&str] = &[
    "__line__",
    "__timestamp__",
    "ToLower",
    "ToUpper",
    "lower",
    "upper",
    "title",
    "Title",
    "TrimSpace",
    "trimSpace",
    "trim",
    "trimAll",
    "trimPrefix",
    "trimSuffix",
    "TrimPrefix",
    "TrimSuffix",
    "replace",
    "Replace",
    "regexReplaceAll",
    "regexReplaceAllLiteral",
    "contains",
    "hasPrefix",
    "hasSuffix",
    "default",
    "trunc",
    "substr",
    "repeat",
    "printf",
    "print",
    "len",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "and",
    "or",
    "not",
    "unixEpoch",
    "unixEpochMillis",
    "unixEpochNanos",
    "add",
    "sub",
    "mul",
    "div",
    "mod",
    "addf",
    "subf",
    "mulf",
    "divf",
    "int",
    "float64",
    "alignLeft",
    "alignRight",
    "count",
    "urlencode",
];

type R = Result<Value, String>;

pub(crate) fn call(ctx: &Ctx<'_, '_>, name: &str, args: Vec<Value>) -> R {
    match name {
        "__line__" => Ok(Value::Str(ctx.line.to_owned())),
        "__timestamp__" => Ok(Value::Time(ctx.ts_ns)),
        "printf" | "print" => printf(name, &args),
        "eq" | "ne" | "lt" | "le" | "gt" | "ge" => compare(name, &args),
        "and" => Ok(args
            .iter()
            .find(|a| !a.truthy())
            .or(args.last())
            .cloned()
            .unwrap_or(Value::Nil)),
        "or" => Ok(args
            .iter()
            .find(|a| a.truthy())
            .or(args.last())
            .cloned()
            .unwrap_or(Value::Nil)),
        "not" => Ok(Value::Bool(!one(name, &args)?.truthy())),
        "len" => Ok(Value::Int(
            one(name, &args)?.to_text().chars().count() as i64
        )),
        "default" => {
            let [d, v] = two(name, args)?;
            Ok(if v.truthy() { v } else { d })
        }
        "unixEpoch" | "unixEpochMillis" | "unixEpochNanos" => epoch(name, &args),
        "add" | "sub" | "mul" | "div" | "mod" | "addf" | "subf" | "mulf" | "divf" => {
            math(name, &args)
        }
        "int" => Ok(Value::Int(to_f64(&one(name, &args)?)? as i64)),
        "float64" => Ok(Value::Float(to_f64(&one(name, &args)?)?)),
        _ => strings(name, args),
    }
}

fn strings(name: &str, args: Vec<Value>) -> R {
    let s: Vec<String> = args.iter().map(Value::to_text).collect();
    let want = |n: usize| {
        if s.len() == n {
            Ok(())
        } else {
            Err(format!(
                "wrong number of args for {name}: want {n} got {}",
                s.len()
            ))
        }
    };
    let out = match name {
        "ToLower" | "lower" => {
            want(1)?;
            s[0].to_lowercase()
        }
        "ToUpper" | "upper" => {
            want(1)?;
            s[0].to_uppercase()
        }
        "title" | "Title" => {
            want(1)?;
            title(&s[0])
        }
        "TrimSpace" | "trimSpace" | "trim" => {
            want(1)?;
            s[0].trim().to_owned()
        }
        "trimAll" => {
            want(2)?;
            s[1].trim_matches(|c| s[0].contains(c)).to_owned()
        }
        "trimPrefix" => {
            want(2)?;
            s[1].strip_prefix(s[0].as_str()).unwrap_or(&s[1]).to_owned()
        }
        "trimSuffix" => {
            want(2)?;
            s[1].strip_suffix(s[0].as_str()).unwrap_or(&s[1]).to_owned()
        }
        "TrimPrefix" => {
            want(2)?;
            s[0].strip_prefix(s[1].as_str()).unwrap_or(&s[0]).to_owned()
        }
        "TrimSuffix" => {
            want(2)?;
            s[0].strip_suffix(s[1].as_str()).unwrap_or(&s[0]).to_owned()
        }
        "replace" => {
            want(3)?;
            s[2].replace(s[0].as_str(), &s[1])
        }
        "Replace" => {
            want(4)?;
            go_replace(&s[0], &s[1], &s[2], to_f64(&args[3])? as i64)
        }
        "regexReplaceAll" | "regexReplaceAllLiteral" => {
            want(3)?;
            let re = Regex::new(&s[0]).map_err(|e| e.to_string())?;
            if name == "regexReplaceAll" {
                re.replace_all(&s[1], s[2].as_str()).into_owned()
            } else {
                re.replace_all(&s[1], regex::NoExpand(&s[2])).into_owned()
            }
        }
        "contains" => {
            want(2)?;
            return Ok(Value::Bool(s[1].contains(s[0].as_str())));
        }
        "hasPrefix" => {
            want(2)?;
            return Ok(Value::Bool(s[1].starts_with(s[0].as_str())));
        }
        "hasSuffix" => {
            want(2)?;
            return Ok(Value::Bool(s[1].ends_with(s[0].as_str())));
        }
        "count" => {
            want(2)?;
            return Ok(Value::Int(s[1].matches(s[0].as_str()).count() as i64));
        }
        "trunc" => {
            want(2)?;
            trunc(to_f64(&args[0])? as i64, &s[1])
        }
        "substr" => {
            want(3)?;
            substr(to_f64(&args[0])? as i64, to_f64(&args[1])? as i64, &s[2])
        }
        "repeat" => {
            want(2)?;
            s[1].repeat(to_f64(&args[0])?.clamp(0.0, 10_000.0) as usize)
        }
        "alignLeft" | "alignRight" => {
            want(2)?;
            align(name, to_f64(&args[0])? as usize, &s[1])
        }
        "urlencode" => {
            want(1)?;
            urlencode(&s[0])
        }
        _ => return Err(format!("function {name} not defined")),
    };
    Ok(Value::Str(out))
}

fn one(name: &str, args: &[Value]) -> R {
    match args {
        [v] => Ok(v.clone()),
        _ => Err(format!(
            "wrong number of args for {name}: want 1 got {}",
            args.len()
        )),
    }
}

fn two(name: &str, args: Vec<Value>) -> Result<[Value; 2], String> {
    let n = args.len();
    args.try_into()
        .map_err(|_| format!("wrong number of args for {name}: want 2 got {n}"))
}

pub(crate) fn to_f64(v: &Value) -> Result<f64, String> {
    match v {
        Value::Int(i) => Ok(*i as f64),
        Value::Float(f) => Ok(*f),
        Value::Bool(b) => Ok(f64::from(u8::from(*b))),
        Value::Str(s) => s
            .trim()
            .parse()
            .map_err(|_| format!("cannot convert {s:?} to a number")),
        Value::Time(ns) => Ok(*ns as f64),
        Value::Nil => Ok(0.0),
    }
}

fn compare(name: &str, args: &[Value]) -> R {
    let [a, b] = args else {
        return Err(format!(
            "wrong number of args for {name}: want 2 got {}",
            args.len()
        ));
    };
    let ord = match (a, b) {
        (Value::Str(x), Value::Str(y)) => x.partial_cmp(y),
        (Value::Str(_), _) | (_, Value::Str(_)) => {
            return Err(format!(
                "error calling {name}: incompatible types for comparison"
            ));
        }
        _ => to_f64(a)?.partial_cmp(&to_f64(b)?),
    };
    use std::cmp::Ordering::*;
    Ok(Value::Bool(match name {
        "eq" => ord == Some(Equal),
        "ne" => ord != Some(Equal),
        "lt" => ord == Some(Less),
        "le" => matches!(ord, Some(Less | Equal)),
        "gt" => ord == Some(Greater),
        _ => matches!(ord, Some(Greater | Equal)),
    }))
}

fn math(name: &str, args: &[Value]) -> R {
    let [a, b] = args else {
        return Err(format!(
            "wrong number of args for {name}: want 2 got {}",
            args.len()
        ));
    };
    let (x, y) = (to_f64(a)?, to_f64(b)?);
    if name.ends_with('f') {
        return Ok(Value::Float(match name {
            "addf" => x + y,
            "subf" => x - y,
            "mulf" => x * y,
            _ => x / y,
        }));
    }
    let (x, y) = (x as i64, y as i64);
    if (name == "div" || name == "mod") && y == 0 {
        return Err("integer divide by zero".into());
    }
    Ok(Value::Int(match name {
        "add" => x.wrapping_add(y),
        "sub" => x.wrapping_sub(y),
        "mul" => x.wrapping_mul(y),
        "div" => x / y,
        _ => x % y,
    }))
}

fn epoch(name: &str, args: &[Value]) -> R {
    let ns = match one(name, args)? {
        Value::Time(ns) => ns,
        other => return Err(format!("{name} expects a time, got {}", other.to_text())),
    };
    Ok(Value::Int(match name {
        "unixEpoch" => ns.div_euclid(1_000_000_000),
        "unixEpochMillis" => ns.div_euclid(1_000_000),
        _ => ns,
    }))
}

fn title(s: &str) -> String {
    let mut prev_letter = false;
    s.chars()
        .map(|c| {
            let out = if prev_letter {
                c
            } else {
                c.to_uppercase().next().unwrap_or(c)
            };
            prev_letter = c.is_alphanumeric() || c == '_' || c == '\'';
            out
        })
        .collect()
}

fn go_replace(s: &str, old: &str, new: &str, n: i64) -> String {
    if n < 0 {
        s.replace(old, new)
    } else {
        s.replacen(old, new, n as usize)
    }
}

/// Sprig's `trunc`: a negative count keeps the end.
fn trunc(n: i64, s: &str) -> String {
    let len = s.len() as i64;
    if n < 0 && len + n > 0 {
        return s.get((len + n) as usize..).unwrap_or(s).to_owned();
    }
    if n >= 0 && len > n {
        return s.get(..n as usize).unwrap_or(s).to_owned();
    }
    s.to_owned()
}

fn substr(start: i64, end: i64, s: &str) -> String {
    let len = s.len() as i64;
    let (start, end) = (start.max(0), if end < 0 || end > len { len } else { end });
    if start >= end {
        return String::new();
    }
    s.get(start as usize..end as usize).unwrap_or("").to_owned()
}

fn align(name: &str, n: usize, s: &str) -> String {
    let count = s.chars().count();
    if count >= n {
        return s.chars().take(n).collect();
    }
    let pad = " ".repeat(n - count);
    if name == "alignLeft" {
        format!("{s}{pad}")
    } else {
        format!("{pad}{s}")
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
