//! A browser sign-in without a browser: a minimal OpenID provider on loopback (discovery, JWKS,
//! an authorization endpoint that signs "ann" in at once and redirects back with a code, a
//! token endpoint that returns an RS256 ID token with the nonce it was given), and a stand-in
//! `xdg-open` that runs a script on the page's URL.

use crate::jwt::{unix_now, Issuer};
use crate::{commands_on_path, secret};

/// A minimal OpenID provider on loopback for the vault's `auth/oidc`: discovery, JWKS, an
/// authorization endpoint that signs "ann" in at once (redirecting back with a code), and a
/// token endpoint that returns an RS256 ID token with the nonce it was given.
pub struct Provider {
    pub url: String,
}

impl Provider {
    pub fn start(issuer: Issuer) -> Provider {
        use std::io::{BufRead, BufReader, Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let base = url.clone();
        std::thread::spawn(move || {
            let mut nonces: std::collections::HashMap<String, String> = Default::default();
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { continue };
                let mut r = BufReader::new(conn.try_clone().unwrap());
                let mut line = String::new();
                if r.read_line(&mut line).is_err() {
                    continue;
                }
                let mut len = 0;
                loop {
                    let mut h = String::new();
                    if r.read_line(&mut h).is_err() || h.trim().is_empty() {
                        break;
                    }
                    if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                        len = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; len];
                let _ = r.read_exact(&mut body);
                let target = line.split(' ').nth(1).unwrap_or("/").to_string();
                let u = url::Url::parse(&format!("{base}{target}")).unwrap();
                let q: std::collections::HashMap<String, String> =
                    u.query_pairs().into_owned().collect();
                let form: std::collections::HashMap<String, String> =
                    url::form_urlencoded::parse(&body).into_owned().collect();
                let (status, extra, reply) = match u.path() {
                    "/.well-known/openid-configuration" => (200, String::new(), serde_json::json!({
                        "issuer": base, "authorization_endpoint": format!("{base}/auth"),
                        "token_endpoint": format!("{base}/token"), "jwks_uri": format!("{base}/jwks"),
                        "response_types_supported": ["code"], "subject_types_supported": ["public"],
                        "id_token_signing_alg_values_supported": ["RS256"],
                    }).to_string()),
                    "/jwks" => (200, String::new(), serde_json::json!({"keys": [issuer.jwk()]}).to_string()),
                    "/auth" => {
                        let code = secret("code-");
                        nonces.insert(code.clone(), q.get("nonce").cloned().unwrap_or_default());
                        let mut back = url::Url::parse(&q["redirect_uri"]).unwrap();
                        back.query_pairs_mut().append_pair("code", &code).append_pair("state", &q["state"]);
                        (302, format!("location: {back}\r\n"), String::new())
                    }
                    "/token" => {
                        let nonce = nonces.remove(form.get("code").map(String::as_str).unwrap_or("")).unwrap_or_default();
                        let now = unix_now();
                        let aud = form.get("client_id").cloned().unwrap_or_else(|| "simcred".into());
                        let id = issuer.sign(&serde_json::json!({
                            "iss": base, "sub": "ann", "aud": aud, "iat": now, "exp": now + 300, "nonce": nonce,
                        }));
                        (200, String::new(), serde_json::json!({
                            "access_token": secret("at-"), "token_type": "Bearer", "expires_in": 300, "id_token": id,
                        }).to_string())
                    }
                    _ => (404, String::new(), String::new()),
                };
                let _ = write!(
                    conn,
                    "HTTP/1.1 {status} X\r\n{extra}content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
                    reply.len()
                );
            }
        });
        Provider { url }
    }
}

/// The "browser": a directory with an `xdg-open` running `script` (the page's URL is `$1`),
/// and the PATH that finds it first.
pub fn browser(script: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = commands_on_path(dir.path(), &["xdg-open"], &format!("#!/bin/sh\n{script}\n"));
    (dir, path)
}

/// A browser that follows the sign-in page's redirects back to SimCred.
pub const FOLLOWS: &str = "curl -s -L -o /dev/null \"$1\" &";
