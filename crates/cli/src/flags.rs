//! Parsers of flag values that say what the user wrote and what is expected, in their terms
//! (clap's own range check would show the limits of the integer type instead).

/// A size like `512M`, `2G` or `1.5G` (K, M, G, T: powers of 1024) in bytes.
pub fn memory_size(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let bad = || format!("`{text}` is not a size; write it like 512M or 2G");
    let (number, unit) = text.split_at(
        text.find(|c: char| c.is_ascii_alphabetic())
            .unwrap_or(text.len()),
    );
    let factor: f64 = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 1.0,
        "K" | "KB" => 1024.0,
        "M" | "MB" => 1024.0 * 1024.0,
        "G" | "GB" => 1024.0 * 1024.0 * 1024.0,
        "T" | "TB" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return Err(bad()),
    };
    let number: f64 = number.trim().parse().map_err(|_| bad())?;
    if number.is_nan() || number <= 0.0 || !(number * factor).is_finite() {
        return Err(bad());
    }
    Ok((number * factor) as usize)
}

/// A whole number of 1 or more, such as a count of replicates, weeks or days.
pub fn at_least_one(text: &str) -> Result<u32, String> {
    match text.trim().parse::<u32>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("`{text}` is not a whole number of 1 or more")),
    }
}

/// A count of calls: a whole number of 1 or more.
pub fn calls(text: &str) -> Result<u64, String> {
    match text.trim().replace('_', "").parse::<u64>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!(
            "`{text}` is not a whole number of calls, 1 or more"
        )),
    }
}

/// A factor above zero, such as 0.8 (20% fewer) or 1.0 (no change).
pub fn factor(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(f) if f.is_finite() && f > 0.0 => Ok(f),
        _ => Err(format!(
            "`{text}` is not a factor above zero; write it like 0.8 (20% fewer) or 1.0 (no change)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_in_powers_of_1024_and_bad_ones_say_how_to_write_them() {
        assert_eq!(memory_size("512M"), Ok(512 << 20));
        assert_eq!(memory_size("1.5G"), Ok(3 << 29));
        assert_eq!(memory_size("256k"), Ok(256 << 10));
        for bad in ["0", "-1G", "2x", "", "G"] {
            assert_eq!(
                memory_size(bad),
                Err(format!("`{bad}` is not a size; write it like 512M or 2G"))
            );
        }
    }

    #[test]
    fn counts_and_factors_name_what_was_written() {
        assert_eq!(at_least_one("26"), Ok(26));
        assert_eq!(
            at_least_one("-1"),
            Err("`-1` is not a whole number of 1 or more".to_string())
        );
        assert_eq!(
            at_least_one("0"),
            Err("`0` is not a whole number of 1 or more".to_string())
        );
        assert_eq!(calls("100_000"), Ok(100_000));
        assert!(
            calls("abc")
                .unwrap_err()
                .starts_with("`abc` is not a whole number of calls")
        );
        assert_eq!(factor("0.8"), Ok(0.8));
        assert!(
            factor("0")
                .unwrap_err()
                .starts_with("`0` is not a factor above zero")
        );
        assert!(factor("NaN").is_err());
    }
}
