//! Static checks Tempo runs before executing a query (its `validate()` methods): operand types,
//! regexes, what aggregates and `by()` may hold, quantile ranges, group-by limits, and the
//! features Tempo parses but does not support yet. Each check returns a diagnostic with a hint
//! where a common mistake explains it.

use super::ast::{BinaryOp, CmpOp, Intrinsic, Static, UnaryOp};
use crate::diag::{Diagnostic, Span};

/// The static type of a field expression. `Attr` is decided per span at query time, so it
/// matches anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ty {
    Attr,
    Int,
    Float,
    Str,
    Bool,
    Duration,
    Status,
    Kind,
    Nil,
}

/// Tempo groups by at most this many labels.
pub(crate) const MAX_GROUP_BYS: usize = 5;

impl Ty {
    pub fn name(self) -> &'static str {
        match self {
            Ty::Attr => "attribute",
            Ty::Int => "int",
            Ty::Float => "float",
            Ty::Str => "string",
            Ty::Bool => "boolean",
            Ty::Duration => "duration",
            Ty::Status => "status",
            Ty::Kind => "kind",
            Ty::Nil => "nil",
        }
    }

    /// The name with its article: "an int", "a string".
    pub fn with_article(self) -> String {
        let n = self.name();
        if n.starts_with(['a', 'e', 'i', 'o', 'u']) {
            format!("an {n}")
        } else {
            format!("a {n}")
        }
    }

    pub fn is_numeric(self) -> bool {
        matches!(self, Ty::Int | Ty::Float | Ty::Duration)
    }

    fn matches(self, other: Ty) -> bool {
        self == Ty::Attr
            || other == Ty::Attr
            || self == other
            || (self.is_numeric() && other.is_numeric())
    }

    pub fn of_static(s: &Static) -> Ty {
        match s {
            Static::String(_) => Ty::Str,
            Static::Int(_) => Ty::Int,
            Static::Float(_) => Ty::Float,
            Static::Duration(_) => Ty::Duration,
            Static::Status(_) => Ty::Status,
            Static::Kind(_) => Ty::Kind,
            Static::Bool(_) => Ty::Bool,
            Static::Nil => Ty::Nil,
        }
    }

    pub fn of_intrinsic(i: Intrinsic) -> Ty {
        use Intrinsic::*;
        match i {
            Duration | TraceDuration | EventTimeSinceStart => Ty::Duration,
            Status => Ty::Status,
            Kind => Ty::Kind,
            ChildCount | NestedSetLeft | NestedSetRight | NestedSetParent => Ty::Int,
            Parent => Ty::Attr,
            Name
            | StatusMessage
            | RootName
            | RootServiceName
            | TraceId
            | SpanId
            | ParentId
            | EventName
            | LinkTraceId
            | LinkSpanId
            | InstrumentationName
            | InstrumentationVersion => Ty::Str,
        }
    }
}

fn op_accepts(op: BinaryOp, t: Ty) -> bool {
    use BinaryOp::*;
    match t {
        Ty::Attr => true,
        Ty::Bool => matches!(op, And | Or | Cmp(CmpOp::Eq) | Cmp(CmpOp::Neq)),
        Ty::Int | Ty::Float | Ty::Duration => matches!(op, Arith(_) | Cmp(_)),
        Ty::Str => matches!(op, Cmp(_) | Re | NotRe),
        Ty::Nil | Ty::Status | Ty::Kind => matches!(op, Cmp(CmpOp::Eq) | Cmp(CmpOp::Neq)),
    }
}

fn yields_bool(op: BinaryOp) -> bool {
    !matches!(op, BinaryOp::Arith(_))
}

/// One operand of a binary operation, as the checks see it.
pub(crate) struct Operand<'s> {
    pub ty: Ty,
    pub span: Span,
    pub value: Option<&'s Static>,
}

/// The type of `lhs op rhs`, or the diagnostic Tempo's validation would give.
pub(crate) fn binary(op: BinaryOp, lhs: &Operand<'_>, rhs: &Operand<'_>) -> Result<Ty, Diagnostic> {
    if lhs.ty == Ty::Nil || rhs.ty == Ty::Nil {
        return Ok(Ty::Bool);
    }
    let span = lhs.span.cover(rhs.span);
    let sym = op.as_str();
    if !lhs.ty.matches(rhs.ty) {
        let msg = format!(
            "`{sym}` needs operands of the same type, found {} and {}",
            lhs.ty.name(),
            rhs.ty.name()
        );
        return Err(with_mismatch_hint(Diagnostic::new(span, msg), op, lhs, rhs));
    }
    for side in [lhs, rhs] {
        if !op_accepts(op, side.ty) {
            let msg = format!("`{sym}` cannot be applied to {}", side.ty.with_article());
            return Err(with_op_hint(Diagnostic::new(span, msg), op, side.ty));
        }
    }
    if yields_bool(op) {
        Ok(Ty::Bool)
    } else if lhs.ty != Ty::Attr {
        Ok(lhs.ty)
    } else {
        Ok(rhs.ty)
    }
}

fn with_mismatch_hint(
    d: Diagnostic,
    op: BinaryOp,
    lhs: &Operand<'_>,
    rhs: &Operand<'_>,
) -> Diagnostic {
    let pair = (lhs.ty, rhs.ty);
    let has = |t: Ty| pair.0 == t || pair.1 == t;
    let quoted = [lhs.value, rhs.value]
        .into_iter()
        .flatten()
        .find_map(|v| match v {
            Static::String(s) => Some(s.as_str()),
            _ => None,
        });
    if has(Ty::Status) && has(Ty::Str) {
        let v = quoted
            .filter(|s| matches!(*s, "ok" | "error" | "unset"))
            .unwrap_or("error");
        return d.with_hint(format!(
            "status values are keywords, not strings: use status = {v}"
        ));
    }
    if has(Ty::Kind) && has(Ty::Str) {
        let v = quoted.map_or("server".to_string(), str::to_lowercase);
        return d.with_hint(format!(
            "kind values are keywords, not strings: use kind = {v}"
        ));
    }
    if has(Ty::Duration) && has(Ty::Str) {
        return d.with_hint("durations are written without quotes, e.g. duration > 1s or 200ms");
    }
    if (has(Ty::Int) || has(Ty::Float)) && has(Ty::Str) {
        return d.with_hint(
            "numbers are written without quotes; to compare text, compare an attribute",
        );
    }
    if matches!(op, BinaryOp::And | BinaryOp::Or) {
        return d
            .with_hint("each side of && and || must be a condition, e.g. { .a = 1 && .b = 2 }");
    }
    d
}

fn with_op_hint(d: Diagnostic, op: BinaryOp, t: Ty) -> Diagnostic {
    match (op, t) {
        (BinaryOp::Re | BinaryOp::NotRe, _) => {
            d.with_hint("regex matches need a string on both sides, e.g. name =~ \"GET .*\"")
        }
        (BinaryOp::Cmp(_), Ty::Status | Ty::Kind) => {
            d.with_hint("status and kind can only be compared with = or !=")
        }
        (BinaryOp::And | BinaryOp::Or, _) => {
            d.with_hint("each side of && and || must be a condition, e.g. { .a = 1 && .b = 2 }")
        }
        _ => d,
    }
}

/// The type of `op expr`.
pub(crate) fn unary(op: UnaryOp, ty: Ty, span: Span) -> Result<Ty, Diagnostic> {
    let ok = match op {
        UnaryOp::Neg => ty == Ty::Attr || ty.is_numeric(),
        UnaryOp::Not => ty == Ty::Attr || ty == Ty::Bool,
    };
    if ok {
        return Ok(if op == UnaryOp::Not { Ty::Bool } else { ty });
    }
    let (sym, want) = match op {
        UnaryOp::Neg => ("-", "a number or duration"),
        UnaryOp::Not => ("!", "a boolean"),
    };
    Err(Diagnostic::new(
        span,
        format!("`{sym}` needs {want}, found {}", ty.name()),
    ))
}

/// A span filter must be a condition.
pub(crate) fn filter_condition(ty: Ty, span: Span) -> Option<Diagnostic> {
    if matches!(ty, Ty::Attr | Ty::Bool) {
        return None;
    }
    let hint = match ty {
        Ty::Status => "compare it with a value: { status = error }",
        Ty::Kind => "compare it with a value: { kind = server }",
        Ty::Str => {
            "compare an attribute with the string: { .attr = \"value\" } or { name = \"value\" }"
        }
        _ => "compare the value with something: { duration > 1s }",
    };
    Some(
        Diagnostic::new(
            span,
            format!(
                "a span filter must be a condition, found {}",
                ty.with_article()
            ),
        )
        .with_hint(hint),
    )
}

/// Go RE2 syntax is close to regex-syntax's; both reject backreferences and lookaround.
pub(crate) fn regex(pattern: &str, span: Span) -> Option<Diagnostic> {
    let err = regex_syntax::Parser::new().parse(pattern).err()?;
    let detail = match &err {
        regex_syntax::Error::Parse(e) => e.kind().to_string(),
        regex_syntax::Error::Translate(e) => e.kind().to_string(),
        _ => err.to_string(),
    };
    Some(
        Diagnostic::new(span, format!("invalid regex: {detail}"))
            .with_hint("tempo uses Go RE2 syntax; escape special characters with \\\\"),
    )
}

/// Features Tempo's grammar accepts but its validation rejects as "not yet supported".
pub(crate) fn unsupported(span: Span, what: &str) -> Diagnostic {
    Diagnostic::new(span, format!("{what} is not supported by tempo yet"))
}

pub(crate) fn quantile(q: f64, span: Span) -> Option<Diagnostic> {
    (!(0.0..=1.0).contains(&q)).then(|| {
        Diagnostic::new(span, format!("quantile must be between 0 and 1, found {q}"))
            .with_hint("write quantiles as fractions, e.g. 0.99 for p99")
    })
}

/// `duration > 2`: Tempo reads a bare number as nanoseconds, which is rarely what was meant.
pub(crate) fn unitless_duration(
    op: BinaryOp,
    lhs: &Operand<'_>,
    rhs: &Operand<'_>,
) -> Option<Diagnostic> {
    if !matches!(op, BinaryOp::Cmp(_)) {
        return None;
    }
    let (number, span) = match (lhs.ty, rhs.ty, lhs.value, rhs.value) {
        (Ty::Duration, _, None, Some(Static::Int(n))) => (*n, rhs.span),
        (_, Ty::Duration, Some(Static::Int(n)), None) => (*n, lhs.span),
        _ => return None,
    };
    (number != 0).then(|| {
        Diagnostic::new(
            span,
            format!("{number} without a unit means {number} nanoseconds here"),
        )
        .with_hint(format!("add a unit, e.g. {number}ms or {number}s"))
    })
}
