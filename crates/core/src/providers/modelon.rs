//! Modelon Impact: one personal API key per server, sent as the `impact-api-key` header.
//!
//! A key is checked with `GET {url}/api/users/me`. A server behind a JupyterHub front (its
//! `GET {url}/hub/api/` answers with an `x-jupyterhub-version` header) serves the API under the
//! user's server path from `GET {url}/hub/api/user`, as the vendor's Python client does.
//! The vendor's client reads `MODELON_IMPACT_CLIENT_API_KEY`, then `~/.impact/api.key`.

use super::{short, CheckOutcome, KeyPolicy, Provider};
use crate::http::{parse_service_url, Http, HttpError, NetOptions, Reply};
use crate::profile::{Profile, Service};
use crate::secret::Secret;
use std::path::PathBuf;
use url::Url;

pub const DEFAULT_URL: &str = "https://impact.modelon.cloud/";
pub const ENV_KEY: &str = "MODELON_IMPACT_CLIENT_API_KEY";
pub const ENV_URL: &str = "MODELON_IMPACT_CLIENT_URL";
pub const KEY_NAME: &str = "api-key";

pub struct Modelon;

/// `~/.impact/api.key`, the file the vendor's client reads.
pub fn key_file() -> Option<PathBuf> {
    home().map(|h| h.join(".impact").join("api.key"))
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .or_else(|| directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf()))
}

/// The profile's server URL with a trailing slash.
pub fn server_url(profile: &Profile) -> String {
    let u = profile.setting("url").unwrap_or(DEFAULT_URL);
    if u.ends_with('/') {
        u.to_string()
    } else {
        format!("{u}/")
    }
}

fn error_message(reply: &Reply) -> String {
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(&reply.body) {
        if let Some(m) = v
            .pointer("/error/message")
            .and_then(|m| m.as_str())
            .or_else(|| v.get("message").and_then(|m| m.as_str()))
        {
            return short(m);
        }
    }
    if reply.looks_like_html() {
        "an HTML page instead of the API's JSON".into()
    } else {
        short(&reply.body)
    }
}

fn unreachable(e: HttpError) -> CheckOutcome {
    CheckOutcome::Unreachable {
        reason: e.to_string(),
    }
}

/// Finds the Impact API base URL, following a JupyterHub front if there is one.
fn api_base(http: &Http, base: &Url, key: &Secret) -> Result<Url, CheckOutcome> {
    let hub = base.join("hub/api/").expect("relative join");
    let reply = http.send("GET", &hub, &[], None).map_err(unreachable)?;
    if reply.header("x-jupyterhub-version").is_none() {
        return Ok(base.clone());
    }
    let user_url = base.join("hub/api/user").expect("relative join");
    let reply = http
        .send("GET", &user_url, &[("impact-api-key", key.expose())], None)
        .map_err(unreachable)?;
    match reply.status {
        200 => {}
        401 | 403 => {
            return Err(CheckOutcome::Invalid {
                reason: format!(
                    "the JupyterHub at {base} rejected the key ({}: {})",
                    reply.status,
                    error_message(&reply)
                ),
            })
        }
        s => {
            return Err(CheckOutcome::Unreachable {
                reason: format!(
                    "the JupyterHub at {base} answered {s}: {}",
                    error_message(&reply)
                ),
            })
        }
    }
    let server = serde_json::from_str::<serde_json::Value>(&reply.body)
        .ok()
        .and_then(|v| v.get("server").and_then(|s| s.as_str()).map(String::from))
        .ok_or_else(|| CheckOutcome::Unreachable {
            reason: format!(
                "the JupyterHub at {base} did not say which server is yours (no running server? start it in the browser first)"
            ),
        })?;
    // `server` is an absolute path on the hub's origin, such as "/user/NAME/".
    let server = if server.ends_with('/') {
        server
    } else {
        format!("{server}/")
    };
    base.join(&server)
        .and_then(|u| u.join("impact/"))
        .map_err(|_| CheckOutcome::Unreachable {
            reason: format!("the JupyterHub at {base} gave an unusable server path"),
        })
}

impl Provider for Modelon {
    fn service(&self) -> Service {
        Service::Modelon
    }

    fn key_policy(&self) -> KeyPolicy {
        KeyPolicy::Single {
            default_name: KEY_NAME,
        }
    }

    fn default_settings(&self) -> Vec<(&'static str, &'static str)> {
        vec![("url", DEFAULT_URL)]
    }

    fn validate_settings(&self, profile: &Profile) -> Vec<String> {
        match parse_service_url(&server_url(profile)) {
            Ok(_) => Vec::new(),
            Err(e) => vec![format!("url: {e}")],
        }
    }

    fn check(&self, profile: &Profile, key: &Secret, net: &NetOptions) -> CheckOutcome {
        let base = match parse_service_url(&server_url(profile)) {
            Ok(u) => u,
            Err(e) => {
                return CheckOutcome::Unreachable {
                    reason: e.to_string(),
                }
            }
        };
        let http = match Http::new(net) {
            Ok(h) => h,
            Err(e) => {
                return CheckOutcome::Unreachable {
                    reason: e.to_string(),
                }
            }
        };
        let api = match api_base(&http, &base, key) {
            Ok(u) => u,
            Err(o) => return o,
        };
        let me = api.join("api/users/me").expect("relative join");
        let reply = match http.send("GET", &me, &[("impact-api-key", key.expose())], None) {
            Ok(r) => r,
            Err(e) => return unreachable(e),
        };
        match reply.status {
            200 => {
                let v: serde_json::Value = match serde_json::from_str(&reply.body) {
                    Ok(v) => v,
                    Err(_) => {
                        return CheckOutcome::Unreachable {
                            reason: format!(
                                "{me} answered with {} — is {base} a Modelon Impact server?",
                                if reply.looks_like_html() {
                                    "an HTML page"
                                } else {
                                    "something that is not JSON"
                                }
                            ),
                        }
                    }
                };
                let user = v.pointer("/data/username").and_then(|u| u.as_str());
                let license = v.pointer("/data/license").and_then(|u| u.as_str());
                match user {
                    Some(u) => CheckOutcome::Valid {
                        detail: match license {
                            Some(l) => format!("user {u}, license {l}"),
                            None => format!("user {u}"),
                        },
                    },
                    None => CheckOutcome::Unreachable {
                        reason: format!("{me} answered without a user name — is {base} a Modelon Impact server?"),
                    },
                }
            }
            401 | 403 => CheckOutcome::Invalid {
                reason: format!(
                    "the server rejected the key ({}: {})",
                    reply.status,
                    error_message(&reply)
                ),
            },
            404 => CheckOutcome::Unreachable {
                reason: format!("{me} does not exist (404) — is {base} a Modelon Impact server?"),
            },
            s => CheckOutcome::Unreachable {
                reason: format!("the server answered {s}: {}", error_message(&reply)),
            },
        }
    }

    fn env(&self, profile: &Profile, _key_name: &str, key: &Secret) -> Vec<(String, String)> {
        vec![
            (ENV_KEY.to_string(), key.expose().to_string()),
            (ENV_URL.to_string(), server_url(profile)),
        ]
    }
}
