//! Go's `printf` and `print` for templates: the verbs log templates use (`%s %v %d %f %.Nf %q
//! %x %t %%`) with widths; other verbs are a template error, not a guess.

use super::template_exec::{Value, go_float};
use super::template_funcs::to_f64;

/// `printf` with the verbs templates use: `%s %v %d %f %.Nf %q %x %t %%` and widths.
pub(crate) fn printf(name: &str, args: &[Value]) -> Result<Value, String> {
    if name == "print" {
        return Ok(Value::Str(args.iter().map(Value::to_text).collect()));
    }
    let Some((fmt, rest)) = args.split_first() else {
        return Err("wrong number of args for printf".into());
    };
    let fmt = fmt.to_text();
    let mut out = String::new();
    let mut vals = rest.iter();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = String::new();
        while let Some(&d) = chars.peek() {
            if d.is_ascii_digit() || d == '.' || d == '-' {
                spec.push(d);
                chars.next();
            } else {
                break;
            }
        }
        let verb = chars.next().unwrap_or('%');
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(v) = vals.next() else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        out.push_str(&pad(&spec, format_verb(verb, &spec, v)?));
    }
    Ok(Value::Str(out))
}

fn format_verb(verb: char, spec: &str, v: &Value) -> Result<String, String> {
    let prec = spec
        .split_once('.')
        .and_then(|(_, p)| p.parse::<usize>().ok());
    Ok(match verb {
        's' | 'v' => v.to_text(),
        'q' => format!("{:?}", v.to_text()),
        'd' => match v {
            Value::Int(i) => i.to_string(),
            other => format!("%!d({})", other.to_text()),
        },
        'f' | 'F' => format!("{:.*}", prec.unwrap_or(6), to_f64(v)?),
        'g' => go_float(to_f64(v)?),
        'x' => match v {
            Value::Int(i) => format!("{i:x}"),
            other => other
                .to_text()
                .bytes()
                .map(|b| format!("{b:02x}"))
                .collect(),
        },
        't' => v.to_text(),
        other => return Err(format!("printf verb %{other} is not supported")),
    })
}

fn pad(spec: &str, s: String) -> String {
    let width_part = spec.split('.').next().unwrap_or("");
    let left = width_part.starts_with('-');
    let width: usize = width_part.trim_start_matches('-').parse().unwrap_or(0);
    let n = s.chars().count();
    if n >= width {
        return s;
    }
    let fill = " ".repeat(width - n);
    if left { s + &fill } else { fill + &s }
}
