//! Profiles and key metadata: the non-secret half of SimCred's data.
//!
//! A profile names one account on one service of the registry ([`crate::providers::ALL`]) with
//! that service's settings. Key metadata (created, last 4 characters, status, last check, expiry,
//! where it was exported) sits beside the profile; the secrets themselves are in the keyring.

use crate::error::{Error, Result};
pub use crate::service::Service;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// Token metadata names in the profile's `tokens` table.
pub const OFFLINE: &str = "offline";
pub const SESSION: &str = "session";
pub const ACCESS: &str = "access";

/// What is known about a key without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum KeyStatus {
    /// Stored, never checked (or cannot be checked from here).
    #[default]
    Unverified,
    /// The service accepted it at the last check.
    Valid,
    /// The service rejected it at the last check.
    Invalid,
    /// Written by versions before 0.2 when a check could not reach the service; read as such,
    /// never written now (see [`KeyMeta::unreachable`]).
    Unreachable,
    /// Past its expiry.
    Expired,
    /// Revoked at the service.
    Revoked,
    /// Known to the service, but the plan does not allow its use now (not permitted, or the
    /// month's limit reached).
    Restricted,
}

impl KeyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Unverified => "unverified",
            KeyStatus::Valid => "valid",
            KeyStatus::Invalid => "invalid",
            KeyStatus::Unreachable => "unreachable",
            KeyStatus::Expired => "expired",
            KeyStatus::Revoked => "revoked",
            KeyStatus::Restricted => "restricted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            KeyStatus::Unverified,
            KeyStatus::Valid,
            KeyStatus::Invalid,
            KeyStatus::Unreachable,
            KeyStatus::Expired,
            KeyStatus::Revoked,
            KeyStatus::Restricted,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// Whether this status means the key will not work.
    pub fn needs_attention(self) -> bool {
        matches!(
            self,
            KeyStatus::Invalid | KeyStatus::Expired | KeyStatus::Revoked | KeyStatus::Restricted
        )
    }
}

impl fmt::Display for KeyStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Metadata of one stored key. Never holds the key itself.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct KeyMeta {
    pub name: String,
    /// RFC 3339 time the key was stored.
    pub created: String,
    /// The key's last four characters (empty for keys too short to show any).
    pub last4: String,
    pub status: KeyStatus,
    /// RFC 3339 time of the last check, if any.
    pub checked: Option<String>,
    /// What the last check said (user name and license, or the reason it failed).
    pub detail: Option<String>,
    /// RFC 3339 expiry, when the service says.
    pub expires: Option<String>,
    /// Files this key was exported to.
    pub exported: Vec<String>,
    /// Whether this is the profile's default key.
    pub default: bool,
    /// Who the credential belongs to, as the service said at the last answer (e-mail or user
    /// name, organization); made safe to show.
    pub account: Option<String>,
    /// RFC 3339 time of the latest check that got no answer from the service (down, timeout,
    /// proxy); `None` once the service answers again. Kept apart from `status`, which is the
    /// key's own state as of `checked`.
    pub unreachable: Option<String>,
    /// Why that check got no answer.
    pub unreachable_detail: Option<String>,
    /// The plan and how much of it is used, as the service said at the last valid check
    /// (Dlubal: "plan Pro · 1,234 of 10,000 API requests this month").
    pub usage: Option<String>,
}

/// A profile as read from `profiles.toml`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    pub name: String,
    pub service: Service,
    /// The service's settings (url, organization, https_proxy, ...), as strings.
    pub settings: BTreeMap<String, String>,
    pub default_key: Option<String>,
    pub keys: Vec<KeyMeta>,
    /// Sign-in tokens (SimAI, OIDC): `offline`, `session`, `access`. Metadata only.
    pub tokens: Vec<KeyMeta>,
    /// The team store holding this profile's secrets (`[stores.NAME]`); `None`: the OS keyring.
    pub store: Option<String>,
}

impl Profile {
    /// A setting's value, if set and not empty.
    pub fn setting(&self, key: &str) -> Option<&str> {
        self.settings
            .get(key)
            .map(|s| s.as_str())
            .filter(|s| !s.is_empty())
    }

    pub fn key(&self, name: &str) -> Option<&KeyMeta> {
        self.keys.iter().find(|k| k.name == name)
    }

    pub fn token(&self, name: &str) -> Option<&KeyMeta> {
        self.tokens.iter().find(|k| k.name == name)
    }
}

/// Checks a profile or key name: 1–64 characters from letters, digits, `_`, `-`, `.`, `@`,
/// not starting with `.` or `-`.
pub fn validate_name(what: &str, name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err(format!("the {what} name is empty"));
    }
    if name.chars().count() > 64 {
        return Err(format!("the {what} name is longer than 64 characters"));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '@')))
    {
        let shown = if c.is_control() {
            format!("control character U+{:04X}", c as u32)
        } else if crate::text::is_unsafe(c) {
            format!("the invisible character U+{:04X}", c as u32)
        } else {
            format!("\"{c}\"")
        };
        return Err(format!(
            "the {what} name \"{}\" contains {shown}; use letters, digits, _ - . @",
            crate::text::safe(name)
        ));
    }
    if name.starts_with('.') || name.starts_with('-') {
        return Err(format!(
            "the {what} name \"{name}\" must not start with . or -"
        ));
    }
    Ok(())
}

/// The current time as RFC 3339 (seconds, UTC).
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The profile named `name` in `all`, or an error listing the names there are.
pub fn find_profile<'a>(all: &'a [Profile], name: &str) -> Result<&'a Profile> {
    all.iter()
        .find(|p| p.name == name)
        .ok_or_else(|| Error::UnknownProfile {
            name: name.to_string(),
            known: all.iter().map(|p| p.name.clone()).collect(),
        })
}

pub fn resolve_key<'a>(prof: &'a Profile, name: Option<&str>) -> Result<&'a KeyMeta> {
    match name {
        Some(n) => {
            let normalized = prof
                .service
                .provider()
                .normalize_key_name(n)
                .unwrap_or_else(|_| n.to_string());
            prof.key(n)
                .or_else(|| prof.key(&normalized))
                .ok_or_else(|| Error::UnknownKey {
                    profile: prof.name.clone(),
                    name: n.to_string(),
                    known: prof.keys.iter().map(|k| k.name.clone()).collect(),
                })
        }
        None => {
            if prof.keys.is_empty() {
                return Err(Error::NoKeys {
                    profile: prof.name.clone(),
                });
            }
            prof.default_key
                .as_deref()
                .and_then(|d| prof.key(d))
                .or(if prof.keys.len() == 1 {
                    prof.keys.first()
                } else {
                    None
                })
                .ok_or_else(|| Error::NoDefaultKey {
                    profile: prof.name.clone(),
                    keys: prof.keys.iter().map(|k| k.name.clone()).collect(),
                })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(validate_name("key", "project_1").is_ok());
        assert!(validate_name("key", "a/b").unwrap_err().contains("\"/\""));
        assert!(validate_name("key", "a\nb").unwrap_err().contains("U+000A"));
        assert!(validate_name("key", "").is_err());
        assert!(validate_name("key", "-x").is_err());
    }

    #[test]
    fn service_parse() {
        assert_eq!("Dlubal".parse::<Service>().unwrap().as_str(), "dlubal");
        assert!("aws"
            .parse::<Service>()
            .unwrap_err()
            .contains("simai, modelon"));
    }
}
