//! Numbers formatted for people: 8,500 not 8500.000.

/// A whole number with thousands separators: 25000 -> "25,000".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A signed whole number with thousands separators: -1500 -> "-1,500".
pub fn thousands_signed(n: i64) -> String {
    let sign = if n < 0 { "-" } else { "" };
    format!("{sign}{}", thousands(n.unsigned_abs()))
}

/// Dollars: "$12", "$7.50", "$0.0225" (small prices keep their significant digits).
pub fn dollars(usd: f64) -> String {
    if usd == usd.trunc() && usd.abs() < 1e15 {
        format!("${}", thousands(usd as u64))
    } else if usd >= 1.0 {
        format!("${usd:.2}")
    } else {
        let text = format!("{usd:.6}");
        format!("${}", text.trim_end_matches('0'))
    }
}

/// Dollars to the cent for tables: "$0.39", "$30.00", "$1,500"; "-" when undefined.
pub fn dollars_cents(x: f64) -> String {
    if !x.is_finite() {
        "-".into()
    } else if x.abs() >= 1_000.0 {
        dollars(x.round())
    } else {
        format!("${x:.2}")
    }
}

/// A share as a percentage: "4.2%", "-" when undefined.
pub fn percent(x: f64) -> String {
    if x.is_finite() { format!("{:.1}%", x * 100.0) } else { "-".into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(8500), "8,500");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn dollars_read_naturally() {
        assert_eq!(dollars(12.0), "$12");
        assert_eq!(dollars(7.5), "$7.50");
        assert_eq!(dollars(0.0225), "$0.0225");
        assert_eq!(dollars(1500.0), "$1,500");
        assert_eq!(dollars_cents(0.386), "$0.39");
        assert_eq!(dollars_cents(30.0), "$30.00");
        assert_eq!(dollars_cents(f64::NAN), "-");
    }
}
