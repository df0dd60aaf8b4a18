//! [`Service`]: one of the services of the registry as the model names it — by its id
//! (`simai`, `modelon`, …), by which it is compared, hashed, printed and serialised. A leaf (it
//! imports nothing of the core), so `profile.rs` can hold services without importing the
//! registry whose providers take profiles. What needs the registry — [`Service::provider`],
//! `display_name`, `all`, `of`, registry order and parsing a name — is defined with it in
//! `providers/mod.rs`. Re-exported as `profile::Service` and `simcred_core::Service`.

use serde::Serialize;
use std::fmt;

/// One of the services in the registry ([`crate::providers::ALL`]): a handle on its provider
/// ([`Service::provider`]). Compared, hashed, printed and serialised by its id (`simai`,
/// `modelon`, ...); ordered as the registry lists them.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Service(
    /// The provider's id; only ever one of the registry's (see `providers/mod.rs`).
    pub(crate) &'static str,
);

impl Service {
    /// The id used in `profiles.toml`, on the command line and in the app (`modelon`).
    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl PartialOrd for Service {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Debug for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Service {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
