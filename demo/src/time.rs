//! Formatting of unix nanoseconds as RFC 3339 without a date crate.

pub(crate) const NS_PER_MS: i64 = 1_000_000;
pub(crate) const NS_PER_SEC: i64 = 1_000_000_000;
pub(crate) const NS_PER_MIN: i64 = 60 * NS_PER_SEC;
pub(crate) const NS_PER_HOUR: i64 = 60 * NS_PER_MIN;

/// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn split(ns: i64) -> (i64, u32, u32, i64, i64, i64, i64) {
    let secs = ns.div_euclid(NS_PER_SEC);
    let frac = ns.rem_euclid(NS_PER_SEC);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    (y, m, d, sod / 3600, sod / 60 % 60, sod % 60, frac)
}

/// `2026-11-22T03:21:36Z` (whole seconds) or with nanoseconds when they are not zero.
pub fn rfc3339(ns: i64) -> String {
    let (y, mo, d, h, mi, s, frac) = split(ns);
    if frac == 0 {
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    } else {
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{frac:09}Z")
    }
}

/// `2026-11-22T03:21:36.123Z`: the millisecond form most loggers write.
pub(crate) fn rfc3339_millis(ns: i64, out: &mut String) {
    use std::fmt::Write;
    let (y, mo, d, h, mi, s, frac) = split(ns);
    let _ = write!(
        out,
        "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:03}Z",
        frac / NS_PER_MS
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_315_760 * NS_PER_SEC), "2026-11-22T02:49:20Z");
        let mut s = String::new();
        rfc3339_millis(1_795_315_760 * NS_PER_SEC + 123_456_789, &mut s);
        assert_eq!(s, "2026-11-22T02:49:20.123Z");
        assert_eq!(
            rfc3339(951_782_400 * NS_PER_SEC + 5),
            "2000-02-29T00:00:00.000000005Z"
        );
    }
}
