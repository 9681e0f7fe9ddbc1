//! Binary operators between scalars and vectors (with `on`/`ignoring`, `group_left/right` and
//! `bool`), set operators, and `label_replace`, following Prometheus' rules as Loki does.

use std::collections::{HashMap, HashSet};

use loqui_core::Labels;
use loqui_query::logql::{BinOp, BinaryExpr, LabelReplace, VectorMatching};

use super::EvalError;
use super::filters::anchored;
use super::metric::{Collector, Ctx, StepSeries, Value};

pub(crate) fn eval(ctx: &Ctx<'_>, b: &BinaryExpr) -> Result<Value, EvalError> {
    let (lhs, rhs) = (ctx.eval(&b.lhs)?, ctx.eval(&b.rhs)?);
    let rb = b.modifier.return_bool;
    Ok(match (lhs, rhs) {
        (Value::Scalar(l), Value::Scalar(r)) => Value::Scalar(
            l.iter()
                .zip(&r)
                .map(|(&x, &y)| scalar_op(b.op, x, y, true).unwrap_or(0.0))
                .collect(),
        ),
        (Value::Vector(v), Value::Scalar(s)) => Value::Vector(with_scalar(b.op, v, &s, rb, false)?),
        (Value::Scalar(s), Value::Vector(v)) => Value::Vector(with_scalar(b.op, v, &s, rb, true)?),
        (Value::Vector(l), Value::Vector(r)) => Value::Vector(vectors(ctx, b, &l, &r)?),
    })
}

fn is_comparison(op: BinOp) -> bool {
    matches!(
        op,
        BinOp::Eq | BinOp::Neq | BinOp::Gt | BinOp::Gte | BinOp::Lt | BinOp::Lte
    )
}

/// `x op y`; for a comparison, `Some(x)` when it holds (or 0/1 with `bool`), `None` otherwise.
fn scalar_op(op: BinOp, x: f64, y: f64, return_bool: bool) -> Option<f64> {
    let cmp = |hold: bool| match (return_bool, hold) {
        (true, h) => Some(f64::from(u8::from(h))),
        (false, true) => Some(x),
        (false, false) => None,
    };
    match op {
        BinOp::Add => Some(x + y),
        BinOp::Sub => Some(x - y),
        BinOp::Mul => Some(x * y),
        BinOp::Div => Some(x / y),
        BinOp::Mod => Some(x % y),
        BinOp::Pow => Some(x.powf(y)),
        BinOp::Eq => cmp(x == y),
        BinOp::Neq => cmp(x != y),
        BinOp::Gt => cmp(x > y),
        BinOp::Gte => cmp(x >= y),
        BinOp::Lt => cmp(x < y),
        BinOp::Lte => cmp(x <= y),
        BinOp::And | BinOp::Or | BinOp::Unless => None,
    }
}

fn with_scalar(
    op: BinOp,
    v: Vec<StepSeries>,
    s: &[f64],
    return_bool: bool,
    scalar_left: bool,
) -> Result<Vec<StepSeries>, EvalError> {
    if matches!(op, BinOp::And | BinOp::Or | BinOp::Unless) {
        return Err(EvalError::BadQuery(
            "set operators need vectors on both sides".into(),
        ));
    }
    Ok(v.into_iter()
        .map(|mut series| {
            for (val, &sc) in series.values.iter_mut().zip(s) {
                *val = val.and_then(|x| {
                    let (l, r) = if scalar_left { (sc, x) } else { (x, sc) };
                    let out = scalar_op(op, l, r, return_bool)?;
                    // A comparison keeps the vector's value even when the scalar is on the left.
                    Some(if is_comparison(op) && !return_bool {
                        x
                    } else {
                        out
                    })
                });
            }
            series
        })
        .collect())
}

/// The labels two series are matched on.
fn signature(labels: &Labels, m: Option<&VectorMatching>) -> Labels {
    labels
        .iter()
        .filter(|(k, _)| match m {
            Some(m) if m.on => m.labels.contains(k),
            Some(m) => !m.labels.contains(k),
            None => true,
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn vectors(
    ctx: &Ctx<'_>,
    b: &BinaryExpr,
    l: &[StepSeries],
    r: &[StepSeries],
) -> Result<Vec<StepSeries>, EvalError> {
    let m = b.modifier.matching.as_ref();
    let lsig: Vec<Labels> = l.iter().map(|s| signature(&s.labels, m)).collect();
    let rsig: Vec<Labels> = r.iter().map(|s| signature(&s.labels, m)).collect();
    let mut out = Collector::default();
    let steps = ctx.steps.len();
    for step in 0..steps {
        let at = Step {
            l: Side::live(l, &lsig, step),
            r: Side::live(r, &rsig, step),
            step,
            steps,
        };
        match b.op {
            BinOp::And | BinOp::Unless => at.filter(b.op == BinOp::And, &mut out),
            BinOp::Or => at.union(&mut out),
            _ => at.arithmetic(b, &mut out)?,
        }
    }
    Ok(out.finish())
}

/// One operand's series that have a value at a step, with their matching signatures.
struct Side<'a> {
    series: &'a [StepSeries],
    live: Vec<(usize, &'a Labels)>,
}

impl<'a> Side<'a> {
    fn live(series: &'a [StepSeries], sigs: &'a [Labels], step: usize) -> Side<'a> {
        let live = (0..series.len())
            .filter(|&i| series[i].values[step].is_some())
            .map(|i| (i, &sigs[i]))
            .collect();
        Side { series, live }
    }

    fn value(&self, i: usize, step: usize) -> f64 {
        self.series[i].values[step].unwrap_or(0.0)
    }

    fn keys(&self) -> HashSet<&'a Labels> {
        self.live.iter().map(|(_, s)| *s).collect()
    }
}

/// Both operands at one step.
struct Step<'a> {
    l: Side<'a>,
    r: Side<'a>,
    step: usize,
    steps: usize,
}

impl Step<'_> {
    fn emit(&self, side: &Side<'_>, i: usize, out: &mut Collector) {
        out.add(
            side.series[i].labels.clone(),
            self.step,
            self.steps,
            side.value(i, self.step),
        );
    }

    /// `and` keeps left series with a match on the right; `unless` those without one.
    fn filter(&self, and: bool, out: &mut Collector) {
        let keys = self.r.keys();
        for &(i, sig) in &self.l.live {
            if keys.contains(sig) == and {
                self.emit(&self.l, i, out);
            }
        }
    }

    /// `or`: every left series, and right series whose signature the left lacks.
    fn union(&self, out: &mut Collector) {
        let keys = self.l.keys();
        for &(i, _) in &self.l.live {
            self.emit(&self.l, i, out);
        }
        for &(i, sig) in &self.r.live {
            if !keys.contains(sig) {
                self.emit(&self.r, i, out);
            }
        }
    }

    fn arithmetic(&self, b: &BinaryExpr, out: &mut Collector) -> Result<(), EvalError> {
        let m = b.modifier.matching.as_ref();
        let group = m.and_then(|m| m.group.as_ref());
        // The "one" side is indexed by signature; with group_right the roles swap.
        let right_is_many = group.is_some_and(|g| !g.left);
        let (many, one) = if right_is_many {
            (&self.r, &self.l)
        } else {
            (&self.l, &self.r)
        };
        let mut index: HashMap<&Labels, usize> = HashMap::new();
        for &(i, sig) in &one.live {
            if index.insert(sig, i).is_some() {
                return Err(EvalError::BadQuery(
                    "many-to-many matching not allowed: matching labels must be unique on one side"
                        .into(),
                ));
            }
        }
        let mut seen: HashSet<Labels> = HashSet::new();
        for &(i, sig) in &many.live {
            let Some(&j) = index.get(sig) else { continue };
            let (mut x, mut y) = (many.value(i, self.step), one.value(j, self.step));
            if right_is_many {
                std::mem::swap(&mut x, &mut y);
            }
            let Some(value) = scalar_op(b.op, x, y, b.modifier.return_bool) else {
                continue;
            };
            let labels = result_labels(&many.series[i].labels, &one.series[j].labels, m);
            if group.is_none() && !seen.insert(labels.clone()) {
                return Err(EvalError::BadQuery(
                    "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)".into(),
                ));
            }
            out.add(labels, self.step, self.steps, value);
        }
        Ok(())
    }
}

/// Prometheus' result labels: one-to-one keeps the `on` labels (or drops the `ignoring` ones);
/// `group_left/right` keeps the "many" side and copies the listed labels from the "one" side.
fn result_labels(many: &Labels, one: &Labels, m: Option<&VectorMatching>) -> Labels {
    let Some(m) = m else { return many.clone() };
    match &m.group {
        None => signature(many, Some(m)),
        Some(g) => {
            let mut out = many.clone();
            for name in &g.include {
                match one.get(name) {
                    Some(v) => out.insert(name.clone(), v.clone()),
                    None => out.remove(name),
                };
            }
            out
        }
    }
}

pub(crate) fn label_replace(ctx: &Ctx<'_>, lr: &LabelReplace) -> Result<Value, EvalError> {
    let re = anchored(&lr.regex)?;
    let series = match ctx.eval(&lr.expr)? {
        Value::Vector(s) => s,
        Value::Scalar(_) => return Err(EvalError::BadQuery("label_replace needs a vector".into())),
    };
    let mut out = Collector::default();
    let steps = ctx.steps.len();
    for s in series {
        let src = s.labels.get(&lr.src).map_or("", String::as_str);
        let mut labels = s.labels.clone();
        if let Some(caps) = re.captures(src) {
            let mut value = String::new();
            caps.expand(&lr.replacement, &mut value);
            if value.is_empty() {
                labels.remove(&lr.dst);
            } else {
                labels.insert(lr.dst.clone(), value);
            }
        }
        for (step, v) in s.values.iter().enumerate() {
            if let Some(x) = v {
                out.add(labels.clone(), step, steps, *x);
            }
        }
    }
    Ok(Value::Vector(out.finish()))
}
