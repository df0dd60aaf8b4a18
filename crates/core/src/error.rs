//! The errors the core returns to its faces (CLI and desktop app). Each variant says what
//! happened, has a stable [`Error::code`], and its message never contains a secret or a
//! command of one face: the CLI adds hints naming its commands (by code), the app words its own.

use crate::config::error::ConfigError;
use crate::providers::ini::IniError;
use crate::store::StoreError;

/// One setting that does not fit its kind, or is missing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SettingProblem {
    /// The setting's name (`tls_ca_bundle`).
    pub setting: String,
    /// Its label in forms (`TLS CA bundle`).
    pub label: String,
    /// What is wrong, without the name (`/x is not a file …`).
    pub message: String,
}

impl std::fmt::Display for SettingProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.setting, self.message)
    }
}

/// Anything a SimCred operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `profiles.toml` cannot be read, parsed or written.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The secret store (keyring) failed or is unavailable.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A vendor's `config.ini` does not parse or cannot be edited.
    #[error(transparent)]
    VendorFile(#[from] IniError),
    /// Signing in failed.
    #[error(transparent)]
    Auth(#[from] crate::providers::oauth::AuthError),
    /// A server could not be reached.
    #[error(transparent)]
    Http(#[from] crate::http::HttpError),
    /// No profile has that name.
    #[error("no profile named \"{name}\"; {}", known_list("profiles", .known))]
    UnknownProfile { name: String, known: Vec<String> },
    /// The profile has no key of that name.
    #[error("profile \"{profile}\" has no key named \"{name}\"; {}", known_list("keys", .known))]
    UnknownKey {
        profile: String,
        name: String,
        known: Vec<String>,
    },
    /// The profile holds no key at all.
    #[error("profile \"{profile}\" has no key yet")]
    NoKeys { profile: String },
    /// Several keys and none is the default, so the key must be named.
    #[error("profile \"{profile}\" has several keys and no default; name one ({})", .keys.join(", "))]
    NoDefaultKey { profile: String, keys: Vec<String> },
    /// A profile of that name exists already.
    #[error("a profile named \"{0}\" already exists; pick another name")]
    ProfileExists(String),
    /// The profile has a key of that name already.
    #[error("profile \"{profile}\" already has a key named \"{name}\"; pick another name or replace its value")]
    KeyExists { profile: String, name: String },
    /// A single-key service's profile already holds its key.
    #[error("{service} allows one API key per server and profile \"{profile}\" has one; replace it instead")]
    SingleKeyTaken { profile: String, service: String },
    /// A named-keys service needs a key name.
    #[error("{service} keys need a name, such as {example}")]
    KeyNameNeeded {
        service: String,
        example: &'static str,
    },
    /// The metadata lists a secret the keyring does not have.
    #[error(
        "the keyring has no secret for {profile}/{name} (removed outside SimCred?); add it again"
    )]
    SecretMissing { profile: String, name: String },
    /// A sign-in service's profile is not signed in (or its token is dead).
    #[error("profile \"{profile}\" is not signed in{}", if *.offline { " with an offline token" } else { "" })]
    NotSignedIn { profile: String, offline: bool },
    /// A job needs the offline token of one client (SimAI's `sdk` or `com.ansys.simai.sdk`)
    /// and the profile has none that works; `have` names the clients it has one of.
    #[error("profile \"{profile}\" has no offline token of client {client}{}", if .have.is_empty() { String::new() } else { format!(" (only of {}); handed another client's token, the SDK signs in again by itself when the job needs this one", .have.join(", ")) })]
    NoClientToken {
        profile: String,
        client: String,
        have: Vec<String>,
    },
    /// A stored sign-in token was refused or revoked; signing in again is needed.
    #[error("the {token} token of \"{profile}\" is {status}{}; sign in again", .detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    TokenDead {
        profile: String,
        token: String,
        status: String,
        detail: Option<String>,
    },
    /// The service cannot do this (keys on a sign-in service, consents without an API, ...).
    #[error("{service} profiles do not support {what}")]
    NotSupported { service: String, what: String },
    /// Settings that do not fit their kind, or required ones that are missing.
    #[error("{}", .0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("; "))]
    Settings(Vec<SettingProblem>),
    /// A setting that is not one of the service's.
    #[error("\"{name}\" is not a {service} setting; known settings: {}", .known.join(", "))]
    UnknownSetting {
        name: String,
        service: String,
        known: Vec<String>,
    },
    /// The vendor's file already holds other values under these names; nothing was written.
    #[error("{path} already holds different values for {}; import them first or overwrite them", .names.join(", "))]
    ExportConflict { path: String, names: Vec<String> },
    /// The new key of a replace failed its check with the service; the old key is kept.
    #[error("the new key was not stored, the old one is kept: {reason}")]
    CheckFailed { reason: String },
    /// No profile of that name here, and a team store that may hold it could not be read: the
    /// store's problem is what to fix (its code is the store error's).
    #[error("no profile named \"{name}\" here, and team store \"{}\" was not read whole: {}", .problem.store, .problem.why)]
    InUnreadableStore {
        name: String,
        problem: crate::store_problem::StoreProblem,
    },
    /// A request that cannot be carried out as asked; the sentence says why.
    #[error("{0}")]
    Invalid(String),
    /// A file could not be used.
    #[error("{0}")]
    Io(String),
    /// The project file (`.simcred.toml`) cannot be used, or which profile to use is not clear.
    #[error(transparent)]
    Project(#[from] crate::project_error::ProjectError),
    /// A file SimCred reads or writes is not a regular file, too large, not text, or failed
    /// (its cause kept): code `io` for an IO failure, `invalid` for the rest, as before.
    #[error(transparent)]
    File(#[from] crate::fsio::FileError),
}

impl Error {
    /// A stable machine name for the faces to branch on and word their own hints.
    pub fn code(&self) -> &'static str {
        use crate::providers::oauth::AuthError;
        match self {
            Error::Config(_) => "config",
            Error::Store(StoreError::Locked) => "keyring_locked",
            Error::Store(StoreError::Unauthorized(_)) => "store_unauthorized",
            Error::Store(StoreError::PermissionDenied(_)) => "permission_denied",
            Error::Store(StoreError::Conflict(_)) => "conflict",
            Error::Store(StoreError::Offline(_)) => "store_offline",
            Error::Store(StoreError::NotFound(_)) => "store_not_found",
            Error::Store(StoreError::Malformed(_)) => "malformed_secret",
            Error::Store(StoreError::Full { .. }) => "store_full",
            Error::Store(_) => "keyring",
            Error::VendorFile(_) => "vendor_file",
            Error::Auth(AuthError::Cancelled) => "cancelled",
            Error::Auth(AuthError::Denied) => "denied",
            Error::Auth(AuthError::Expired) => "expired",
            Error::Auth(AuthError::BadCredentials) => "bad_credentials",
            Error::Auth(AuthError::InvalidGrant(_)) => "token_dead",
            Error::Auth(AuthError::Unauthorized(_)) => "unauthorized",
            Error::Auth(AuthError::Http(_)) | Error::Http(_) => "network",
            Error::Auth(_) => "auth",
            Error::UnknownProfile { .. } => "unknown_profile",
            Error::UnknownKey { .. } => "unknown_key",
            Error::NoKeys { .. } => "no_keys",
            Error::NoDefaultKey { .. } => "no_default_key",
            Error::ProfileExists(_) => "profile_exists",
            Error::KeyExists { .. } => "key_exists",
            Error::SingleKeyTaken { .. } => "single_key_taken",
            Error::KeyNameNeeded { .. } => "key_name_needed",
            Error::SecretMissing { .. } => "secret_missing",
            Error::NotSignedIn { .. } => "not_signed_in",
            Error::TokenDead { .. } => "token_dead",
            Error::NoClientToken { .. } => "no_client_token",
            Error::NotSupported { .. } => "not_supported",
            Error::Settings(_) => "settings",
            Error::UnknownSetting { .. } => "unknown_setting",
            Error::CheckFailed { .. } => "check_failed",
            Error::ExportConflict { .. } => "export_conflict",
            Error::InUnreadableStore { problem, .. } => problem.code,
            Error::Invalid(_) => "invalid",
            Error::Project(e) => e.code(),
            Error::Io(_) | Error::File(crate::fsio::FileError::Io { .. }) => "io",
            Error::File(_) => "invalid",
        }
    }
}

fn known_list(what: &str, known: &[String]) -> String {
    if known.is_empty() {
        format!("there are no {what} yet")
    } else {
        format!("the {what} are: {}", known.join(", "))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_messages_name_no_command() {
        let cases: Vec<(Error, &str)> = vec![
            (Error::ProfileExists("rfem".into()), "profile_exists"),
            // The store's own code: the caller fixes the store (log in, start it), not the name.
            (
                Error::InUnreadableStore {
                    name: "team-impact".into(),
                    problem: crate::store_problem::StoreProblem {
                        store: "acme".into(),
                        why: "cannot reach the vault".into(),
                        code: "store_offline",
                    },
                },
                "store_offline",
            ),
            (
                Error::NotSignedIn {
                    profile: "w".into(),
                    offline: false,
                },
                "not_signed_in",
            ),
            (
                Error::NoDefaultKey {
                    profile: "p".into(),
                    keys: vec!["a".into(), "b".into()],
                },
                "no_default_key",
            ),
            (
                Error::NotSupported {
                    service: "X".into(),
                    what: "consents".into(),
                },
                "not_supported",
            ),
            (
                Error::Settings(vec![SettingProblem {
                    setting: "timeout".into(),
                    label: "Timeout (s)".into(),
                    message: "\"x\" is not a number".into(),
                }]),
                "settings",
            ),
        ];
        for (e, code) in cases {
            assert_eq!(e.code(), code);
            assert!(!e.to_string().contains("simcred "), "{e}");
            assert!(!e.to_string().contains("--"), "{e}");
        }
    }
}
