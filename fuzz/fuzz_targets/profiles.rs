//! `profiles.toml` parsing (`config::parse_profiles`), the file a person edits by hand.
//!
//! Invariants: no panic; every profile, key and token name passes `validate_name`; names are
//! unique and sorted; settings and key metadata hold no control or bidi character; a default
//! key is marked on at most one key, and only on the key `default_key` names; an error names
//! `profiles.toml:LINE:` with LINE inside the file, and its text holds no control or bidi
//! character (it is printed on a terminal).
#![no_main]

use libfuzzer_sys::fuzz_target;
use simcred_core::config::parse_profiles;
use simcred_core::profile::validate_name;
use simcred_core::text::is_unsafe;

fn clean(s: &str) -> bool {
    !s.chars().any(|c| c.is_control() || is_unsafe(c))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse_profiles(text) {
        Ok(profiles) => {
            for w in profiles.windows(2) {
                assert!(w[0].name < w[1].name, "names not unique and sorted");
            }
            for p in &profiles {
                validate_name("profile", &p.name).unwrap();
                for (k, v) in &p.settings {
                    assert!(clean(v), "setting {k} = {v:?}");
                    assert!(!matches!(
                        k.as_str(),
                        "service" | "keys" | "tokens" | "default_key"
                    ));
                }
                if let Some(d) = &p.default_key {
                    validate_name("key", d).unwrap();
                }
                assert!(p.keys.iter().filter(|k| k.default).count() <= 1);
                for k in p.keys.iter().chain(&p.tokens) {
                    validate_name("key", &k.name).unwrap();
                    for f in [&k.created, &k.last4]
                        .into_iter()
                        .chain(k.checked.as_ref())
                        .chain(k.detail.as_ref())
                        .chain(k.expires.as_ref())
                        .chain(&k.exported)
                    {
                        assert!(clean(f), "key {} has {f:?}", k.name);
                    }
                    if k.default {
                        assert_eq!(p.default_key.as_deref(), Some(k.name.as_str()));
                    }
                }
            }
        }
        Err(e) => {
            let msg = e.to_string();
            assert!(msg.starts_with("profiles.toml:"), "{msg}");
            let line: usize = msg["profiles.toml:".len()..]
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
