//! How each keyword and operator is spelled in TraceQL text, both ways.

use super::ast::*;

impl Intrinsic {
    /// Canonical spelling: the short form where Tempo has one, the scoped form otherwise.
    pub fn as_str(self) -> &'static str {
        use Intrinsic::*;
        match self {
            Duration => "duration",
            Name => "name",
            Status => "status",
            StatusMessage => "statusMessage",
            Kind => "kind",
            Parent => "parent",
            RootName => "rootName",
            RootServiceName => "rootServiceName",
            TraceDuration => "traceDuration",
            NestedSetLeft => "nestedSetLeft",
            NestedSetRight => "nestedSetRight",
            NestedSetParent => "nestedSetParent",
            TraceId => "trace:id",
            SpanId => "span:id",
            ParentId => "span:parentID",
            ChildCount => "span:childCount",
            EventName => "event:name",
            EventTimeSinceStart => "event:timeSinceStart",
            LinkTraceId => "link:traceID",
            LinkSpanId => "link:spanID",
            InstrumentationName => "instrumentation:name",
            InstrumentationVersion => "instrumentation:version",
        }
    }

    /// The unscoped intrinsic keywords (`duration`, `rootName`, ...).
    pub fn from_keyword(s: &str) -> Option<Intrinsic> {
        use Intrinsic::*;
        Some(match s {
            "duration" => Duration,
            "name" => Name,
            "status" => Status,
            "statusMessage" => StatusMessage,
            "kind" => Kind,
            "parent" => Parent,
            "rootName" => RootName,
            "rootServiceName" => RootServiceName,
            "traceDuration" => TraceDuration,
            "nestedSetLeft" => NestedSetLeft,
            "nestedSetRight" => NestedSetRight,
            "nestedSetParent" => NestedSetParent,
            _ => return None,
        })
    }

    /// The intrinsic named `name` after `scope:` (`trace:`, `span:`, ...).
    pub fn from_scoped(scope: &str, name: &str) -> Option<Intrinsic> {
        use Intrinsic::*;
        Some(match (scope, name) {
            ("trace", "duration") => TraceDuration,
            ("trace", "rootName") => RootName,
            ("trace", "rootService") => RootServiceName,
            ("trace", "id") => TraceId,
            ("span", "duration") => Duration,
            ("span", "name") => Name,
            ("span", "kind") => Kind,
            ("span", "status") => Status,
            ("span", "statusMessage") => StatusMessage,
            ("span", "id") => SpanId,
            ("span", "parentID") => ParentId,
            ("span", "childCount") => ChildCount,
            ("event", "name") => EventName,
            ("event", "timeSinceStart") => EventTimeSinceStart,
            ("link", "traceID") => LinkTraceId,
            ("link", "spanID") => LinkSpanId,
            ("instrumentation", "name") => InstrumentationName,
            ("instrumentation", "version") => InstrumentationVersion,
            _ => return None,
        })
    }
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Span => "span",
            Scope::Resource => "resource",
            Scope::Event => "event",
            Scope::Link => "link",
            Scope::Instrumentation => "instrumentation",
        }
    }
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Error => "error",
            Status::Ok => "ok",
            Status::Unset => "unset",
        }
    }
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Unspecified => "unspecified",
            Kind::Internal => "internal",
            Kind::Server => "server",
            Kind::Client => "client",
            Kind::Producer => "producer",
            Kind::Consumer => "consumer",
        }
    }
}

impl CmpOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Neq => "!=",
            CmpOp::Lt => "<",
            CmpOp::Lte => "<=",
            CmpOp::Gt => ">",
            CmpOp::Gte => ">=",
        }
    }
}

impl ArithOp {
    pub fn as_str(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
            ArithOp::Mod => "%",
            ArithOp::Pow => "^",
        }
    }
}

impl SpansetOp {
    pub fn as_str(self) -> &'static str {
        use SpansetOp::*;
        match self {
            And => "&&",
            Union => "||",
            Child => ">",
            Parent => "<",
            Descendant => ">>",
            Ancestor => "<<",
            Sibling => "~",
            NotChild => "!>",
            NotParent => "!<",
            NotDescendant => "!>>",
            NotAncestor => "!<<",
            NotSibling => "!~",
            UnionChild => "&>",
            UnionParent => "&<",
            UnionDescendant => "&>>",
            UnionAncestor => "&<<",
            UnionSibling => "&~",
        }
    }
}

impl BinaryOp {
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Arith(op) => op.as_str(),
            BinaryOp::Cmp(op) => op.as_str(),
            BinaryOp::Re => "=~",
            BinaryOp::NotRe => "!~",
            BinaryOp::And => "&&",
            BinaryOp::Or => "||",
        }
    }
}
