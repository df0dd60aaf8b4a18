//! The errors the core returns to its faces (CLI and desktop app). Each message says what
//! went wrong and what to do next, and never contains a secret.

use crate::config::ConfigError;
use crate::providers::dlubal::IniError;
use crate::store::StoreError;

/// Anything a SimCred operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    VendorFile(#[from] IniError),
    #[error(transparent)]
    Auth(#[from] crate::providers::oidc::AuthError),
    #[error(transparent)]
    Http(#[from] crate::http::HttpError),
    #[error("no profile named \"{name}\"; {}", known_list("profiles", .known, "create one with `simcred profile add NAME --service SERVICE`"))]
    UnknownProfile { name: String, known: Vec<String> },
    #[error("profile \"{profile}\" has no key named \"{name}\"; {}", known_list("keys", .known, "add one with `simcred key add`"))]
    UnknownKey {
        profile: String,
        name: String,
        known: Vec<String>,
    },
    #[error("profile \"{profile}\" has no key yet; add one with `simcred key add {profile} NAME` (the key is read from standard input)")]
    NoKeys { profile: String },
    #[error("a profile named \"{0}\" already exists; pick another name or edit it with `simcred profile edit`")]
    ProfileExists(String),
    #[error("profile \"{profile}\" already has a key named \"{name}\"; use `simcred key replace {profile} {name}` to change its value, or pick another name")]
    KeyExists { profile: String, name: String },
    #[error("the keyring has no secret for {profile}/{name} (removed outside SimCred?); add it again with `simcred key add`")]
    SecretMissing { profile: String, name: String },
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Io(String),
}

fn known_list(what: &str, known: &[String], otherwise: &str) -> String {
    if known.is_empty() {
        format!("there are no {what} yet: {otherwise}")
    } else {
        format!("the {what} are: {}", known.join(", "))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
