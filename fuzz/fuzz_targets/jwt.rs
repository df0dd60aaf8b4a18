//! JWT payload decoding (`jwt_claims`, used for `azp` and `exp` of stored tokens; no signature
//! check, so the input is whatever a server or a config file handed over).
//!
//! Two modes from the first byte: the input as a token string, or the rest of the input as a
//! payload that is base64url-encoded into `header.PAYLOAD.sig`. Invariants: no panic; a decoded
//! payload is a JSON value equal to what `serde_json` reads from the payload bytes; a token
//! without a second segment never decodes; re-encoding decoded claims decodes to the same value.
#![no_main]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use libfuzzer_sys::fuzz_target;
use simcred_core::providers::oauth::jwt_claims;

/// Whether `v` holds a float (serde_json's float printing does not round-trip every last bit).
fn has_float(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Number(n) => n.is_f64(),
        serde_json::Value::Array(a) => a.iter().any(has_float),
        serde_json::Value::Object(o) => o.values().any(has_float),
        _ => false,
    }
}

fn roundtrip(v: &serde_json::Value) {
    let token = format!(
        "eyJhbGciOiJSUzI1NiJ9.{}.c2ln",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
    );
    let back = jwt_claims(&token).expect("re-encoded claims decode");
    if !has_float(v) {
        assert_eq!(&back, v);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        let Ok(token) = std::str::from_utf8(rest) else {
            return;
        };
        let claims = jwt_claims(token);
        if token.split('.').nth(1).is_none() {
            assert!(claims.is_none());
        }
        if let Some(v) = claims {
            roundtrip(&v);
        }
    } else {
        let padded = mode & 2 != 0;
        let mut payload = URL_SAFE_NO_PAD.encode(rest);
        if padded {
            while payload.len() % 4 != 0 {
                payload.push('=');
            }
        }
        let token = format!("eyJhbGciOiJub25lIn0.{payload}.");
        let want: Option<serde_json::Value> = serde_json::from_slice(rest).ok();
        let got = jwt_claims(&token);
        assert_eq!(got, want);
        if let Some(v) = got {
            roundtrip(&v);
        }
    }
});
