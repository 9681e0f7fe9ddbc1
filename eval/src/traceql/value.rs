//! Runtime values of TraceQL expressions and Tempo's rules for comparing and combining them.

use std::cmp::Ordering;

use loqui_core::{AttrValue, SpanKind, StatusCode};
use loqui_query::traceql::{ArithOp, CmpOp, Kind, Static, Status};

/// What a field or an expression evaluates to for one span.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// A missing attribute, or an expression Tempo cannot type (e.g. `"a" + 1`).
    Nil,
    Str(String),
    Int(i64),
    Float(f64),
    /// Nanoseconds.
    Duration(i64),
    Status(Status),
    Kind(Kind),
    Bool(bool),
    /// An array attribute: comparisons hold when one element satisfies them (`!=`: all do).
    Array(Vec<Value>),
}

impl Value {
    pub(crate) fn from_static(s: &Static) -> Self {
        match s {
            Static::String(v) => Self::Str(v.clone()),
            Static::Int(v) => Self::Int(*v),
            Static::Float(v) => Self::Float(*v),
            Static::Duration(v) => Self::Duration(*v),
            Static::Status(v) => Self::Status(*v),
            Static::Kind(v) => Self::Kind(*v),
            Static::Bool(v) => Self::Bool(*v),
            Static::Nil => Self::Nil,
        }
    }

    /// Maps and bytes have no TraceQL counterpart; they read as missing, like nested arrays.
    pub(crate) fn from_attr(v: &AttrValue) -> Self {
        match v {
            AttrValue::Array(items) => Self::Array(
                items
                    .iter()
                    .map(Self::from_scalar_attr)
                    .filter(|v| !v.is_nil())
                    .collect(),
            ),
            other => Self::from_scalar_attr(other),
        }
    }

    fn from_scalar_attr(v: &AttrValue) -> Self {
        match v {
            AttrValue::String(s) => Self::Str(s.clone()),
            AttrValue::Int(i) => Self::Int(*i),
            AttrValue::Double(d) => Self::Float(*d),
            AttrValue::Bool(b) => Self::Bool(*b),
            AttrValue::Array(_) | AttrValue::KvList(_) | AttrValue::Bytes { .. } => Self::Nil,
        }
    }

    pub(crate) fn from_status(code: StatusCode) -> Self {
        Self::Status(match code {
            StatusCode::Unset => Status::Unset,
            StatusCode::Ok => Status::Ok,
            StatusCode::Error => Status::Error,
        })
    }

    pub(crate) fn from_kind(kind: SpanKind) -> Self {
        Self::Kind(match kind {
            SpanKind::Unspecified => Kind::Unspecified,
            SpanKind::Internal => Kind::Internal,
            SpanKind::Server => Kind::Server,
            SpanKind::Client => Kind::Client,
            SpanKind::Producer => Kind::Producer,
            SpanKind::Consumer => Kind::Consumer,
        })
    }

    pub(crate) fn is_nil(&self) -> bool {
        matches!(self, Self::Nil)
    }

    /// Numbers and durations as `f64` (durations in nanoseconds), like Tempo's `Static.Float()`.
    pub(crate) fn as_f64(&self) -> Option<f64> {
        match self {
            Self::Int(i) => Some(*i as f64),
            Self::Float(f) => Some(*f),
            Self::Duration(d) => Some(*d as f64),
            _ => None,
        }
    }

    /// The value as Tempo writes it in a search answer's span attributes.
    pub(crate) fn to_attr(&self) -> Option<AttrValue> {
        Some(match self {
            Self::Nil => return None,
            Self::Str(s) => AttrValue::String(s.clone()),
            Self::Int(i) => AttrValue::Int(*i),
            Self::Float(f) => AttrValue::Double(*f),
            Self::Duration(d) => AttrValue::Int(*d),
            Self::Status(s) => AttrValue::String(status_name(*s).to_string()),
            Self::Kind(k) => AttrValue::String(kind_name(*k).to_string()),
            Self::Bool(b) => AttrValue::Bool(*b),
            Self::Array(items) => {
                AttrValue::Array(items.iter().filter_map(Self::to_attr).collect())
            }
        })
    }

    /// A label value for metrics series and `by()` groups.
    pub(crate) fn label(&self) -> String {
        match self {
            Self::Nil => "nil".to_string(),
            Self::Str(s) => s.clone(),
            Self::Int(i) => i.to_string(),
            Self::Float(f) => f.to_string(),
            Self::Duration(d) => format!("{d}ns"),
            Self::Status(s) => status_name(*s).to_string(),
            Self::Kind(k) => kind_name(*k).to_string(),
            Self::Bool(b) => b.to_string(),
            Self::Array(items) => {
                let parts: Vec<String> = items.iter().map(Self::label).collect();
                format!("[{}]", parts.join(", "))
            }
        }
    }
}

pub(crate) fn status_name(s: Status) -> &'static str {
    match s {
        Status::Error => "error",
        Status::Ok => "ok",
        Status::Unset => "unset",
    }
}

pub(crate) fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Unspecified => "unspecified",
        Kind::Internal => "internal",
        Kind::Server => "server",
        Kind::Client => "client",
        Kind::Producer => "producer",
        Kind::Consumer => "consumer",
    }
}

/// `lhs op rhs`. A comparison with a missing value or between unrelated types is false (so
/// `span.x != "a"` does not match spans without `x`); ints, floats and durations compare as
/// numbers. The `nil` literal is handled by [`compare_nil`].
pub(crate) fn compare(op: CmpOp, lhs: &Value, rhs: &Value) -> bool {
    match (lhs, rhs) {
        (Value::Array(_), Value::Array(_)) => return false,
        (Value::Array(items), scalar) => {
            return any_or_all(op, items, |e| compare(flip(op), scalar, e));
        }
        (scalar, Value::Array(items)) => return any_or_all(op, items, |e| compare(op, scalar, e)),
        _ => {}
    }
    if rhs.is_nil() || lhs.is_nil() {
        return false;
    }
    if matches!(lhs, Value::Status(_) | Value::Kind(_)) && !matches!(op, CmpOp::Eq | CmpOp::Neq) {
        return false;
    }
    let Some(ord) = order(lhs, rhs) else {
        return false;
    };
    match op {
        CmpOp::Eq => ord == Ordering::Equal,
        CmpOp::Neq => ord != Ordering::Equal,
        CmpOp::Lt => ord == Ordering::Less,
        CmpOp::Lte => ord != Ordering::Greater,
        CmpOp::Gt => ord == Ordering::Greater,
        CmpOp::Gte => ord != Ordering::Less,
    }
}

/// `v = nil` / `v != nil`: whether the value is missing or present.
pub(crate) fn compare_nil(op: CmpOp, v: &Value) -> bool {
    match op {
        CmpOp::Eq => v.is_nil(),
        CmpOp::Neq => !v.is_nil(),
        _ => false,
    }
}

/// Tempo's array rule: `!=` must hold for every element, other operators for one.
pub(crate) fn any_or_all(op: CmpOp, items: &[Value], f: impl Fn(&Value) -> bool) -> bool {
    if op == CmpOp::Neq {
        items.iter().all(f)
    } else {
        items.iter().any(f)
    }
}

pub(crate) fn flip(c: CmpOp) -> CmpOp {
    match c {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Lte => CmpOp::Gte,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Gte => CmpOp::Lte,
        other => other,
    }
}

fn order(lhs: &Value, rhs: &Value) -> Option<Ordering> {
    use Value::*;
    match (lhs, rhs) {
        (Str(a), Str(b)) => Some(a.cmp(b)),
        (Int(a), Int(b)) | (Duration(a), Duration(b)) => Some(a.cmp(b)),
        (Bool(a), Bool(b)) => Some(a.cmp(b)),
        // Enums only know `=` and `!=`; `compare` refuses the other operators.
        (Status(a), Status(b)) => Some(if a == b {
            Ordering::Equal
        } else {
            Ordering::Less
        }),
        (Kind(a), Kind(b)) => Some(if a == b {
            Ordering::Equal
        } else {
            Ordering::Less
        }),
        _ => lhs.as_f64()?.partial_cmp(&rhs.as_f64()?),
    }
}

/// Arithmetic like Tempo's: two ints give an int (`/` truncates; dividing by zero gives nil),
/// anything else numeric is done in `f64`; a non-numeric operand gives nil.
pub(crate) fn arith(op: ArithOp, lhs: &Value, rhs: &Value) -> Value {
    if let (Value::Int(a), Value::Int(b)) = (lhs, rhs)
        && op != ArithOp::Pow
    {
        return int_arith(op, *a, *b);
    }
    let (Some(a), Some(b)) = (lhs.as_f64(), rhs.as_f64()) else {
        return Value::Nil;
    };
    Value::Float(match op {
        ArithOp::Add => a + b,
        ArithOp::Sub => a - b,
        ArithOp::Mul => a * b,
        ArithOp::Div => a / b,
        ArithOp::Mod => a % b,
        ArithOp::Pow => a.powf(b),
    })
}

pub(crate) fn negate(v: &Value) -> Value {
    match v {
        Value::Int(i) => Value::Int(-i),
        Value::Float(f) => Value::Float(-f),
        Value::Duration(d) => Value::Duration(-d),
        _ => Value::Nil,
    }
}

fn int_arith(op: ArithOp, a: i64, b: i64) -> Value {
    let v = match op {
        ArithOp::Add => a.checked_add(b),
        ArithOp::Sub => a.checked_sub(b),
        ArithOp::Mul => a.checked_mul(b),
        ArithOp::Div => a.checked_div(b),
        ArithOp::Mod => a.checked_rem(b),
        ArithOp::Pow => None,
    };
    v.map_or(Value::Nil, Value::Int)
}
