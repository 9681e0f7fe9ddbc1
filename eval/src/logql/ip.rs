//! `ip("...")` in line and label filters: a single address, a CIDR block or a range `a-b`.

use std::net::IpAddr;

use super::EvalError;

#[derive(Debug, Clone)]
pub(crate) enum IpMatcher {
    Single(IpAddr),
    Cidr(IpAddr, u8),
    Range(IpAddr, IpAddr),
}

impl IpMatcher {
    pub fn parse(src: &str) -> Result<IpMatcher, EvalError> {
        let bad = || EvalError::BadQuery(format!("invalid ip pattern `{src}`"));
        let s = src.trim();
        if let Some((a, b)) = s.split_once('-') {
            let (a, b): (IpAddr, IpAddr) = (
                a.trim().parse().map_err(|_| bad())?,
                b.trim().parse().map_err(|_| bad())?,
            );
            if a.is_ipv4() != b.is_ipv4() {
                return Err(bad());
            }
            return Ok(IpMatcher::Range(a, b));
        }
        if let Some((a, bits)) = s.split_once('/') {
            let a: IpAddr = a.parse().map_err(|_| bad())?;
            let bits: u8 = bits.parse().map_err(|_| bad())?;
            let max = if a.is_ipv4() { 32 } else { 128 };
            if bits > max {
                return Err(bad());
            }
            return Ok(IpMatcher::Cidr(a, bits));
        }
        Ok(IpMatcher::Single(s.parse().map_err(|_| bad())?))
    }

    pub fn matches_addr(&self, ip: IpAddr) -> bool {
        match *self {
            IpMatcher::Single(a) => a == ip,
            IpMatcher::Range(a, b) => {
                a.is_ipv4() == ip.is_ipv4()
                    && to_u128(a) <= to_u128(ip)
                    && to_u128(ip) <= to_u128(b)
            }
            IpMatcher::Cidr(net, bits) => {
                if net.is_ipv4() != ip.is_ipv4() {
                    return false;
                }
                let width = if net.is_ipv4() { 32 } else { 128 };
                let shift = width - u32::from(bits);
                let mask = if shift >= 128 { 0 } else { u128::MAX << shift };
                to_u128(net) & mask == to_u128(ip) & mask
            }
        }
    }

    /// Whether a label value is an address that matches.
    pub fn matches_value(&self, value: &str) -> bool {
        value
            .trim()
            .parse::<IpAddr>()
            .is_ok_and(|ip| self.matches_addr(ip))
    }

    /// Whether any address-looking word of the line matches, as Loki's ip line filter scans.
    pub fn matches_line(&self, line: &str) -> bool {
        line.split(|c: char| !(c.is_ascii_hexdigit() || c == '.' || c == ':'))
            .filter(|w| w.len() >= 2)
            .any(|w| {
                w.parse::<IpAddr>().is_ok_and(|ip| self.matches_addr(ip))
                    || w.trim_end_matches([':', '.'])
                        .parse::<IpAddr>()
                        .is_ok_and(|ip| self.matches_addr(ip))
            })
    }
}

fn to_u128(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v) => u128::from(u32::from(v)),
        IpAddr::V6(v) => u128::from(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_range_single() {
        let m = IpMatcher::parse("10.0.0.0/8").unwrap();
        assert!(m.matches_line("client=10.2.3.4 ok"));
        assert!(!m.matches_line("client=11.2.3.4 ok"));
        let r = IpMatcher::parse("192.168.0.1-192.168.0.9").unwrap();
        assert!(r.matches_value("192.168.0.5"));
        assert!(!r.matches_value("192.168.0.10"));
        assert!(IpMatcher::parse("::1").unwrap().matches_line("from ::1:"));
        assert!(IpMatcher::parse("300.1.1.1").is_err());
    }
}
