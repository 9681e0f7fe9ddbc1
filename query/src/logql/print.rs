//! The canonical printer. Its output parses back to an equal tree: parentheses appear exactly
//! where precedence needs them, strings are double-quoted, durations and sizes are normalised.

use std::fmt::{self, Display, Formatter, Write as _};

use super::ast::*;
use super::expr::{binop_name, precedence};
use super::units::{fmt_number, write_quoted};

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Log(l) => l.fmt(f),
            Expr::Metric(m) => m.fmt(f),
        }
    }
}

impl Display for LogExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_char('{')?;
        for (i, m) in self.selector.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            m.fmt(f)?;
        }
        f.write_char('}')?;
        for stage in &self.pipeline {
            f.write_char(' ')?;
            stage.fmt(f)?;
        }
        Ok(())
    }
}

impl Display for Matcher {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        f.write_str(self.op.as_str())?;
        write_quoted(f, &self.value)
    }
}

impl Display for Stage {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Stage::LineFilter(lf) => lf.fmt(f),
            Stage::Parser(p) => p.fmt(f),
            Stage::LabelFilter(lf) => write!(f, "| {lf}"),
            Stage::LineFormat(t) => {
                f.write_str("| line_format ")?;
                write_quoted(f, t)
            }
            Stage::LabelFormat(items) => {
                f.write_str("| label_format ")?;
                list(f, items)
            }
            Stage::Decolorize => f.write_str("| decolorize"),
            Stage::Drop(items) => {
                f.write_str("| drop ")?;
                list(f, items)
            }
            Stage::Keep(items) => {
                f.write_str("| keep ")?;
                list(f, items)
            }
        }
    }
}

fn list<T: Display>(f: &mut Formatter<'_>, items: &[T]) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        item.fmt(f)?;
    }
    Ok(())
}

impl Display for LineFilter {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.op.as_str())?;
        for (i, v) in self.values.iter().enumerate() {
            f.write_str(if i == 0 { " " } else { " or " })?;
            match v {
                FilterValue::Text(t) => write_quoted(f, t)?,
                FilterValue::Ip(t) => {
                    f.write_str("ip(")?;
                    write_quoted(f, t)?;
                    f.write_char(')')?;
                }
            }
        }
        Ok(())
    }
}

impl Display for Parser {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let (name, params): (&str, &[Extraction]) = match self {
            Parser::Json(p) => ("| json", p),
            Parser::Logfmt {
                strict,
                keep_empty,
                params,
            } => {
                f.write_str("| logfmt")?;
                if *strict {
                    f.write_str(" --strict")?;
                }
                if *keep_empty {
                    f.write_str(" --keep-empty")?;
                }
                ("", params)
            }
            Parser::Regexp(re) => {
                f.write_str("| regexp ")?;
                return write_quoted(f, re);
            }
            Parser::Pattern(p) => {
                f.write_str("| pattern ")?;
                return write_quoted(f, p);
            }
            Parser::Unpack => return f.write_str("| unpack"),
        };
        f.write_str(name)?;
        if !params.is_empty() {
            f.write_char(' ')?;
            list(f, params)?;
        }
        Ok(())
    }
}

impl Display for Extraction {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)?;
        match &self.expr {
            Some(e) => {
                f.write_char('=')?;
                write_quoted(f, e)
            }
            None => Ok(()),
        }
    }
}

impl Display for LabelFormat {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            LabelFormat::Rename { dst, src } => write!(f, "{dst}={src}"),
            LabelFormat::Template { dst, template } => {
                write!(f, "{dst}=")?;
                write_quoted(f, template)
            }
        }
    }
}

impl Display for NamedMatcher {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            NamedMatcher::Name(n) => f.write_str(n),
            NamedMatcher::Matcher(m) => m.fmt(f),
        }
    }
}

impl LabelFilter {
    /// 0 for atoms, 1 for `or`, 2 for `and` (higher binds tighter).
    fn level(&self) -> u8 {
        match self {
            LabelFilter::Or(..) => 1,
            LabelFilter::And(..) => 2,
            _ => 3,
        }
    }

    fn fmt_child(&self, f: &mut Formatter<'_>, parent: u8, right: bool) -> fmt::Result {
        let level = self.level();
        if level < parent || (right && level == parent) {
            write!(f, "({self})")
        } else {
            self.fmt(f)
        }
    }
}

impl Display for LabelFilter {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            LabelFilter::Matcher(m) => m.fmt(f),
            LabelFilter::Ip {
                name,
                negated,
                cidr,
            } => {
                write!(f, "{name}{}ip(", if *negated { "!=" } else { "=" })?;
                write_quoted(f, cidr)?;
                f.write_char(')')
            }
            LabelFilter::Number { name, op, value } => {
                write!(f, "{name} {} ", op.as_str())?;
                fmt_number(f, *value)
            }
            LabelFilter::Duration { name, op, value } => {
                write!(f, "{name} {} {value}", op.as_str())
            }
            LabelFilter::Bytes { name, op, value } => write!(f, "{name} {} {value}", op.as_str()),
            LabelFilter::And(a, b) | LabelFilter::Or(a, b) => {
                let level = self.level();
                a.fmt_child(f, level, false)?;
                f.write_str(if level == 1 { " or " } else { " and " })?;
                b.fmt_child(f, level, true)
            }
        }
    }
}

impl Display for MetricExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            MetricExpr::Range(r) => r.fmt(f),
            MetricExpr::Vector(v) => v.fmt(f),
            MetricExpr::Binary(b) => b.fmt(f),
            MetricExpr::Literal(v) => fmt_number(f, *v),
            MetricExpr::LabelReplace(l) => l.fmt(f),
            MetricExpr::VectorLiteral(v) => {
                f.write_str("vector(")?;
                fmt_number(f, *v)?;
                f.write_char(')')
            }
        }
    }
}

impl Display for RangeAggregation {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}(", self.op.name())?;
        if let Some(p) = self.param {
            fmt_number(f, p)?;
            f.write_str(", ")?;
        }
        write!(f, "{})", self.range)?;
        if let Some(g) = &self.grouping {
            write!(f, " {g}")?;
        }
        Ok(())
    }
}

impl Display for LogRange {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        self.log.fmt(f)?;
        if let Some(u) = &self.unwrap {
            write!(f, " {u}")?;
        }
        if self.log.has_pipeline() || self.unwrap.is_some() {
            f.write_char(' ')?;
        }
        write!(f, "[{}]", self.range)?;
        if let Some(o) = self.offset {
            write!(f, " offset {o}")?;
        }
        Ok(())
    }
}

impl Display for Unwrap {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.conv {
            Some(c) => write!(f, "| unwrap {}({})", c.as_str(), self.label)?,
            None => write!(f, "| unwrap {}", self.label)?,
        }
        for filter in &self.post_filters {
            write!(f, " | {filter}")?;
        }
        Ok(())
    }
}

impl Display for Grouping {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(if self.without { "without (" } else { "by (" })?;
        f.write_str(&self.labels.join(", "))?;
        f.write_char(')')
    }
}

impl Display for VectorAggregation {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.op.name())?;
        if let Some(g) = &self.grouping {
            write!(f, " {g} ")?;
        }
        f.write_char('(')?;
        if let Some(k) = self.param {
            write!(f, "{k}, ")?;
        }
        write!(f, "{})", self.expr)
    }
}

impl Display for BinaryExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let prec = precedence(self.op);
        let right_assoc = self.op == BinOp::Pow;
        operand(f, &self.lhs, prec, right_assoc)?;
        write!(f, " {}", binop_name(self.op))?;
        self.modifier
            .write(f, needs_parens(&self.rhs, prec, !right_assoc))?;
        f.write_char(' ')?;
        operand(f, &self.rhs, prec, !right_assoc)
    }
}

fn needs_parens(e: &MetricExpr, parent: u8, paren_on_tie: bool) -> bool {
    match e {
        MetricExpr::Binary(b) => {
            let p = precedence(b.op);
            p < parent || (p == parent && paren_on_tie)
        }
        _ => false,
    }
}

/// Prints a binary operand, in parentheses when it binds more loosely than its parent (or as
/// loosely, on the side where associativity would regroup it).
fn operand(f: &mut Formatter<'_>, e: &MetricExpr, parent: u8, paren_on_tie: bool) -> fmt::Result {
    if needs_parens(e, parent, paren_on_tie) {
        write!(f, "({e})")
    } else {
        e.fmt(f)
    }
}

impl Display for BinModifier {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        self.write(f, false)
    }
}

impl BinModifier {
    /// `rhs_paren`: the right operand starts with `(`, which an empty `group_left` would take
    /// for its label list, so the empty list is written out.
    fn write(&self, f: &mut Formatter<'_>, rhs_paren: bool) -> fmt::Result {
        if self.return_bool {
            f.write_str(" bool")?;
        }
        let Some(m) = &self.matching else {
            return Ok(());
        };
        let kw = if m.on { "on" } else { "ignoring" };
        write!(f, " {kw} ({})", m.labels.join(", "))?;
        if let Some(g) = &m.group {
            let kw = if g.left { "group_left" } else { "group_right" };
            write!(f, " {kw}")?;
            if !g.include.is_empty() || rhs_paren {
                write!(f, " ({})", g.include.join(", "))?;
            }
        }
        Ok(())
    }
}

impl Display for LabelReplace {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "label_replace({}", self.expr)?;
        for s in [&self.dst, &self.replacement, &self.src, &self.regex] {
            f.write_str(", ")?;
            write_quoted(f, s)?;
        }
        f.write_char(')')
    }
}
