//! `simcred api`: SimCred for programs (the Python package in `python/`). One JSON request on
//! standard input, one JSON reply on standard output — so no secret is ever in a process's
//! arguments or environment:
//!
//! ```text
//! {"op": "key", "profile": "p" | null, "name": "k" | null, "service": "modelon" | null}
//! {"op": "token", "profile": …, "service": …, "refresh": false}
//! {"op": "offline_token", "profile": …, "service": …} a sign-in profile's offline token
//! {"op": "profile", "profile": …, "service": …}     the profile's service and settings
//! {"op": "profiles"}                                every profile (no secrets)
//! {"op": "status"}                                  what `simcred status --json` says
//! ```
//!
//! With `profile` null, the project file's profile is used (`.simcred.toml`, see
//! `simcred_core::project`). The reply is `{"ok": true, "value": …}`, or `{"ok": false,
//! "code": "<the core's error code>", "message": "<a sentence>"}` with exit code 1.

use crate::cmd::project::{has_keys, profile_or_project, signs_in};
use anyhow::{anyhow, Result};
use clap::Args;
use serde::Deserialize;
use serde_json::{json, Value};
use simcred_core::{Service, Simcred};
use std::io::{Read, Write};

#[derive(Args)]
pub struct ApiArgs {}

/// The largest request read (a request holds names, never secrets).
const MAX_REQUEST: u64 = 64 * 1024;

/// One request, by its `op`.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
enum Request {
    Key {
        #[serde(default)]
        profile: Option<String>,
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        service: Option<String>,
    },
    Token {
        #[serde(default)]
        profile: Option<String>,
        #[serde(default)]
        service: Option<String>,
        #[serde(default)]
        refresh: bool,
    },
    OfflineToken {
        #[serde(default)]
        profile: Option<String>,
        #[serde(default)]
        service: Option<String>,
    },
    Profile {
        #[serde(default)]
        profile: Option<String>,
        #[serde(default)]
        service: Option<String>,
    },
    Profiles,
    Status,
}

/// A service named in a request.
fn service(s: Option<&str>) -> Result<Option<Service>> {
    s.map(|s| {
        s.parse::<Service>().map_err(|_| {
            simcred_core::Error::Invalid(format!(
                "\"{}\" is not a service; known services: {}",
                simcred_core::text::safe(s),
                crate::registry::service_ids()
            ))
            .into()
        })
    })
    .transpose()
}

/// Carries out one request.
fn answer(sc: &Simcred, r: Request) -> Result<Value> {
    Ok(match r {
        Request::Key {
            profile,
            name,
            service: s,
        } => {
            let p = profile_or_project(sc, profile.as_deref(), service(s.as_deref())?, has_keys)?;
            let (meta, secret) = sc.get_key(&p, name.as_deref())?;
            json!({"profile": p, "name": meta.name, "value": secret.expose()})
        }
        Request::Token {
            profile,
            service: s,
            refresh,
        } => {
            let p = profile_or_project(sc, profile.as_deref(), service(s.as_deref())?, signs_in)?;
            let t = sc.access_token(&p, refresh)?;
            json!({"profile": p, "access_token": t.token.expose(), "expires_at": t.expires})
        }
        Request::OfflineToken {
            profile,
            service: s,
        } => {
            let p = profile_or_project(sc, profile.as_deref(), service(s.as_deref())?, signs_in)?;
            let t = sc.offline_token(&p)?;
            json!({"profile": p, "offline_token": t.expose()})
        }
        Request::Profile {
            profile,
            service: s,
        } => {
            let p = profile_or_project(sc, profile.as_deref(), service(s.as_deref())?, |_| true)?;
            serde_json::to_value(sc.profile(&p)?)?
        }
        Request::Profiles => serde_json::to_value(sc.list_profiles()?)?,
        Request::Status => serde_json::to_value(sc.status()?)?,
    })
}

/// Parses a request.
fn parse(text: &str) -> Result<Request> {
    serde_json::from_str(text).map_err(|e| {
        anyhow!(simcred_core::Error::Invalid(format!(
            "not a SimCred request ({}): send one JSON object with \"op\": key, token, offline_token, profile, profiles or status",
            simcred_core::text::safe(&e.to_string())
        )))
    })
}

/// Runs `simcred api`.
pub fn run(_: ApiArgs) -> Result<i32> {
    let mut text = String::new();
    let reply = std::io::stdin()
        .take(MAX_REQUEST)
        .read_to_string(&mut text)
        .map_err(|e| {
            anyhow!(simcred_core::Error::Invalid(format!(
                "cannot read the request: {e}"
            )))
        })
        .and_then(|_| parse(&text))
        .and_then(|r| answer(&crate::ioutil::open()?, r));
    let (v, code) = match reply {
        Ok(value) => (json!({"ok": true, "value": value}), 0),
        Err(e) => {
            let core = e
                .chain()
                .find_map(|c| c.downcast_ref::<simcred_core::Error>());
            let mut message = e.to_string();
            for cause in e.chain().skip(1) {
                message.push_str(&format!(": {cause}"));
            }
            let code = core.map_or("invalid", |c| c.code());
            (json!({"ok": false, "code": code, "message": message}), 1)
        }
    };
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, &v)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_parse_by_op_and_refuse_what_they_do_not_know() {
        assert_eq!(
            parse(r#"{"op":"key","profile":"p","name":null}"#).unwrap(),
            Request::Key {
                profile: Some("p".into()),
                name: None,
                service: None
            }
        );
        assert_eq!(parse(r#"{"op":"status"}"#).unwrap(), Request::Status);
        assert_eq!(
            parse(r#"{"op":"token"}"#).unwrap(),
            Request::Token {
                profile: None,
                service: None,
                refresh: false
            }
        );
        for bad in [
            "",
            "{}",
            r#"{"op":"delete"}"#,
            r#"{"op":"key","secret":"x"}"#,
            "[1]",
            "{\"op\":\"key\",\"profile\":\"\u{1b}[31m\"",
        ] {
            let e = parse(bad).unwrap_err();
            let c = e.downcast_ref::<simcred_core::Error>().unwrap();
            assert_eq!(c.code(), "invalid", "{bad:?}");
            assert!(!e.to_string().contains('\u{1b}'), "{e}");
        }
    }
}
