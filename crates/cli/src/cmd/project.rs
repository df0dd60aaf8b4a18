//! Which profile a command uses when it is given none: the one the project file
//! (`.simcred.toml`, from the current directory upwards; see `simcred_core::project`) names for
//! the service asked for, or for the only service in it that can do what the command does.

use anyhow::Result;
use simcred_core::providers::KeyPolicy;
use simcred_core::{Service, Simcred};

/// Services with API keys (`key get`, `key copy`, …).
pub fn has_keys(s: Service) -> bool {
    s.provider().key_policy() != KeyPolicy::TokensOnly
}

/// Services that sign in and hand out access tokens (`token`).
pub fn signs_in(s: Service) -> bool {
    s.provider().key_policy() == KeyPolicy::TokensOnly
}

/// `profile` when named, else the project file's profile of `service` (or of the only
/// service in the file that `fits`).
pub fn profile_or_project(
    sc: &Simcred,
    profile: Option<&str>,
    service: Option<Service>,
    fits: fn(Service) -> bool,
) -> Result<String> {
    match profile {
        Some(p) => Ok(p.to_string()),
        None => Ok(sc.project_profile(service, fits)?),
    }
}
