//! Dlubal's `config.ini` (read with Python `ConfigParser` rules, edited line by line).
//!
//! The input is `KEY\nVALUE\n` followed by the file text (and the whole input is parsed as a
//! file as well). Invariants: no panic; an error names the path and a line inside the file;
//! `to_text` re-parses to the same `[api_keys]`; for a key name SimCred accepts (lower case,
//! passes `validate_name`) and a value passing `check_value` (trimmed, as SimCred stores keys),
//! `set` either refuses and leaves the file as it was, or its text re-parses, `get` returns the
//! value and every other `[api_keys]` entry reads as before; the same for `remove`, after
//! which `get` finds nothing; on a file without `[api_keys]` or `[DEFAULT]`, `set` succeeds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use simcred_core::profile::validate_name;
use simcred_core::providers::dlubal::{check_value, parse_ini, Ini, IniError};
use std::path::Path;

const PATH: &str = "/home/u/.config/Dlubal/api/config.ini";

/// `extra`: lines an edit may add past the end of `text` (an appended section).
fn check_err(e: &IniError, text: &str, extra: usize) {
    // Python reads the file with universal newlines: \r\n, \r and \n all end a line.
    let lines = text
        .replace("\r\n", "\n")
        .split(['\n', '\r'])
        .count()
        .max(1)
        + extra;
    assert!(
        e.line >= 1 && e.line <= lines,
        "line {} of {lines}: {e}",
        e.line
    );
    let msg = e.to_string();
    assert!(
        msg.starts_with(&format!("{}:{}:", e.path.display(), e.line)),
        "{msg}"
    );
    assert!(!msg.chars().any(char::is_control), "{msg:?}");
}

fn parse(text: &str) -> Option<Ini> {
    match parse_ini(Path::new(PATH), text) {
        Ok(i) => Some(i),
        Err(e) => {
            check_err(&e, text, 0);
            None
        }
    }
}

fn others(ini: &Ini, key: &str) -> Vec<(String, String)> {
    ini.entries()
        .into_iter()
        .filter(|(k, _)| k != key)
        .collect()
}

/// The `[api_keys]` entries other than `key` that `old_text` would show once it has an
/// `[api_keys]` section (a `set` on a file without one adds it, and `[DEFAULT]` entries then
/// show through, as in `ConfigParser`).
fn others_with_section(old_text: &str, key: &str) -> Vec<(String, String)> {
    let old = parse_ini(Path::new(PATH), old_text).unwrap();
    match parse_ini(Path::new(PATH), &format!("{old_text}\n[api_keys]\n")) {
        Ok(with) => others(&with, key),
        Err(_) => others(&old, key),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    parse(s);
    let mut parts = s.splitn(3, '\n');
    let (Some(key), Some(value), Some(text)) = (parts.next(), parts.next(), parts.next()) else {
        return;
    };
    let Some(mut ini) = parse(text) else { return };
    let before = ini.entries();
    // Re-rendering without edits reads the same.
    let again = parse_ini(Path::new(PATH), &ini.to_text()).expect("to_text re-parses");
    assert_eq!(again.entries(), before);

    let key_ok = validate_name("key", key).is_ok() && key == key.to_ascii_lowercase();
    let value_ok = check_value(value).is_ok() && value == value.trim();
    if !key_ok {
        return;
    }
    if value_ok {
        let plain = !text.to_ascii_lowercase().contains("[api_keys]")
            && !text.to_ascii_lowercase().contains("[default]");
        let old = ini.to_text();
        match ini.set(key, value) {
            Ok(()) => {
                let out = ini.to_text();
                let re = parse_ini(Path::new(PATH), &out)
                    .unwrap_or_else(|e| panic!("{e}\n--- file ---\n{out}"));
                assert_eq!(re.get(key), Some(value), "\n--- file ---\n{out}");
                assert_eq!(
                    others(&re, key),
                    others_with_section(&old, key),
                    "\n--- file ---\n{out}"
                );
                ini = re;
            }
            Err(e) => {
                assert!(
                    !plain,
                    "set refused on a file without [api_keys]: {e}\n--- file ---\n{old}"
                );
                check_err(&e, &old, 2);
                assert_eq!(ini.to_text(), old, "a refused set changed the file");
            }
        }
    }
    let old = ini.to_text();
    let had = ini.get(key).is_some();
    match ini.remove(key) {
        Ok(removed) => {
            let out = ini.to_text();
            let re = parse_ini(Path::new(PATH), &out)
                .unwrap_or_else(|e| panic!("{e}\n--- file ---\n{out}"));
            assert_eq!(re.get(key), None, "\n--- file ---\n{out}");
            assert!(removed || !had, "get found {key} but remove did not");
            if !removed {
                assert_eq!(out, old);
            }
            assert_eq!(
                others(&re, key),
                others(&parse_ini(Path::new(PATH), &old).unwrap(), key)
            );
        }
        Err(e) => {
            check_err(&e, &old, 2);
            assert_eq!(ini.to_text(), old, "a refused remove changed the file");
        }
    }
});
