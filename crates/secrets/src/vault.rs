//! A client for the KV version 2 secrets engine of OpenBao and HashiCorp Vault (the same HTTP
//! API); its login methods (userpass, AppRole, JWT, OIDC) are in [`crate::vault_login`]. It runs on SimCred's own
//! HTTP client, pinned to the vault's origin, so the proxy, CA bundle, timeout, no-redirect and
//! loopback rules hold for the vault as for every other request. Everything SimCred keeps lives
//! under `{mount}/data/{prefix}/…` (metadata under `{mount}/metadata/{prefix}/…`), so one
//! policy on the prefix grants a team its store. Writes take a check-and-set version.
//!
//! Nothing here stores anything: logins return the token, reads return the data; the store
//! layer ([`crate::stores`]) decides where the token is kept.

use crate::http::{origin_of, Http, HttpError, NetOptions, Reply};
use crate::secret::Secret;
use serde_json::{json, Map, Value};
use url::Url;

/// Where a vault is and which part of it SimCred uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultAddr {
    /// `https://vault.example:8200` (http to loopback only, like every service URL).
    pub addr: Url,
    /// The KV v2 mount, `secret` by default.
    pub mount: String,
    /// The path below the mount that holds SimCred's entries, `simcred` by default.
    pub prefix: String,
    /// Vault Enterprise / OpenBao namespace, sent as `X-Vault-Namespace`.
    pub namespace: Option<String>,
    /// A PEM file of CA certificates for the vault's TLS.
    pub ca_bundle: Option<String>,
}

/// Failures talking to a vault, as sentences a person can act on. Never contain a token or a
/// secret; text from the server is made safe.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// The vault could not be reached (down, refused, timeout, TLS, proxy).
    #[error("cannot reach the vault at {addr}: {source}")]
    Unreachable {
        addr: String,
        #[source]
        source: HttpError,
    },
    /// The vault answers but is sealed (or not initialised, or in standby without a leader).
    #[error(
        "the vault at {addr} is sealed or not ready ({status}); ask its operator to unseal it"
    )]
    Sealed { addr: String, status: u16 },
    /// The token was refused: expired, revoked or never valid (403 on `lookup-self`).
    #[error("the vault at {addr} does not accept the token (expired or revoked); log in to the store again")]
    Unauthorized { addr: String },
    /// The token is valid but its policies do not allow this.
    #[error("permission denied by the vault at {addr}: the token's policies do not allow {what}")]
    PermissionDenied { addr: String, what: String },
    /// A login was refused (wrong user name, password, role or secret id).
    #[error("the vault at {addr} refused the login: {reason}")]
    LoginRefused { addr: String, reason: String },
    /// A check-and-set write lost against another writer.
    #[error("{path} was changed by someone else meanwhile (version {expected} expected)")]
    Conflict { path: String, expected: u64 },
    /// The reply was not what the API says.
    #[error("unexpected answer from the vault at {addr}: {what}")]
    BadReply { addr: String, what: String },
    /// A setting cannot be used (bad URL, CA bundle).
    #[error("{0}")]
    Setup(String),
}

/// One KV v2 entry's data and version.
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned {
    pub data: Map<String, Value>,
    pub version: u64,
}

/// One version in an entry's history (KV v2 metadata).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VersionInfo {
    pub version: u64,
    pub created_time: String,
    /// Deleted or destroyed versions cannot be read.
    pub gone: bool,
}

/// What KV v2 keeps about an entry besides its data.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KvMetadata {
    /// Its versions, oldest first.
    pub versions: Vec<VersionInfo>,
    /// Its `custom_metadata` (string values only), as the server sent it: text from other
    /// people, to be checked before use.
    pub custom: std::collections::BTreeMap<String, String>,
}

/// KV v2's limits on `custom_metadata`: keys per entry, bytes per key, bytes per value.
pub const CUSTOM_MAX_KEYS: usize = 64;
pub const CUSTOM_MAX_KEY_LEN: usize = 128;
pub const CUSTOM_MAX_VALUE_LEN: usize = 512;

/// What the vault says about a token (`auth/token/lookup-self`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TokenInfo {
    pub display_name: String,
    pub policies: Vec<String>,
    /// Seconds left; 0 for a token that never expires (root).
    pub ttl: u64,
    pub renewable: bool,
}

/// A vault, reached with a token.
pub struct Vault {
    http: Http,
    at: VaultAddr,
    token: Secret,
}

pub(crate) fn shown(at: &VaultAddr) -> String {
    crate::text::safe(&origin_of(&at.addr))
}

pub(crate) fn client(at: &VaultAddr) -> Result<Http, VaultError> {
    let net = NetOptions {
        tls_ca_bundle: at.ca_bundle.clone(),
        ..NetOptions::default()
    };
    Ok(Http::new(&net)
        .map_err(|e| VaultError::Setup(format!("the vault's connection settings: {e}")))?
        .pinned(&at.addr))
}

pub(crate) fn api_url(at: &VaultAddr, path: &str) -> Result<Url, VaultError> {
    let base = at.addr.as_str().trim_end_matches('/');
    Url::parse(&format!("{base}/v1/{path}"))
        .map_err(|e| VaultError::Setup(format!("cannot build a vault URL for {path}: {e}")))
}

/// Percent-encodes one path segment: letters, digits and `_-.@~` stay, everything else
/// (`/`, `?`, `%`, spaces, non-ASCII) is escaped. `.` and `..` become `%2E`-free `_dot_` forms
/// that cannot climb out of the prefix (URLs treat `%2E%2E` as `..`).
pub(crate) fn seg(s: &str) -> String {
    match s {
        "" => "_empty_".into(),
        "." => "_dot_".into(),
        ".." => "_dotdot_".into(),
        _ => s
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"_-.@~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect(),
    }
}

pub(crate) fn headers<'a>(at: &'a VaultAddr, token: Option<&'a str>) -> Vec<(&'a str, &'a str)> {
    let mut h = vec![("accept", "application/json"), ("x-vault-request", "true")];
    if let Some(t) = token {
        h.push(("x-vault-token", t));
    }
    if let Some(ns) = at.namespace.as_deref() {
        h.push(("x-vault-namespace", ns));
    }
    h
}

/// The `errors` array of a vault error reply, joined and made safe.
pub(crate) fn errors_of(reply: &Reply, secrets: &[&Secret]) -> String {
    serde_json::from_str::<Value>(&reply.body)
        .ok()
        .and_then(|v| {
            v.get("errors").and_then(|e| e.as_array()).map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            })
        })
        .map(|s| crate::text::from_server(&s, secrets))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| format!("HTTP {}", reply.status))
}

pub(crate) fn json_of(reply: &Reply, at: &VaultAddr) -> Result<Value, VaultError> {
    serde_json::from_str(&reply.body).map_err(|_| VaultError::BadReply {
        addr: shown(at),
        what: format!("a {} reply that is not JSON", reply.status),
    })
}

impl Vault {
    /// A client for the vault at `at`, with `token`.
    pub fn new(at: &VaultAddr, token: Secret) -> Result<Self, VaultError> {
        Ok(Vault {
            http: client(at)?,
            at: at.clone(),
            token,
        })
    }

    /// Where this vault is.
    pub fn addr(&self) -> &VaultAddr {
        &self.at
    }

    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Reply, VaultError> {
        let url = api_url(&self.at, path)?;
        let h = headers(&self.at, Some(self.token.expose()));
        let r = match body {
            Some(b) => self.http.send_json(method, &url, &h, &b.to_string()),
            None => self.http.send(method, &url, &h, None),
        };
        let reply = r.map_err(|source| VaultError::Unreachable {
            addr: shown(&self.at),
            source,
        })?;
        if reply.status == 503 {
            return Err(VaultError::Sealed {
                addr: shown(&self.at),
                status: 503,
            });
        }
        if (300..400).contains(&reply.status) {
            return Err(VaultError::BadReply {
                addr: shown(&self.at),
                what: format!(
                    "a redirect ({}), which SimCred does not follow; is the address the active node?",
                    reply.status
                ),
            });
        }
        Ok(reply)
    }

    /// A 403: an expired or revoked token, or a policy that does not allow `what`. Asks
    /// `lookup-self` to tell them apart.
    fn denied(&self, what: &str) -> VaultError {
        match self.lookup_self() {
            Ok(_) => VaultError::PermissionDenied {
                addr: shown(&self.at),
                what: what.to_string(),
            },
            Err(e) => e,
        }
    }

    fn kv(&self, area: &str, key: &str) -> String {
        let mut p = format!("{}/{area}/{}", seg(&self.at.mount), seg(&self.at.prefix));
        for part in key.split('/').filter(|s| !s.is_empty()) {
            p.push('/');
            p.push_str(&seg(part));
        }
        p
    }

    fn shown_key(&self, key: &str) -> String {
        crate::text::safe(&format!("{}/{}/{key}", self.at.mount, self.at.prefix))
    }

    /// Reads the newest version of `key`; `None` when there is none (or it was deleted).
    pub fn read(&self, key: &str) -> Result<Option<Versioned>, VaultError> {
        let reply = self.call("GET", &self.kv("data", key), None)?;
        match reply.status {
            200 => {}
            404 => return Ok(None),
            403 => return Err(self.denied(&format!("reading {}", self.shown_key(key)))),
            _ => {
                return Err(VaultError::BadReply {
                    addr: shown(&self.at),
                    what: errors_of(&reply, &[&self.token]),
                })
            }
        }
        let v = json_of(&reply, &self.at)?;
        let version = v
            .pointer("/data/metadata/version")
            .and_then(|n| n.as_u64())
            .unwrap_or(0);
        match v.pointer("/data/data") {
            Some(Value::Object(m)) => Ok(Some(Versioned {
                data: m.clone(),
                version,
            })),
            // A soft-deleted newest version reads as data: null.
            _ => Ok(None),
        }
    }

    /// Writes `data` as a new version of `key` if its newest version is still `cas` (0: it must
    /// not exist yet); returns the new version. A lost race is [`VaultError::Conflict`].
    /// An entry already at the last version number (`u64::MAX`, which only a broken or hostile
    /// server reports) is refused before anything is sent.
    pub fn write(&self, key: &str, data: &Map<String, Value>, cas: u64) -> Result<u64, VaultError> {
        let next = cas.checked_add(1).ok_or_else(|| VaultError::BadReply {
            addr: shown(&self.at),
            what: format!(
                "{} is at version {cas}, the last there can be, so no version can follow it; nothing was written",
                self.shown_key(key)
            ),
        })?;
        let body = json!({ "options": { "cas": cas }, "data": data });
        let reply = self.call("POST", &self.kv("data", key), Some(&body))?;
        match reply.status {
            200 | 204 => {}
            403 => return Err(self.denied(&format!("writing {}", self.shown_key(key)))),
            400 if errors_of(&reply, &[]).contains("check-and-set") => {
                return Err(VaultError::Conflict {
                    path: self.shown_key(key),
                    expected: cas,
                })
            }
            _ => {
                return Err(VaultError::BadReply {
                    addr: shown(&self.at),
                    what: errors_of(&reply, &[&self.token]),
                })
            }
        }
        let v = json_of(&reply, &self.at)?;
        Ok(v.pointer("/data/version")
            .and_then(|n| n.as_u64())
            .unwrap_or(next))
    }

    /// Deletes `key` with all its versions and metadata; `false` when there was none.
    pub fn delete(&self, key: &str) -> Result<bool, VaultError> {
        let existed = self.versions(key)?.iter().any(|v| !v.gone);
        let reply = self.call("DELETE", &self.kv("metadata", key), None)?;
        match reply.status {
            200 | 204 | 404 => Ok(existed),
            403 => Err(self.denied(&format!("deleting {}", self.shown_key(key)))),
            _ => Err(VaultError::BadReply {
                addr: shown(&self.at),
                what: errors_of(&reply, &[&self.token]),
            }),
        }
    }

    /// The names directly below `dir` (sub-directories end in `/`); empty when there are none.
    pub fn list(&self, dir: &str) -> Result<Vec<String>, VaultError> {
        let path = format!("{}?list=true", self.kv("metadata", dir));
        let reply = self.call("GET", &path, None)?;
        match reply.status {
            200 => {}
            404 => return Ok(vec![]),
            403 => return Err(self.denied(&format!("listing {}", self.shown_key(dir)))),
            _ => {
                return Err(VaultError::BadReply {
                    addr: shown(&self.at),
                    what: errors_of(&reply, &[&self.token]),
                })
            }
        }
        let v = json_of(&reply, &self.at)?;
        Ok(v.pointer("/data/keys")
            .and_then(|k| k.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str())
                    .filter(|x| !x.chars().any(crate::text::is_unsafe))
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default())
    }

    /// The history of `key` (oldest first); empty when it does not exist.
    pub fn versions(&self, key: &str) -> Result<Vec<VersionInfo>, VaultError> {
        Ok(self.metadata(key)?.map(|m| m.versions).unwrap_or_default())
    }

    /// Writes `key`'s KV v2 `custom_metadata` (replacing what it had; the data and its
    /// versions are not touched, and no version is added). Values must be within the engine's
    /// limits ([`CUSTOM_MAX_KEYS`], [`CUSTOM_MAX_KEY_LEN`], [`CUSTOM_MAX_VALUE_LEN`]).
    pub fn set_custom_metadata(
        &self,
        key: &str,
        custom: &std::collections::BTreeMap<String, String>,
    ) -> Result<(), VaultError> {
        let body = json!({ "custom_metadata": custom });
        let reply = self.call("POST", &self.kv("metadata", key), Some(&body))?;
        match reply.status {
            200 | 204 => Ok(()),
            403 => Err(self.denied(&format!("writing the metadata of {}", self.shown_key(key)))),
            _ => Err(VaultError::BadReply {
                addr: shown(&self.at),
                what: errors_of(&reply, &[&self.token]),
            }),
        }
    }

    /// `key`'s KV v2 metadata (its history and `custom_metadata`); `None` when it does not
    /// exist. Custom values that are not strings are left out.
    pub fn metadata(&self, key: &str) -> Result<Option<KvMetadata>, VaultError> {
        let reply = self.call("GET", &self.kv("metadata", key), None)?;
        match reply.status {
            200 => {}
            404 => return Ok(None),
            403 => {
                return Err(self.denied(&format!("reading the history of {}", self.shown_key(key))))
            }
            _ => {
                return Err(VaultError::BadReply {
                    addr: shown(&self.at),
                    what: errors_of(&reply, &[&self.token]),
                })
            }
        }
        let v = json_of(&reply, &self.at)?;
        let mut out: Vec<VersionInfo> = v
            .pointer("/data/versions")
            .and_then(|m| m.as_object())
            .map(|m| {
                m.iter()
                    .filter_map(|(k, x)| {
                        let version = k.parse::<u64>().ok()?;
                        let text = |f: &str| {
                            x.get(f)
                                .and_then(|t| t.as_str())
                                .map(crate::text::safe)
                                .unwrap_or_default()
                        };
                        let deleted = text("deletion_time");
                        Some(VersionInfo {
                            version,
                            created_time: text("created_time"),
                            gone: !deleted.is_empty()
                                || x.get("destroyed").and_then(|d| d.as_bool()) == Some(true),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.sort_by_key(|v| v.version);
        let custom = v
            .pointer("/data/custom_metadata")
            .and_then(|m| m.as_object())
            .map(|m| {
                m.iter()
                    .filter_map(|(k, x)| Some((k.clone(), x.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Some(KvMetadata {
            versions: out,
            custom,
        }))
    }

    /// What the vault says about this client's token. A refused token is
    /// [`VaultError::Unauthorized`].
    pub fn lookup_self(&self) -> Result<TokenInfo, VaultError> {
        let reply = self.call("GET", "auth/token/lookup-self", None)?;
        match reply.status {
            200 => {}
            401 | 403 => {
                return Err(VaultError::Unauthorized {
                    addr: shown(&self.at),
                })
            }
            _ => {
                return Err(VaultError::BadReply {
                    addr: shown(&self.at),
                    what: errors_of(&reply, &[&self.token]),
                })
            }
        }
        let v = json_of(&reply, &self.at)?;
        let d = v.get("data").cloned().unwrap_or(Value::Null);
        Ok(TokenInfo {
            display_name: d
                .get("display_name")
                .and_then(|x| x.as_str())
                .map(|s| crate::text::from_server(s, &[&self.token]))
                .unwrap_or_default(),
            policies: d
                .get("policies")
                .and_then(|p| p.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str())
                        .map(crate::text::safe)
                        .collect()
                })
                .unwrap_or_default(),
            ttl: d.get("ttl").and_then(|t| t.as_u64()).unwrap_or(0),
            renewable: d.get("renewable").and_then(|r| r.as_bool()) == Some(true),
        })
    }

    /// Renews this client's token (when it is renewable).
    pub fn renew_self(&self) -> Result<(), VaultError> {
        let reply = self.call("POST", "auth/token/renew-self", Some(&json!({})))?;
        match reply.status {
            200 | 204 => Ok(()),
            401 | 403 => Err(VaultError::Unauthorized {
                addr: shown(&self.at),
            }),
            _ => Err(VaultError::BadReply {
                addr: shown(&self.at),
                what: errors_of(&reply, &[&self.token]),
            }),
        }
    }

    /// Revokes this client's token at the vault.
    pub fn revoke_self(&self) -> Result<(), VaultError> {
        let reply = self.call("POST", "auth/token/revoke-self", Some(&json!({})))?;
        match reply.status {
            200 | 204 | 403 => Ok(()),
            _ => Err(VaultError::BadReply {
                addr: shown(&self.at),
                what: errors_of(&reply, &[&self.token]),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> VaultAddr {
        VaultAddr {
            addr: Url::parse("http://127.0.0.1:8200").unwrap(),
            mount: "secret".into(),
            prefix: "team a".into(),
            namespace: None,
            ca_bundle: None,
        }
    }

    #[test]
    fn paths_stay_below_the_prefix() {
        let v = Vault::new(&at(), Secret::new("t")).unwrap();
        assert_eq!(
            v.kv("data", "profiles/x"),
            "secret/data/team%20a/profiles/x"
        );
        // No segment can climb out of the prefix or start a query.
        let p = v.kv("data", "../../sys/./x?list=true#");
        assert_eq!(
            p,
            "secret/data/team%20a/_dotdot_/_dotdot_/sys/_dot_/x%3Flist%3Dtrue%23"
        );
        let u = api_url(&at(), &p).unwrap();
        assert!(u.path().starts_with("/v1/secret/data/team%20a/"), "{u}");
        assert!(u.query().is_none());
    }

    #[test]
    fn error_text_is_safe_and_redacted() {
        let tok = Secret::new("hvs.secret-token");
        let r = Reply {
            status: 400,
            content_type: "application/json".into(),
            headers: vec![],
            body: r#"{"errors":["bad \u001b[31m hvs.secret-token"]}"#.into(),
        };
        let e = errors_of(&r, &[&tok]);
        assert!(
            !e.contains('\u{1b}') && !e.contains("hvs.secret-token"),
            "{e}"
        );
    }
}
