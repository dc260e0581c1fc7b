//! The explanation tree every subcommand prints: named lines with values and children, as
//! indented text (coloured on a terminal) or as JSON for machines.

use std::fmt::Write as _;

/// Longest byte string shown in full; longer ones show their first 32 bytes and their length.
pub const MAX_SHOWN_BYTES: usize = 64;

/// One line of an explanation and the lines under it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Node {
    /// What the line is about: a claim name, a field, a structure.
    pub name: String,
    /// Its value, possibly empty.
    pub value: String,
    /// Whether the line reports a failure (printed in red on a terminal).
    pub error: bool,
    /// The lines under it.
    pub children: Vec<Node>,
}

impl Node {
    /// A line with a value and no children.
    pub fn leaf(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
            error: false,
            children: Vec::new(),
        }
    }

    /// A line reporting a failure.
    pub fn failure(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            error: true,
            ..Self::leaf(name, value)
        }
    }

    /// Adds a child and returns `self`.
    #[must_use]
    pub fn with(mut self, child: Self) -> Self {
        self.children.push(child);
        self
    }

    /// Adds a child.
    pub fn push(&mut self, child: Self) {
        self.children.push(child);
    }

    /// Whether this line or any under it reports a failure.
    pub fn has_error(&self) -> bool {
        self.error || self.children.iter().any(Self::has_error)
    }

    /// The tree as indented text; `colour` adds ANSI colours (names bold, failures red).
    pub fn to_text(&self, colour: bool) -> String {
        let mut out = String::new();
        self.write_text(&mut out, 0, colour);
        out
    }

    fn write_text(&self, out: &mut String, depth: usize, colour: bool) {
        let indent = "  ".repeat(depth);
        let (name_on, value_on, off) = match (colour, self.error) {
            (false, _) => ("", "", ""),
            (true, false) => ("\x1b[1m", "", "\x1b[0m"),
            (true, true) => ("\x1b[1;31m", "\x1b[31m", "\x1b[0m"),
        };
        let _ = write!(out, "{indent}{name_on}{}{off}", self.name);
        if !self.value.is_empty() {
            let _ = write!(out, ": {value_on}{}{off}", self.value);
        }
        out.push('\n');
        for child in &self.children {
            child.write_text(out, depth + 1, colour);
        }
    }

    /// The tree as JSON: `{"name", "value"?, "error"?, "children"?}`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        map.insert("name".into(), self.name.clone().into());
        if !self.value.is_empty() {
            map.insert("value".into(), self.value.clone().into());
        }
        if self.error {
            map.insert("error".into(), true.into());
        }
        if !self.children.is_empty() {
            map.insert(
                "children".into(),
                self.children.iter().map(Self::to_json).collect(),
            );
        }
        serde_json::Value::Object(map)
    }
}

/// Hex of `bytes`, cut after 32 bytes when longer than [`MAX_SHOWN_BYTES`].
pub fn hex_short(bytes: &[u8]) -> String {
    if bytes.len() <= MAX_SHOWN_BYTES {
        hex::encode(bytes)
    } else {
        let head = bytes.get(..32).unwrap_or(bytes);
        format!("{}... ({} bytes)", hex::encode(head), bytes.len())
    }
}

/// A Unix time as `seconds (YYYY-MM-DDThh:mm:ssZ)`, proleptic Gregorian, UTC.
pub fn unix_time(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{secs} ({year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z)",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_time_matches_known_dates() {
        // Known answers: `date -u -d @0`, `@951782400` (a leap day), `@1800000000`.
        assert_eq!(unix_time(0), "0 (1970-01-01T00:00:00Z)");
        assert_eq!(unix_time(951_782_400), "951782400 (2000-02-29T00:00:00Z)");
        assert_eq!(
            unix_time(1_800_000_000),
            "1800000000 (2027-01-15T08:00:00Z)"
        );
        assert_eq!(unix_time(-1), "-1 (1969-12-31T23:59:59Z)");
    }

    #[test]
    fn long_bytes_are_cut_with_their_length() {
        assert_eq!(hex_short(&[0xab; 2]), "abab");
        let long = hex_short(&[0; 65]);
        assert!(long.ends_with("... (65 bytes)"));
    }
}
