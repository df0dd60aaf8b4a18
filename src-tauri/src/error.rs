//! Errors as the web UI receives them: `{ "code": "...", "message": "..." }`.
//!
//! `message` is the core's `Display` text, which says what went wrong and what to do next and
//! never contains a secret; `code` is a stable machine name the UI may branch on (for example
//! `cancelled` for a device login the user cancelled).

use serde::Serialize;
#[cfg(test)]
use simcred_core::providers::oidc::AuthError;
use simcred_core::Error;

/// An error returned by a command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UiError {
    pub code: &'static str,
    pub message: String,
}

impl UiError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        UiError {
            code,
            message: message.into(),
        }
    }

    /// A request the UI should not have made (unknown id, bad argument).
    pub fn invalid(message: impl Into<String>) -> Self {
        UiError::new("invalid", message)
    }

    /// Something inside the app went wrong (a panicked worker, a poisoned lock).
    pub fn internal(message: impl Into<String>) -> Self {
        UiError::new("internal", message)
    }
}

impl std::fmt::Display for UiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The stable code of a core error (the core's own [`Error::code`]).
pub fn code_of(e: &Error) -> &'static str {
    e.code()
}

impl From<Error> for UiError {
    fn from(e: Error) -> Self {
        UiError::new(code_of(&e), e.to_string())
    }
}

impl From<simcred_core::clipboard::ClipboardError> for UiError {
    fn from(e: simcred_core::clipboard::ClipboardError) -> Self {
        UiError::new("clipboard", e.to_string())
    }
}

impl From<simcred_core::config::ConfigError> for UiError {
    fn from(e: simcred_core::config::ConfigError) -> Self {
        Error::from(e).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_code_and_core_message() {
        let e: UiError = Error::ProfileExists("rfem".into()).into();
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["code"], "profile_exists");
        assert!(v["message"]
            .as_str()
            .unwrap()
            .starts_with("a profile named \"rfem\" already exists"));
        let c: UiError = Error::Auth(AuthError::Cancelled).into();
        assert_eq!(c.code, "cancelled");
    }
}
