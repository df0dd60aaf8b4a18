//! A secret value (API key, token, password) that never prints itself.
//!
//! `Secret` has no `Display`, prints `<redacted>` through `Debug`, does not implement
//! `serde::Serialize`, and wipes its memory on drop. Read it with [`Secret::expose`] only at the
//! point where it leaves the process on purpose (an HTTP header, the keyring, stdout on request).

use zeroize::Zeroize;

/// A secret string. See the module documentation.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value as it is (no trimming).
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// Wraps a value pasted or piped by a person: surrounding whitespace and newlines are trimmed.
    /// Returns `None` when nothing is left.
    pub fn from_user_input(value: &str) -> Option<Self> {
        let t = value.trim();
        if t.is_empty() {
            None
        } else {
            Some(Secret(t.to_string()))
        }
    }

    /// The secret itself. Call only where it must leave the process.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Why this value cannot be one key, or `None` when it can: the check a key typed by the
    /// user passes (`key add`), applied as well to every value read back from a store.
    pub fn defect(&self) -> Option<&'static str> {
        value_defect(&self.0)
    }

    /// The last four characters, for display next to a masked value.
    pub fn last4(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        if chars.len() <= 8 {
            // Too short to reveal any part of it safely.
            return String::new();
        }
        chars[chars.len() - 4..].iter().collect()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// Why `value` cannot be one key: empty, white space around it (a typed key is trimmed), or a
/// line break, NUL, escape or other control character inside it. `None` when it can.
pub fn value_defect(value: &str) -> Option<&'static str> {
    if value.chars().any(char::is_control) {
        Some("has a line break, NUL, escape or other control character inside it")
    } else if value.is_empty() {
        Some("is empty")
    } else if value.trim() != value {
        Some("has white space around it")
    } else {
        None
    }
}

/// Masks a secret for display from its stored last four characters: `••••••••c50c`.
pub fn masked(last4: &str) -> String {
    format!("••••••••{last4}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new("ak-supersecret-1234");
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert!(!format!("{:?}", Some(&s)).contains("supersecret"));
    }

    #[test]
    fn user_input_is_trimmed_and_empty_refused() {
        assert_eq!(
            Secret::from_user_input("  ak-abc\r\n").unwrap().expose(),
            "ak-abc"
        );
        assert!(Secret::from_user_input(" \n\t").is_none());
    }

    #[test]
    fn values_are_checked_like_typed_keys() {
        assert_eq!(Secret::new("ak-abc").defect(), None);
        for bad in [
            "ak\nx",
            "ak\u{1b}]52;c;x\u{7}",
            "ak\u{9b}2J",
            "",
            " ak",
            "ak\0",
        ] {
            assert!(Secret::new(bad).defect().is_some(), "{bad:?}");
        }
    }

    #[test]
    fn last4_hides_short_secrets() {
        assert_eq!(Secret::new("ak-0123456789").last4(), "6789");
        assert_eq!(Secret::new("short").last4(), "");
    }
}
