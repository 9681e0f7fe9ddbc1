//! A small seeded PRNG written out here so that the demo data stays bit-for-bit identical
//! forever: no crate update can change it. Only IEEE-754 basic operations (+, -, *, /) are used on
//! floats, never `ln`/`exp`/`cos`, whose last bits differ between platform math libraries.

use std::cell::Cell;

/// SplitMix64 step: used to seed and to derive independent streams from a key.
pub(crate) fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Mixes a seed and a key (for example a minute index) into one 64-bit value.
pub(crate) fn mix(seed: u64, key: u64) -> u64 {
    let mut s = seed ^ key.wrapping_mul(0xD1B5_4A32_D192_ED03);
    splitmix64(&mut s)
}

/// xoshiro256** (Blackman and Vigna), seeded through SplitMix64.
#[derive(Clone, Debug)]
pub(crate) struct Rng {
    // A Cell so that draws need only `&self`: flows write `tx.call(.., t + tx.rng.ms(0.2), ..)`,
    // which a `&mut` receiver would forbid.
    s: Cell<[u64; 4]>,
}

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        let mut sm = seed;
        let s = [
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
        ];
        Rng { s: Cell::new(s) }
    }

    pub(crate) fn next_u64(&self) -> u64 {
        let mut s = self.s.get();
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        self.s.set(s);
        result
    }

    /// Uniform in [0, 1) with 53 bits of precision.
    pub(crate) fn f64(&self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in [lo, hi] (inclusive).
    pub(crate) fn range(&self, lo: u64, hi: u64) -> u64 {
        debug_assert!(lo <= hi);
        let span = hi - lo + 1;
        // Lemire's multiply-shift; the tiny bias is irrelevant for demo data.
        lo + ((u128::from(self.next_u64()) * u128::from(span)) >> 64) as u64
    }

    pub(crate) fn chance(&self, p: f64) -> bool {
        self.f64() < p
    }

    pub(crate) fn pick<'a, T>(&self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() as u64 - 1) as usize]
    }

    /// Picks an index according to integer weights.
    pub(crate) fn weighted(&self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut x = self.range(0, total - 1);
        for (i, &w) in weights.iter().enumerate() {
            if x < u64::from(w) {
                return i;
            }
            x -= u64::from(w);
        }
        weights.len() - 1
    }

    /// A latency-like positive factor around 1: a bell from the mean of three uniforms
    /// (range 0.4-1.6) with a rare long tail, as real request latencies have.
    pub(crate) fn jitter(&self) -> f64 {
        let bell = 0.4 + 0.4 * (self.f64() + self.f64() + self.f64());
        if self.chance(0.02) {
            let u = self.f64();
            bell * (2.0 + 10.0 * u * u)
        } else {
            bell
        }
    }

    /// A duration in nanoseconds around `median_ms`.
    pub(crate) fn ms(&self, median_ms: f64) -> i64 {
        (median_ms * self.jitter() * 1e6) as i64 + 1_000
    }

    /// A duration in nanoseconds uniform in [lo_ms, hi_ms].
    pub(crate) fn ms_between(&self, lo_ms: f64, hi_ms: f64) -> i64 {
        ((lo_ms + (hi_ms - lo_ms) * self.f64()) * 1e6) as i64
    }

    pub(crate) fn bytes16(&self) -> [u8; 16] {
        let a = self.next_u64().to_be_bytes();
        let b = self.next_u64().to_be_bytes();
        let mut out = [0; 16];
        out[..8].copy_from_slice(&a);
        out[8..].copy_from_slice(&b);
        out
    }

    pub(crate) fn bytes8(&self) -> [u8; 8] {
        self.next_u64().to_be_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_is_pinned() {
        // If this changes, every demo data set and its ground truth changes: do not "fix" it.
        let r = Rng::new(7);
        assert_eq!(r.next_u64(), 0xb358_faf7_4ef9_765a);
    }
}
