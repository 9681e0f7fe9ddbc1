//! Canonical text. Parentheses appear only where precedence needs them, spacing is fixed, and
//! every value is written so that it reads back as the same value (floats keep a `.` or an
//! exponent, durations use one exact unit, attribute names are quoted only when they must be).

use std::fmt::{self, Display, Formatter, Write as _};

use super::ast::*;
use super::duration;

type R = fmt::Result;

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> R {
        match &self.body {
            Body::Search(s) => search(f, s, 0)?,
            Body::Metrics(q) => metrics_query(f, q)?,
            Body::Math { expr, second_stage } => {
                math(f, expr, 0)?;
                second_stages(f, second_stage)?;
            }
        }
        if !self.hints.is_empty() {
            f.write_str(" with (")?;
            for (i, h) in self.hints.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{} = ", h.key)?;
                static_value(f, &h.value)?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

fn spanset_prec(op: SpansetOp) -> u8 {
    if matches!(op, SpansetOp::And | SpansetOp::Union) {
        1
    } else {
        2
    }
}

fn search(f: &mut Formatter<'_>, e: &SearchExpr, min: u8) -> R {
    match e {
        SearchExpr::Pipeline(p) if min == 0 => pipeline(f, p),
        SearchExpr::Pipeline(p) => {
            f.write_str("(")?;
            pipeline(f, p)?;
            f.write_str(")")
        }
        SearchExpr::Op { op, lhs, rhs } => {
            let p = spanset_prec(*op);
            let wrap = min > p;
            open(f, wrap)?;
            search(f, lhs, p.max(1))?;
            write!(f, " {} ", op.as_str())?;
            search(f, rhs, p + 1)?;
            close(f, wrap)
        }
    }
}

fn open(f: &mut Formatter<'_>, wrap: bool) -> R {
    if wrap { f.write_str("(") } else { Ok(()) }
}

fn close(f: &mut Formatter<'_>, wrap: bool) -> R {
    if wrap { f.write_str(")") } else { Ok(()) }
}

fn pipeline(f: &mut Formatter<'_>, p: &Pipeline) -> R {
    for (i, s) in p.stages.iter().enumerate() {
        if i > 0 {
            f.write_str(" | ")?;
        }
        stage(f, s)?;
    }
    Ok(())
}

fn stage(f: &mut Formatter<'_>, s: &Stage) -> R {
    match s {
        Stage::Spanset(e) => spanset(f, e, 0),
        Stage::ScalarFilter(sf) => {
            scalar(f, &sf.lhs, 0)?;
            write!(f, " {} ", sf.op.as_str())?;
            scalar(f, &sf.rhs, 0)
        }
        Stage::By(e) => {
            f.write_str("by(")?;
            field_expr(f, e, 0)?;
            f.write_str(")")
        }
        Stage::Coalesce => f.write_str("coalesce()"),
        Stage::Select(fields) => {
            f.write_str("select(")?;
            field_list(f, fields)?;
            f.write_str(")")
        }
    }
}

fn spanset(f: &mut Formatter<'_>, e: &SpansetExpr, min: u8) -> R {
    match e {
        SpansetExpr::Filter(None) => f.write_str("{ }"),
        SpansetExpr::Filter(Some(e)) => {
            f.write_str("{ ")?;
            field_expr(f, e, 0)?;
            f.write_str(" }")
        }
        SpansetExpr::Op { op, lhs, rhs } => {
            let p = spanset_prec(*op);
            let wrap = min > p;
            open(f, wrap)?;
            spanset(f, lhs, p)?;
            write!(f, " {} ", op.as_str())?;
            spanset(f, rhs, p + 1)?;
            close(f, wrap)
        }
    }
}

fn arith_prec(op: ArithOp) -> u8 {
    match op {
        ArithOp::Add | ArithOp::Sub => 3,
        ArithOp::Mul | ArithOp::Div | ArithOp::Mod => 5,
        ArithOp::Pow => 6,
    }
}

/// Operand bounds for a binary operator of precedence `p`.
fn sides(p: u8, right_assoc: bool) -> (u8, u8) {
    if right_assoc { (p + 1, p) } else { (p, p + 1) }
}

fn scalar(f: &mut Formatter<'_>, e: &ScalarExpr, min: u8) -> R {
    match e {
        ScalarExpr::Aggregate(a) => aggregate(f, a),
        ScalarExpr::Static(s) => static_value(f, s),
        ScalarExpr::Binary { op, lhs, rhs } => {
            let p = arith_prec(*op);
            let (l, r) = sides(p, *op == ArithOp::Pow);
            let wrap = min > p;
            open(f, wrap)?;
            scalar(f, lhs, l)?;
            write!(f, " {} ", op.as_str())?;
            scalar(f, rhs, r)?;
            close(f, wrap)
        }
    }
}

fn aggregate(f: &mut Formatter<'_>, a: &Aggregate) -> R {
    let (name, arg) = match a {
        Aggregate::Count => return f.write_str("count()"),
        Aggregate::Avg(e) => ("avg", e),
        Aggregate::Min(e) => ("min", e),
        Aggregate::Max(e) => ("max", e),
        Aggregate::Sum(e) => ("sum", e),
    };
    write!(f, "{name}(")?;
    field_expr(f, arg, 0)?;
    f.write_str(")")
}

fn binary_prec(op: BinaryOp) -> u8 {
    match op {
        BinaryOp::And | BinaryOp::Or => 1,
        BinaryOp::Cmp(_) | BinaryOp::Re | BinaryOp::NotRe => 2,
        BinaryOp::Arith(a) => arith_prec(a),
    }
}

/// Precedence of a field expression as an operand; unary forms (and negative literals,
/// which read back as unary minus) sit between `+ -` and `* / %`.
fn field_prec(e: &FieldExpr) -> u8 {
    match e {
        FieldExpr::Binary { op, .. } => binary_prec(*op),
        FieldExpr::Unary { .. } => 4,
        FieldExpr::Static(s) if is_negative(s) => 4,
        _ => 7,
    }
}

fn is_negative(s: &Static) -> bool {
    match s {
        Static::Int(v) => *v < 0 && *v != i64::MIN,
        Static::Float(v) => v.is_sign_negative(),
        Static::Duration(v) => *v < 0,
        _ => false,
    }
}

fn field_expr(f: &mut Formatter<'_>, e: &FieldExpr, min: u8) -> R {
    let p = field_prec(e);
    let wrap = min > p;
    open(f, wrap)?;
    match e {
        FieldExpr::Static(s) => static_value(f, s)?,
        FieldExpr::Field(fl) => field(f, fl)?,
        FieldExpr::Unary { op, expr } => {
            f.write_str(if *op == UnaryOp::Neg { "-" } else { "!" })?;
            // A unary operand may itself be unary; anything looser needs parentheses.
            let inner_min = if field_prec(expr) == 4 { 4 } else { 5 };
            field_expr(f, expr, inner_min)?;
        }
        FieldExpr::Binary { op, lhs, rhs } => {
            let (l, r) = sides(p, *op == BinaryOp::Arith(ArithOp::Pow));
            field_expr(f, lhs, l)?;
            write!(f, " {} ", op.as_str())?;
            field_expr(f, rhs, r)?;
        }
    }
    close(f, wrap)
}

fn field(f: &mut Formatter<'_>, fl: &Field) -> R {
    match fl {
        Field::Intrinsic(i) => f.write_str(i.as_str()),
        Field::Attribute(a) => attribute(f, a),
    }
}

fn field_list(f: &mut Formatter<'_>, fields: &[Field]) -> R {
    for (i, fl) in fields.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        field(f, fl)?;
    }
    Ok(())
}

fn attribute(f: &mut Formatter<'_>, a: &Attribute) -> R {
    if a.parent {
        f.write_str("parent.")?;
    }
    match a.scope {
        Some(s) => write!(f, "{}.", s.as_str())?,
        None if !a.parent => f.write_str(".")?,
        None => {}
    }
    let bare_ok = !a.name.is_empty()
        && a.name
            .chars()
            .all(|c| c != '"' && !c.is_whitespace() && !"{}()=~!<>&|^,".contains(c))
        && !(a.scope.is_none() && !a.parent && a.name.starts_with(|c: char| c.is_ascii_digit()))
        && !(a.scope.is_none()
            && a.parent
            && (a.name.starts_with("span.") || a.name.starts_with("resource.")));
    if bare_ok {
        return f.write_str(&a.name);
    }
    f.write_char('"')?;
    for c in a.name.chars() {
        if c == '"' || c == '\\' {
            f.write_char('\\')?;
        }
        f.write_char(c)?;
    }
    f.write_char('"')
}

fn static_value(f: &mut Formatter<'_>, s: &Static) -> R {
    match s {
        Static::String(v) => string(f, v),
        Static::Int(i64::MIN) => f.write_str("minInt"),
        Static::Int(v) => write!(f, "{v}"),
        Static::Float(v) => f.write_str(&float(*v)),
        Static::Duration(v) => f.write_str(&duration::format(*v)),
        Static::Status(v) => f.write_str(v.as_str()),
        Static::Kind(v) => f.write_str(v.as_str()),
        Static::Bool(v) => write!(f, "{v}"),
        Static::Nil => f.write_str("nil"),
    }
}

/// Shortest round-trip digits, always with a `.` or exponent so it reads back as a float.
pub(crate) fn float(v: f64) -> String {
    let s = format!("{v}");
    if s.contains(['.', 'e', 'E', 'i', 'N']) {
        s
    } else {
        s + ".0"
    }
}

fn string(f: &mut Formatter<'_>, v: &str) -> R {
    f.write_char('"')?;
    for c in v.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            c if c.is_control() => write!(f, "\\u{:04x}", c as u32)?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

fn metrics_query(f: &mut Formatter<'_>, q: &MetricsQuery) -> R {
    pipeline(f, &q.pipeline)?;
    f.write_str(" | ")?;
    metrics_fn(f, &q.function)?;
    second_stages(f, &q.second_stage)
}

fn metrics_fn(f: &mut Formatter<'_>, m: &MetricsFn) -> R {
    let (name, arg) = match &m.kind {
        MetricsKind::Rate => ("rate", None),
        MetricsKind::CountOverTime => ("count_over_time", None),
        MetricsKind::MinOverTime(a) => ("min_over_time", Some(a)),
        MetricsKind::MaxOverTime(a) => ("max_over_time", Some(a)),
        MetricsKind::AvgOverTime(a) => ("avg_over_time", Some(a)),
        MetricsKind::SumOverTime(a) => ("sum_over_time", Some(a)),
        MetricsKind::HistogramOverTime(a) => ("histogram_over_time", Some(a)),
        MetricsKind::QuantileOverTime(a, qs) => {
            f.write_str("quantile_over_time(")?;
            field(f, a)?;
            for q in qs {
                write!(f, ", {}", float(*q))?;
            }
            f.write_str(")")?;
            return by(f, &m.by);
        }
        MetricsKind::Compare {
            selection,
            top_n,
            window,
        } => {
            f.write_str("compare(")?;
            spanset(f, &SpansetExpr::Filter(selection.clone()), 0)?;
            if let Some(n) = top_n {
                write!(f, ", {n}")?;
            }
            if let Some((start, end)) = window {
                write!(f, ", {start}, {end}")?;
            }
            return f.write_str(")");
        }
    };
    write!(f, "{name}(")?;
    if let Some(a) = arg {
        field(f, a)?;
    }
    f.write_str(")")?;
    by(f, &m.by)
}

fn by(f: &mut Formatter<'_>, fields: &[Field]) -> R {
    if fields.is_empty() {
        return Ok(());
    }
    f.write_str(" by (")?;
    field_list(f, fields)?;
    f.write_str(")")
}

fn second_stages(f: &mut Formatter<'_>, stages: &[SecondStage]) -> R {
    for s in stages {
        match s {
            SecondStage::TopK(n) => write!(f, " | topk({n})")?,
            SecondStage::BottomK(n) => write!(f, " | bottomk({n})")?,
            SecondStage::Filter { op, value } => {
                write!(f, " {} ", op.as_str())?;
                static_value(f, value)?;
            }
        }
    }
    Ok(())
}

fn math(f: &mut Formatter<'_>, e: &MetricsMath, min: u8) -> R {
    match e {
        MetricsMath::Query(q) => {
            f.write_str("(")?;
            metrics_query(f, q)?;
            f.write_str(")")
        }
        MetricsMath::Binary { op, lhs, rhs } => {
            let p = arith_prec(*op);
            let wrap = min > p;
            open(f, wrap)?;
            math(f, lhs, p)?;
            write!(f, " {} ", op.as_str())?;
            math(f, rhs, p + 1)?;
            close(f, wrap)
        }
    }
}
