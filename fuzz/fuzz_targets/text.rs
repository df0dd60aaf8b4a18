//! Terminal-safe rendering of outside text (`text::safe`, `safe_short`, `redact`).
//!
//! Invariants: `safe` output has no control or bidi/format character (`text::is_unsafe`, which
//! covers `char::is_control`) and equals the input when the input has none; `safe_short` output
//! is safe and one line; `redact` leaves no copy of a secret behind (for secrets of four or more
//! characters without brackets that are not part of the word "redacted" itself).
#![no_main]

use libfuzzer_sys::fuzz_target;
use simcred_core::text::{is_unsafe, redact, safe, safe_short, REDACTED};
use simcred_core::Secret;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let out = safe(&s);
    assert!(
        !out.chars().any(|c| c.is_control() || is_unsafe(c)),
        "{out:?}"
    );
    if !s.chars().any(is_unsafe) {
        assert_eq!(out, s);
    }

    let max = usize::from(data.first().copied().unwrap_or(0) % 64);
    let short = safe_short(&s, max);
    assert!(!short.chars().any(is_unsafe), "{short:?}");
    if !s.chars().any(is_unsafe) {
        assert!(
            short.chars().count() <= max + 1,
            "{short:?} longer than {max}"
        );
    }

    // "secret\0text": the secret must not survive redaction.
    if let Some((secret, text)) = s.split_once('\0') {
        let red = redact(text, &[&Secret::new(secret)]);
        if secret.chars().count() >= 4 && !secret.contains(['[', ']']) && !REDACTED.contains(secret)
        {
            assert!(!red.contains(secret), "{secret:?} survives in {red:?}");
        }
        if !text.contains(secret) {
            assert_eq!(red, text);
        }
    }
});
