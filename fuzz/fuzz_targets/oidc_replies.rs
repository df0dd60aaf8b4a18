//! Token and device-authorization replies of an OIDC provider (`oauth::parse_token_reply`,
//! `oauth::parse_device_reply`): what Keycloak, or anything posing as it, answers.
//!
//! Invariants: no panic; device `interval` in 1..=60 s and `expires_in` in 1..=1800 s whatever
//! the server says; `user_code` terminal-safe; token `expires_in` at most ten years; tokens are
//! non-empty visible ASCII (they go into headers and the keyring); `scope` terminal-safe;
//! every error message is terminal-safe (no control or bidi character) and one line.
#![no_main]

mod common;

use common::{assert_clean, reply};
use libfuzzer_sys::fuzz_target;
use simcred_core::providers::oauth::{parse_device_reply, parse_token_reply};
use url::Url;

const CLIENTS: [&str; 3] = [
    "com.ansys.simai.sdk",
    "sdk",
    "evil\u{1b}]0;pwned\u{7}\u{202e}",
];

fn token_ok(t: &str) -> bool {
    !t.is_empty() && t.bytes().all(|b| b.is_ascii_graphic())
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let Some(reply) = reply(rest) else { return };
    let client_id = CLIENTS[usize::from(sel >> 1) % CLIENTS.len()];
    if sel & 1 == 0 {
        let url = Url::parse(
            "https://api.simai.ansys.com/auth/realms/simai/protocol/openid-connect/token",
        )
        .unwrap();
        match parse_token_reply(&reply, &url, client_id) {
            Ok(t) => {
                assert_eq!(reply.status, 200);
                assert!(token_ok(t.access.expose()));
                if let Some(r) = &t.refresh {
                    assert!(token_ok(r.expose()));
                }
                if let Some(e) = t.expires_in {
                    assert!(e <= 10 * 365 * 24 * 3600, "expires_in {e}");
                }
                if let Some(s) = &t.scope {
                    assert_clean("scope", s);
                }
            }
            Err(e) => assert_clean("token error", &e.to_string()),
        }
    } else {
        let url = Url::parse(
            "https://bücher.example:8443/realms/simai/protocol/openid-connect/auth/device",
        )
        .unwrap();
        match parse_device_reply(&reply, &url, client_id) {
            Ok(d) => {
                assert_eq!(reply.status, 200);
                assert!((1..=60).contains(&d.interval), "interval {}", d.interval);
                assert!(
                    (1..=1800).contains(&d.expires_in),
                    "expires_in {}",
                    d.expires_in
                );
                assert!(!d.device_code.expose().is_empty());
                assert_clean("user_code", &d.user_code);
            }
            Err(e) => assert_clean("device error", &e.to_string()),
        }
    }
});
