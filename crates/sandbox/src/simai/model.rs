//! The fake SimAI's options and its in-memory model: device authorizations, sessions, issued
//! tokens and consents, and what the endpoints ask of them.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::time::{Instant, SystemTime};

use serde_json::{json, Value};

use super::helpers::{iso8601, normalize_user_code};

/// How the fake SimAI behaves; every field has a demo-friendly default.
#[derive(Clone)]
pub struct SimaiOptions {
    /// The one user's name (`"demo@example.com"`), also their e-mail.
    pub user: String,
    /// Their password (`"demo-password"`).
    pub password: String,
    /// When `Some`, the password grant also wants this exact code in the `totp` field (`None`).
    pub totp: Option<String>,
    /// The device flow's `interval`, in seconds (5); polling sooner gets `slow_down`.
    pub device_interval: u64,
    /// The device flow's `expires_in`, in seconds (600).
    pub device_expires_in: u64,
    /// Lifetime of access tokens, in seconds (300).
    pub access_token_ttl: u64,
    /// Whether a refresh answers with a new refresh token (true); the old one stays valid
    /// either way. When false the same refresh token is sent back.
    pub rotate_refresh_tokens: bool,
    /// The organization the API wants in `X-Org` (`"demo-org"`).
    pub organization: String,
}

impl Default for SimaiOptions {
    fn default() -> SimaiOptions {
        SimaiOptions {
            user: "demo@example.com".to_owned(),
            password: "demo-password".to_owned(),
            totp: None,
            device_interval: 5,
            device_expires_in: 600,
            access_token_ttl: 300,
            rotate_refresh_tokens: true,
            organization: "demo-org".to_owned(),
        }
    }
}

impl fmt::Debug for SimaiOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimaiOptions")
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .field("totp", &self.totp.as_ref().map(|_| "<redacted>"))
            .field("device_interval", &self.device_interval)
            .field("device_expires_in", &self.device_expires_in)
            .field("access_token_ttl", &self.access_token_ttl)
            .field("rotate_refresh_tokens", &self.rotate_refresh_tokens)
            .field("organization", &self.organization)
            .finish()
    }
}

/// Where a device authorization stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DeviceStatus {
    Pending,
    Approved,
    Denied,
    /// Approved and exchanged for tokens: the device code is used up.
    Consumed,
}

/// One device authorization request.
#[derive(Debug)]
pub(super) struct Device {
    pub(super) device_code: String,
    /// As shown: `ABCD-EFGH`.
    pub(super) user_code: String,
    pub(super) client_id: &'static str,
    pub(super) scope: String,
    pub(super) created: Instant,
    pub(super) expires_at: Instant,
    pub(super) status: DeviceStatus,
    /// The last poll that was not answered `slow_down`.
    pub(super) last_poll: Option<Instant>,
}

impl Device {
    pub(super) fn expired(&self, now: Instant) -> bool {
        now >= self.expires_at
    }
}

/// A login: what a refresh token renews.
#[derive(Debug)]
pub(super) struct Session {
    pub(super) client_id: &'static str,
    /// The granted scopes, space-separated.
    pub(super) scope: String,
    pub(super) offline: bool,
    pub(super) active: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Access,
    Refresh,
    Offline,
}

impl Kind {
    /// The `typ` claim Keycloak gives this kind.
    pub(super) fn typ(self) -> &'static str {
        match self {
            Kind::Access => "Bearer",
            Kind::Refresh => "Refresh",
            Kind::Offline => "Offline",
        }
    }
}

/// An issued access or refresh token.
#[derive(Debug)]
pub(super) struct Token {
    pub(super) kind: Kind,
    pub(super) session: String,
    /// `None` for offline tokens, which do not expire.
    pub(super) expires_at: Option<Instant>,
    pub(super) revoked: bool,
}

impl Token {
    pub(super) fn expired(&self, now: Instant) -> bool {
        self.expires_at.is_some_and(|at| now >= at)
    }
}

/// A user's consent to a client's offline access.
#[derive(Debug, Clone, Copy)]
pub(super) struct Consent {
    pub(super) created: SystemTime,
    pub(super) last_updated: SystemTime,
}

#[derive(Debug, Default)]
pub(super) struct State {
    pub(super) devices: Vec<Device>,
    /// By `session_state`.
    pub(super) sessions: HashMap<String, Session>,
    /// By the token string itself.
    pub(super) tokens: HashMap<String, Token>,
    /// By client id.
    pub(super) consents: BTreeMap<&'static str, Consent>,
    pub(super) slow_down_forever: bool,
    pub(super) last_approval: Option<Instant>,
    pub(super) last_device_token: Option<Instant>,
    pub(super) token_requests: Vec<Instant>,
    /// The client of each device authorization asked for, oldest first.
    pub(super) device_requests: Vec<&'static str>,
    /// The model manifest's `coreml_version` (`None`: [`DEFAULT_COREML_VERSION`]).
    pub(super) coreml_version: Option<String>,
    /// Server-side optimisations started.
    pub(super) optimizations: usize,
}

impl State {
    /// The device whose user code is `user_code` (compared letters only, case-insensitively),
    /// newest first.
    pub(super) fn device_by_user_code(&mut self, user_code: &str) -> Option<&mut Device> {
        let wanted = normalize_user_code(user_code);
        if wanted.is_empty() {
            return None;
        }
        self.devices
            .iter_mut()
            .rev()
            .find(|d| normalize_user_code(&d.user_code) == wanted)
    }

    /// The number of live offline sessions of `client_id`.
    pub(super) fn live_offline(&self, client_id: &str) -> usize {
        self.sessions
            .values()
            .filter(|s| s.offline && s.active && s.client_id == client_id)
            .count()
    }

    /// Ends a session: its refresh tokens die (access tokens live on until they expire).
    pub(super) fn end_session(&mut self, id: &str) {
        let Some(session) = self.sessions.get_mut(id) else {
            return;
        };
        session.active = false;
        let (offline, client_id) = (session.offline, session.client_id);
        for token in self.tokens.values_mut() {
            if token.session == id && token.kind != Kind::Access {
                token.revoked = true;
            }
        }
        if offline && self.live_offline(client_id) == 0 {
            self.consents.remove(client_id);
        }
    }

    pub(super) fn record_consent(&mut self, client_id: &'static str) {
        let now = SystemTime::now();
        self.consents
            .entry(client_id)
            .and_modify(|c| c.last_updated = now)
            .or_insert(Consent {
                created: now,
                last_updated: now,
            });
    }

    pub(super) fn consents_json(&self) -> Value {
        Value::Array(
            self.consents
                .iter()
                .map(|(client_id, c)| {
                    json!({
                        "client_id": client_id,
                        "created_date": iso8601(c.created),
                        "last_updated_date": iso8601(c.last_updated),
                        "granted_scopes": ["openid", "offline_access"],
                    })
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_debug_redacts_secrets() {
        let opts = SimaiOptions {
            totp: Some("123456".into()),
            ..SimaiOptions::default()
        };
        let shown = format!("{opts:?}");
        assert!(!shown.contains("demo-password") && !shown.contains("123456"));
        assert!(shown.contains("demo@example.com"));
    }
}
