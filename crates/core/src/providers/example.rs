//! Example Cloud: a made-up plain API-key vendor, built only with the `example-vendor` feature.
//! It exists to show (and test) that a vendor is this one file plus its line in
//! [`super::ALL`]: the CLI lists it, stores its keys and hands them to a child through `run`,
//! and the app's profile editor offers it, with no other edit anywhere.

use super::{Hints, KeyPolicy, Provider, Setting, SettingKind};
use crate::profile::Profile;
use crate::secret::Secret;

/// The example vendor.
pub struct Example;

const SETTINGS: &[Setting] = &[Setting {
    kind: SettingKind::Url,
    default: Some("https://api.example.invalid/"),
    flag: true,
    ..Setting::text("url", "API URL")
}];

impl Provider for Example {
    fn id(&self) -> &'static str {
        "example"
    }
    fn display_name(&self) -> &'static str {
        "Example Cloud"
    }
    fn key_policy(&self) -> KeyPolicy {
        KeyPolicy::Named
    }
    fn settings(&self) -> &'static [Setting] {
        SETTINGS
    }
    fn env(&self, profile: &Profile, _key_name: &str, key: &Secret) -> Vec<(String, String)> {
        vec![
            ("EXAMPLE_API_KEY".into(), key.expose().into()),
            (
                "EXAMPLE_URL".into(),
                profile.setting("url").unwrap_or_default().into(),
            ),
        ]
    }
    fn hints(&self) -> Hints {
        Hints {
            key_name_example: Some("ci"),
            profile_name_example: "example",
            ..Hints::default()
        }
    }
}
