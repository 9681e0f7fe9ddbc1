//! Tempo's power-of-two histograms, from which `quantile_over_time` and `histogram_over_time`
//! are computed, so the embedded store returns the very numbers Tempo does.

/// The power-of-two bucket a value falls in: the smallest `2^k >= v`, or -1 below 2 (Tempo's
/// `Log2Bucketize`).
pub(crate) fn log2_bucket(v: u64) -> f64 {
    if v < 2 {
        return -1.0;
    }
    let bits = 64 - (v - 1).leading_zeros();
    (1u128 << bits) as f64
}

/// One non-empty bucket: `count` values at most `max` (and above the previous bucket's `max`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Bucket {
    pub max: f64,
    pub count: u64,
}

/// Tempo's `Log2Quantile`: walks the buckets (ascending by `max`) up to the `ceil(p * total)`th
/// value, then interpolates exponentially between the previous bucket's `max` and this one's.
/// Empty input, or `p` outside `[0, 1]`, gives 0.
pub(crate) fn log2_quantile(p: f64, buckets: &[Bucket]) -> f64 {
    let total: u64 = buckets.iter().map(|b| b.count).sum();
    if p.is_nan() || !(0.0..=1.0).contains(&p) || total == 0 {
        return 0.0;
    }
    let max_samples = ((p * total as f64).ceil() as u64).max(1);
    let mut consumed = 0;
    let mut at = 0;
    for (i, b) in buckets.iter().enumerate() {
        at = i;
        if consumed + b.count > max_samples {
            break;
        }
        consumed += b.count;
        if consumed == max_samples {
            return b.max;
        }
    }
    let interp = (max_samples - consumed) as f64 / buckets[at].count as f64;
    let max_v = buckets[at].max.log2();
    let min_v = if at > 0 {
        buckets[at - 1].max.log2()
    } else {
        max_v - 1.0
    };
    2f64.powf(min_v + (max_v - min_v) * interp)
}

/// Counts per bucket, kept sorted by `max`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Histogram(pub Vec<Bucket>);

impl Histogram {
    pub fn add(&mut self, max: f64) {
        match self.0.binary_search_by(|b| b.max.total_cmp(&max)) {
            Ok(i) => self.0[i].count += 1,
            Err(i) => self.0.insert(i, Bucket { max, count: 1 }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_the_next_power_of_two() {
        assert_eq!(log2_bucket(0), -1.0);
        assert_eq!(log2_bucket(1), -1.0);
        assert_eq!(log2_bucket(2), 2.0);
        assert_eq!(log2_bucket(3), 4.0);
        assert_eq!(log2_bucket(4), 4.0);
        assert_eq!(log2_bucket(5), 8.0);
        assert_eq!(log2_bucket(200_000_000), 268_435_456.0);
    }

    #[test]
    fn quantiles_interpolate_between_buckets() {
        let b = |max, count| Bucket { max, count };
        assert_eq!(log2_quantile(0.5, &[]), 0.0);
        // The 2nd of 4 values is the last of the first bucket: its max, exactly.
        assert_eq!(log2_quantile(0.5, &[b(4.0, 2), b(16.0, 2)]), 4.0);
        // The 3rd of 4 is half-way into the second bucket: 2^(2 + (4-2)*0.5) = 8.
        assert_eq!(log2_quantile(0.75, &[b(4.0, 2), b(16.0, 2)]), 8.0);
        // In the first bucket the lower bound is one power of two below.
        assert_eq!(log2_quantile(0.5, &[b(8.0, 2)]), 2f64.powf(2.5));
        assert_eq!(log2_quantile(1.5, &[b(8.0, 2)]), 0.0);
    }
}
