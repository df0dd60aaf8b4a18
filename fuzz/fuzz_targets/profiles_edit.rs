//! `profiles.toml` read-modify-write: the input is written as the file, then
//! `ConfigStore::update` applies every `ProfilesDoc` edit to every parsed profile.
//!
//! Invariants: no panic; a file that does not parse is left byte for byte as it was; after a
//! successful update the file parses again with the same profile names (minus the removed one,
//! plus the inserted one) and the edits read back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use simcred_core::config::{ConfigError, ConfigStore};
use simcred_core::{KeyMeta, KeyStatus, Service};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::OnceLock;

/// One scratch directory per fuzzing process (creating one per input is slow).
fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("simcred-fuzz-profiles-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    })
}

/// Values with quotes, backslashes, non-ASCII and TOML syntax in them (but no control
/// characters: the parser refuses those in settings, so callers never write them).
const TRICKY: &str = "x\" = 1 [profiles.evil] service = 'dlubal' # ''' \"\"\" \\u0041 \\ é 日本 🦀";

fn meta(name: &str) -> KeyMeta {
    KeyMeta {
        name: name.to_string(),
        created: "2026-01-01T00:00:00Z".into(),
        last4: "c50c".into(),
        status: KeyStatus::Valid,
        checked: Some("2026-01-02T00:00:00Z".into()),
        detail: Some(TRICKY.into()),
        expires: None,
        exported: vec!["/tmp/a b/config.ini".into(), TRICKY.into()],
        default: false,
        ..Default::default()
    }
}

fuzz_target!(|data: &[u8]| {
    let store = ConfigStore::at(dir());
    let path = store.profiles_path();
    std::fs::write(&path, data).unwrap();

    let res = store.update(|doc| -> Result<BTreeSet<String>, ConfigError> {
        let names: Vec<String> = doc.profiles().iter().map(|p| p.name.clone()).collect();
        let mut expected: BTreeSet<String> = names.iter().cloned().collect();
        for (i, name) in names.iter().enumerate() {
            doc.set_setting(name, "url", Some(TRICKY));
            doc.set_setting(name, "interactive", Some("false"));
            doc.set_setting(name, "organization", None);
            doc.put_key(name, &meta("fuzz-key"));
            doc.put_key(name, &meta("second.key@x"));
            doc.put_token(name, &meta("offline"));
            doc.set_default_key(name, Some("fuzz-key"));
            doc.remove_key(name, "second.key@x");
            doc.remove_token(name, "session");
            if i % 3 == 1 {
                doc.set_default_key(name, None);
            }
        }
        if let Some(first) = names.first() {
            doc.remove_profile(first);
            expected.remove(first);
        }
        doc.insert_profile("fuzz-new", "dlubal".parse::<Service>().unwrap());
        doc.put_key("fuzz-new", &meta("k"));
        expected.insert("fuzz-new".into());
        Ok(expected)
    });

    match res {
        Ok(expected) => {
            let text = std::fs::read_to_string(&path).unwrap();
            let profiles = store.read().unwrap_or_else(|e| {
                panic!("the edited file does not parse again: {e}\n--- file ---\n{text}")
            });
            let got: BTreeSet<String> = profiles.iter().map(|p| p.name.clone()).collect();
            assert_eq!(got, expected, "profile names changed\n--- file ---\n{text}");
            for p in &profiles {
                let k = p.key("fuzz-key").or_else(|| p.key("k")).unwrap_or_else(|| {
                    panic!("profile {} lost its key\n--- file ---\n{text}", p.name)
                });
                assert_eq!(k.detail.as_deref(), Some(TRICKY));
                assert_eq!(k.exported, meta("").exported);
                assert_eq!(k.status, KeyStatus::Valid);
                if p.name != "fuzz-new" {
                    assert_eq!(p.setting("url"), Some(TRICKY), "\n--- file ---\n{text}");
                    assert_eq!(p.setting("interactive"), Some("false"));
                    assert!(p.key("second.key@x").is_none());
                    assert!(p.token("offline").is_some());
                }
            }
        }
        Err(e) => {
            // A file SimCred cannot read is never written.
            assert_eq!(
                std::fs::read(&path).unwrap(),
                data,
                "a failed update changed the file: {e}"
            );
            let msg = e.to_string();
            assert!(msg.contains("profiles.toml"), "{msg}");
        }
    }
});
