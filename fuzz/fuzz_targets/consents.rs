//! The SimAI API's consent list (`signin::parse_consents`, `GET users/offline-tokens`).
//!
//! Invariants: no panic; every consent has a non-empty client id; no returned string (client
//! id, dates, scopes) and no error message holds a control or bidi character; never more
//! consents than the reply's array has entries; `stored_here` is never set by the parser.
#![no_main]

mod common;

use common::{assert_clean, reply};
use libfuzzer_sys::fuzz_target;
use simcred_core::signin::parse_consents;
use url::Url;

fuzz_target!(|data: &[u8]| {
    let Some(reply) = reply(data) else { return };
    let url = Url::parse("https://api.simai.ansys.com/v2/users/offline-tokens").unwrap();
    match parse_consents(&reply, &url) {
        Ok(list) => {
            let n = serde_json::from_str::<serde_json::Value>(&reply.body)
                .ok()
                .and_then(|v| v.as_array().map(Vec::len))
                .expect("consents from something that is not a JSON array");
            assert!(list.len() <= n);
            for c in &list {
                assert!(!c.client_id.is_empty());
                assert!(!c.stored_here);
                assert_clean("client_id", &c.client_id);
                for s in c
                    .created_date
                    .iter()
                    .chain(&c.last_updated_date)
                    .chain(&c.granted_scopes)
                {
                    assert_clean("consent field", s);
                }
            }
        }
        Err(e) => assert_clean("consents error", &e.to_string()),
    }
});
