//! Making outside text safe to show: strings that came from a server or a file pass through
//! [`safe`] before they are printed, stored in `profiles.toml` or shown in the app, and known
//! secret values are cut out of them with [`redact`].
//!
//! A terminal obeys escape sequences (clear the screen, set the title, write the clipboard with
//! OSC 52), and bidirectional overrides make text read differently from what it is. [`safe`]
//! turns every control or formatting character into a visible escape such as `\u{1b}`, so the
//! text keeps its information but has no power over the screen.

use crate::secret::Secret;

/// What a redacted secret is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Whether `c` must not reach a terminal as it is: C0 and C1 controls, DEL, and the Unicode
/// format characters that reorder or hide text (bidi embeddings, overrides and isolates,
/// zero-width joiners and marks, the BOM).
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200b}'..='\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2060}'..='\u{2069}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
        )
}

/// `s` with every unsafe character written as a visible escape (`\u{1b}`); newlines and tabs
/// too, so a server cannot forge extra lines of output. Text without such characters is
/// returned unchanged.
pub fn safe(s: &str) -> String {
    if !s.chars().any(is_unsafe) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// [`safe`], then at most `max` characters (with `…` when cut), for one-line messages.
pub fn safe_short(s: &str, max: usize) -> String {
    let line = s
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let cut: String = line.chars().take(max).collect();
    let more = line.chars().count() > max;
    let mut out = safe(&cut);
    if more {
        out.push('…');
    }
    out
}

/// `text` with every occurrence of each secret replaced by [`REDACTED`]. Secrets shorter than
/// four characters are not searched for (they would match ordinary words).
pub fn redact(text: &str, secrets: &[&Secret]) -> String {
    let mut out = text.to_string();
    for s in secrets {
        let v = s.expose();
        if v.chars().count() >= 4 && out.contains(v) {
            out = out.replace(v, REDACTED);
        }
    }
    out
}

/// Server text made fit for a message: secrets cut out first (so an escape cannot split one),
/// then made safe and shortened to one line of at most 200 characters.
pub fn from_server(text: &str, secrets: &[&Secret]) -> String {
    safe_short(&redact(text, secrets), 200)
}

/// The 1-based line of a byte offset in `text` (offsets past its end count as its last line), for
/// messages that name the line of a file: `profiles.toml`, a vendor's file, a project file.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_made_visible() {
        let hostile = "\u{1b}[2J\u{1b}]52;c;ZXZpbA==\u{7}eve\u{9b}\u{202e}x\ny";
        let s = safe(hostile);
        assert!(!s.chars().any(is_unsafe), "{s}");
        assert!(s.contains("\\u{1b}[2J"), "{s}");
        assert!(s.contains("eve"), "{s}");
        assert_eq!(
            safe("user demo, license Pro – ok"),
            "user demo, license Pro – ok"
        );
    }

    #[test]
    fn redaction_happens_before_escaping() {
        let key = Secret::new("ak-0123456789");
        let msg = from_server("the key ak-0123456789 is not valid\u{1b}[0m", &[&key]);
        assert_eq!(msg, "the key [redacted] is not valid\\u{1b}[0m");
        assert_eq!(redact("abc", &[&Secret::new("ab")]), "abc");
    }

    #[test]
    fn short_takes_the_first_line() {
        assert_eq!(safe_short("\n  first \nsecond", 3), "fir…");
    }
}
