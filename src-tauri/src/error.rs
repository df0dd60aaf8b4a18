//! Errors as the web UI receives them: `{ "code": "...", "message": "..." }`.
//!
//! `message` is the core's `Display` text, which says what went wrong and what to do next and
//! never contains a secret; `code` is a stable machine name the UI may branch on (for example
//! `cancelled` for a device login the user cancelled).

use serde::Serialize;
#[cfg(test)]
use simcred_core::providers::oauth::AuthError;
use simcred_core::Error;

/// An error returned by a command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UiError {
    pub code: &'static str,
    pub message: String,
    /// The form fields the error is about (settings that do not fit), so the UI can mark each
    /// field and say what is wrong under it; empty for other errors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

/// What is wrong with one form field: the setting's name, its form label and the problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub name: String,
    pub label: String,
    pub message: String,
}

impl UiError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        UiError {
            code,
            message: message.into(),
            fields: Vec::new(),
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
        match &e {
            // The app names fields by their labels ("TLS CA bundle: …"), not by the setting
            // names the CLI uses, and hands each problem over for its field.
            Error::Settings(problems) => {
                let fields: Vec<FieldError> = problems
                    .iter()
                    .map(|p| FieldError {
                        name: p.setting.clone(),
                        label: p.label.clone(),
                        message: p.message.clone(),
                    })
                    .collect();
                let message = fields
                    .iter()
                    .map(|f| format!("{}: {}", f.label, f.message))
                    .collect::<Vec<_>>()
                    .join("; ");
                UiError {
                    code: code_of(&e),
                    message,
                    fields,
                }
            }
            _ => UiError::new(code_of(&e), e.to_string()),
        }
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

    #[test]
    fn setting_problems_name_the_field_by_its_label() {
        let e: UiError = Error::Settings(vec![simcred_core::error::SettingProblem {
            setting: "tls_ca_bundle".into(),
            label: "TLS CA bundle".into(),
            message: "/nope is not a file".into(),
        }])
        .into();
        assert_eq!(e.message, "TLS CA bundle: /nope is not a file");
        assert!(!e.message.contains("tls_ca_bundle"));
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["fields"][0]["name"], "tls_ca_bundle");
        assert_eq!(v["fields"][0]["message"], "/nope is not a file");
        let other = serde_json::to_value(UiError::invalid("x")).unwrap();
        assert!(other.get("fields").is_none());
    }
}
