//! The registry's side of [`Service`] (defined by its id in the leaf `service.rs`): what needs
//! the providers themselves — [`Service::provider`], `display_name`, `all`, `of`, the registry
//! order and parsing a service's name. It imports the registry (`providers/mod.rs`) and nothing
//! imports it: inherent and trait impls need no import to be used.

use super::{Provider, ALL};
use crate::service::Service;

impl Service {
    /// Every service of the registry, in the order the faces list them.
    pub fn all() -> impl Iterator<Item = Service> {
        ALL.iter().map(|p| Service(p.id()))
    }

    /// The service with this provider (one of [`ALL`]).
    pub fn of(provider: &'static dyn Provider) -> Service {
        Service(provider.id())
    }

    /// Everything the service's provider knows and does.
    pub fn provider(self) -> &'static dyn Provider {
        // A Service is made only from a provider of the registry (`all`, `of`, `from_str`).
        ALL.iter()
            .copied()
            .find(|p| p.id() == self.0)
            .unwrap_or_else(|| unreachable!("service {} is not in the registry", self.0))
    }

    /// The vendor's product name, for people.
    pub fn display_name(self) -> &'static str {
        self.provider().display_name()
    }
}

impl Ord for Service {
    /// Registry order.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let pos = |s: &Service| ALL.iter().position(|p| p.id() == s.as_str());
        pos(self).cmp(&pos(other))
    }
}

impl std::str::FromStr for Service {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let want = s.trim().to_ascii_lowercase();
        Service::all().find(|v| v.as_str() == want).ok_or_else(|| {
            format!(
                "unknown service \"{}\"; choose one of: {}",
                crate::text::safe(s),
                Service::all()
                    .map(|v| v.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
    }
}
