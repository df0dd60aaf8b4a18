//! Checking a profile's settings against its service's descriptors in the registry: which
//! names exist ([`check_setting_names`]), and whether each value fits its kind and required
//! settings are there ([`validate_profile`]). One place for the CLI and the app.

use crate::error::{Error, Result, SettingProblem};
use crate::profile::{Profile, Service};
use crate::providers::{check_setting, settings_of};

/// Names SimCred manages itself in a profile's table.
const RESERVED: [&str; 4] = ["service", "keys", "tokens", "default_key"];

/// Refuses setting names the service does not have (and the ones SimCred manages).
pub fn check_setting_names<'a>(
    service: Service,
    names: impl Iterator<Item = &'a str>,
) -> Result<()> {
    let known = settings_of(service);
    for n in names {
        if RESERVED.contains(&n) {
            return Err(Error::Invalid(format!(
                "\"{}\" is managed by SimCred and cannot be set by hand",
                crate::text::safe(n)
            )));
        }
        if !known.iter().any(|s| s.name == n) {
            return Err(Error::UnknownSetting {
                name: crate::text::safe(n),
                service: service.display_name().to_string(),
                known: known.iter().map(|s| s.name.to_string()).collect(),
            });
        }
    }
    Ok(())
}

/// Every problem with a profile's settings: required ones missing, values that do not fit
/// their kind, and the service's own cross-setting checks.
pub fn problems(p: &Profile) -> Vec<SettingProblem> {
    let mut out = Vec::new();
    for s in settings_of(p.service) {
        let problem = match p.setting(s.name) {
            None if s.required => Some("a value is required".to_string()),
            None => None,
            Some(v) => check_setting(&s, v).err(),
        };
        if let Some(message) = problem {
            out.push(SettingProblem {
                setting: s.name.to_string(),
                label: s.label.to_string(),
                message,
            });
        }
    }
    for message in p.service.provider().validate_settings(p) {
        out.push(SettingProblem {
            setting: String::new(),
            label: String::new(),
            message,
        });
    }
    out
}

/// [`problems`] as an error, when there are any.
pub fn validate_profile(p: &Profile) -> Result<()> {
    let found = problems(p);
    if found.is_empty() {
        Ok(())
    } else {
        Err(Error::Settings(found))
    }
}
