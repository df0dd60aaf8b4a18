//! The services SimCred speaks to, one module each, behind the [`Provider`] trait.
//!
//! A provider says what its service can do with a stored key: check it against the server,
//! which environment variables hand it to the vendor's client (`simcred run`), and how many keys
//! a profile may hold. Vendor credential files (export/import) are in each module too.

pub mod dlubal;
pub mod modelon;
pub mod oidc;

use crate::http::NetOptions;
use crate::profile::{Profile, Service};
use crate::secret::Secret;

/// How many keys a profile of a service holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPolicy {
    /// Exactly one personal key (Modelon Impact: one per server).
    Single { default_name: &'static str },
    /// Several named keys with a default (Dlubal).
    Named,
    /// No API keys: the service signs in with OAuth tokens (SimAI, OIDC).
    TokensOnly,
}

/// The outcome of checking a key with its service.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckOutcome {
    /// Accepted; `detail` says who it belongs to (user name, license).
    Valid { detail: String },
    /// Rejected by the service.
    Invalid { reason: String },
    /// The service could not be asked.
    Unreachable { reason: String },
    /// The service cannot be asked from here.
    NotCheckable { reason: String },
}

/// What a service can do. Adding a service is adding a module that implements this.
pub trait Provider: Sync {
    fn service(&self) -> Service;
    fn key_policy(&self) -> KeyPolicy;
    /// Settings a new profile gets when the user gives none.
    fn default_settings(&self) -> Vec<(&'static str, &'static str)> {
        Vec::new()
    }
    /// Checks a profile's settings; returns a sentence per problem.
    fn validate_settings(&self, _profile: &Profile) -> Vec<String> {
        Vec::new()
    }
    /// Normalises a key name (Dlubal's reader lower-cases them) or refuses it.
    fn normalize_key_name(&self, name: &str) -> Result<String, String> {
        Ok(name.to_string())
    }
    /// Refuses a key value the vendor's client could not use (checked before anything is stored,
    /// by the CLI and the app alike). By default: no control characters inside.
    fn check_key_value(&self, value: &str) -> Result<(), String> {
        if value.chars().any(|c| c.is_control()) {
            return Err(
                "the key contains a control character (a line break, NUL or escape); copy it again"
                    .into(),
            );
        }
        Ok(())
    }
    /// Asks the service whether the key works.
    fn check(&self, profile: &Profile, key: &Secret, net: &NetOptions) -> CheckOutcome;
    /// Environment variables that hand the key to the vendor's client.
    fn env(&self, profile: &Profile, key_name: &str, key: &Secret) -> Vec<(String, String)>;
}

struct TokenOnly(Service);

impl Provider for TokenOnly {
    fn service(&self) -> Service {
        self.0
    }
    fn key_policy(&self) -> KeyPolicy {
        KeyPolicy::TokensOnly
    }
    fn default_settings(&self) -> Vec<(&'static str, &'static str)> {
        if self.0 == Service::Simai {
            vec![("url", oidc::SIMAI_DEFAULT_URL)]
        } else {
            Vec::new()
        }
    }
    fn validate_settings(&self, profile: &Profile) -> Vec<String> {
        let mut v = Vec::new();
        if self.0 == Service::Simai && profile.setting("organization").is_none() {
            v.push("a SimAI profile needs an organization (--organization NAME)".into());
        }
        if self.0 == Service::Oidc {
            if profile.setting("issuer").is_none() {
                v.push("an OIDC profile needs an issuer (--issuer URL)".into());
            }
            if profile.setting("client_id").is_none() {
                v.push("an OIDC profile needs a client id (--client-id ID)".into());
            }
        }
        v
    }
    fn check(&self, _: &Profile, _: &Secret, _: &NetOptions) -> CheckOutcome {
        CheckOutcome::NotCheckable {
            reason: "sign-in services have no API keys; use `simcred token`".into(),
        }
    }
    fn env(&self, _: &Profile, _: &str, _: &Secret) -> Vec<(String, String)> {
        Vec::new()
    }
}

static SIMAI: TokenOnly = TokenOnly(Service::Simai);
static OIDC: TokenOnly = TokenOnly(Service::Oidc);

/// The provider for a service.
pub fn provider(service: Service) -> &'static dyn Provider {
    match service {
        Service::Modelon => &modelon::Modelon,
        Service::Dlubal => &dlubal::Dlubal,
        Service::Simai => &SIMAI,
        Service::Oidc => &OIDC,
    }
}

/// Network options from a profile's settings.
pub fn net_options(profile: &Profile) -> NetOptions {
    NetOptions {
        timeout: profile
            .setting("timeout")
            .and_then(|t| t.parse().ok())
            .map(std::time::Duration::from_secs),
        https_proxy: profile.setting("https_proxy").map(String::from),
        tls_ca_bundle: profile.setting("tls_ca_bundle").map(String::from),
    }
}
