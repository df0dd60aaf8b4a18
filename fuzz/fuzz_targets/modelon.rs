//! Modelon Impact replies: `GET api/users/me` (`modelon::parse_me_reply`) and a JupyterHub
//! front's `GET hub/api/user` (`modelon::parse_hub_server`), which says where the key goes.
//!
//! Invariants: no panic; a hub server URL stays on the base URL's origin (scheme, host, port)
//! and is https (or http on loopback) — the key is sent there next; no outcome text holds a
//! control or bidi character; the key never appears in a `users/me` outcome (servers echo it).
#![no_main]

mod common;

use common::{assert_clean, reply};
use libfuzzer_sys::fuzz_target;
use simcred_core::providers::modelon::{parse_hub_server, parse_me_reply};
use simcred_core::providers::CheckOutcome;
use simcred_core::Secret;
use url::Url;

const BASES: [&str; 4] = [
    "https://impact.modelon.cloud/",
    "http://127.0.0.1:8765/",
    "https://hub.example.com:8443/prefix/",
    "https://xn--bcher-kva.example/",
];
const KEY: &str = "mi-0123456789abcdef0123456789abcdef";

fn text(o: &CheckOutcome) -> &str {
    match o {
        CheckOutcome::Valid { detail, .. } => detail,
        CheckOutcome::Invalid { reason }
        | CheckOutcome::Restricted { reason }
        | CheckOutcome::Unreachable { reason }
        | CheckOutcome::NotCheckable { reason } => reason,
    }
}

fn check(o: &CheckOutcome, key_checked: bool) {
    let t = text(o);
    assert_clean("outcome", t);
    if key_checked {
        assert!(!t.contains(KEY), "the key leaks into {t:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let Some(reply) = reply(rest) else { return };
    let base = Url::parse(BASES[usize::from(sel >> 1) % BASES.len()]).unwrap();
    let key = Secret::new(KEY);
    if sel & 1 == 0 {
        let me = base.join("api/users/me").unwrap();
        let o = parse_me_reply(&reply, &me, &base, &key);
        if matches!(o, CheckOutcome::Valid { .. }) {
            assert_eq!(reply.status, 200);
        }
        check(&o, true);
    } else {
        match parse_hub_server(&reply, &base, &Secret::new(KEY)) {
            Ok(u) => {
                assert_eq!(u.scheme(), base.scheme(), "{u}");
                assert_eq!(u.host_str(), base.host_str(), "{u}");
                assert_eq!(
                    u.port_or_known_default(),
                    base.port_or_known_default(),
                    "{u}"
                );
                assert!(u.username().is_empty() && u.password().is_none(), "{u}");
                assert!(u.as_str().ends_with("/impact/"), "{u}");
            }
            // A `server` path that echoes the key must not carry it into the message.
            Err(o) => check(&o, true),
        }
    }
});
