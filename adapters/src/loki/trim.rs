//! Cutting a streams answer to the line limit the way Loki would: keep the newest lines for
//! `backward`, the oldest for `forward`, across all streams.

use loqui_core::{Direction, LogStream};

/// Returns the kept streams, how many lines they hold, and whether any were cut.
pub(super) fn keep_newest(
    mut streams: Vec<LogStream>,
    limit: usize,
    direction: Direction,
) -> (Vec<LogStream>, usize, bool) {
    let total: usize = streams.iter().map(|s| s.lines.len()).sum();
    if total <= limit {
        return (streams, total, false);
    }
    let mut stamps: Vec<i64> = streams
        .iter()
        .flat_map(|s| s.lines.iter().map(|l| l.ts_ns))
        .collect();
    match direction {
        Direction::Backward => stamps.sort_unstable_by(|a, b| b.cmp(a)),
        Direction::Forward => stamps.sort_unstable(),
    }
    let cutoff = stamps[limit - 1];
    let mut keep_at_cutoff = stamps[..limit].iter().filter(|&&t| t == cutoff).count();
    let before_cutoff = |ts: i64| match direction {
        Direction::Backward => ts > cutoff,
        Direction::Forward => ts < cutoff,
    };
    for stream in &mut streams {
        stream.lines.retain(|line| {
            if before_cutoff(line.ts_ns) {
                true
            } else if line.ts_ns == cutoff && keep_at_cutoff > 0 {
                keep_at_cutoff -= 1;
                true
            } else {
                false
            }
        });
    }
    streams.retain(|s| !s.lines.is_empty());
    (streams, limit, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use loqui_core::LogLine;

    fn stream(stamps: &[i64]) -> LogStream {
        let lines = stamps
            .iter()
            .map(|&ts_ns| LogLine {
                ts_ns,
                line: ts_ns.to_string(),
                structured_metadata: Default::default(),
                parsed: Default::default(),
            })
            .collect();
        LogStream {
            labels: Default::default(),
            lines,
        }
    }

    #[test]
    fn backward_keeps_the_newest_lines_across_streams() {
        let (kept, n, cut) = keep_newest(
            vec![stream(&[9, 5]), stream(&[7, 1])],
            3,
            Direction::Backward,
        );
        assert_eq!((n, cut), (3, true));
        let stamps: Vec<_> = kept
            .iter()
            .flat_map(|s| s.lines.iter().map(|l| l.ts_ns))
            .collect();
        assert_eq!(stamps, vec![9, 5, 7]);
    }

    #[test]
    fn forward_keeps_the_oldest_and_ties_count_once() {
        let (kept, n, cut) = keep_newest(
            vec![stream(&[1, 2]), stream(&[2, 3])],
            2,
            Direction::Forward,
        );
        assert_eq!((n, cut), (2, true));
        let stamps: Vec<_> = kept
            .iter()
            .flat_map(|s| s.lines.iter().map(|l| l.ts_ns))
            .collect();
        assert_eq!(stamps, vec![1, 2]);
        assert_eq!(kept.len(), 1);
    }
}
