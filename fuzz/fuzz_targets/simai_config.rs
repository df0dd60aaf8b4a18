//! The SimAI SDK's config file (`vendor::parse_simai_config`), read by `simcred import`.
//!
//! Invariants: no panic; every found entry is a SimAI offline token, non-empty and trimmed,
//! from this path, with only the SDK's own settings beside it; an entry whose name or value
//! SimCred cannot use carries a problem note; an error names the path and a line inside the
//! file and holds no control or bidi character.
#![no_main]

use libfuzzer_sys::fuzz_target;
use simcred_core::profile::validate_name;
use simcred_core::providers::simai::FIELDS;
use simcred_core::text::is_unsafe;
use simcred_core::vendor::parse_simai_config;
use std::path::Path;

fn clean(s: &str) -> bool {
    !s.chars().any(|c| c.is_control() || is_unsafe(c))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("/home/u/.config/ansys_simai.conf");
    match parse_simai_config(path, text) {
        Ok(found) => {
            for f in &found {
                assert_eq!(f.service.as_str(), "simai");
                assert_eq!(f.source.path(), Some(path));
                let v = f.secret.expose();
                assert!(!v.is_empty() && v == v.trim());
                if v.chars().any(char::is_control) || validate_name("profile", &f.name).is_err() {
                    assert!(f.problem.is_some(), "{:?} imported without a note", f.name);
                }
                if let Some(p) = &f.problem {
                    assert!(clean(p), "{p:?}");
                }
                for (k, _) in &f.settings {
                    assert!(FIELDS.contains(&k.as_str()), "setting {k}");
                }
            }
        }
        Err(e) => {
            let msg = e.to_string();
            let prefix = format!("{}:", path.display());
            assert!(msg.starts_with(&prefix), "{msg}");
            let line: usize = msg[prefix.len()..]
                .split(':')
                .next()
                .and_then(|l| l.parse().ok())
                .unwrap_or_else(|| panic!("no line number: {msg}"));
            assert!(
                line >= 1 && line <= text.split('\n').count(),
                "line {line}: {msg}"
            );
            assert!(clean(&msg), "{msg:?}");
        }
    }
});
