//! The registry of services: [`ALL`] lists one [`Provider`] per vendor, and everything else in
//! SimCred — the CLI's `--service` values and help, the app's service list and forms, settings
//! validation, `status`, `run`, import and export — asks the registry instead of naming vendors.
//!
//! A provider describes itself (id, name, key policy, its settings with their kinds and
//! defaults, hints for the faces), checks keys with its service, says which environment hands a
//! key to the vendor's client, and optionally brings a sign-in ([`SignIn`]) and the vendor's own
//! credential files ([`files::VendorFiles`]). Adding a plain API-key vendor is one new file in
//! this directory and one line in [`ALL`] (see `example.rs`, built with the `example-vendor`
//! feature for the tests).

pub mod dlubal;
pub mod dlubal_check;
#[cfg(feature = "example-vendor")]
pub mod example;
pub mod files;
pub mod ini;
pub mod modelon;
pub mod oauth;
pub mod oidc;
mod service;
pub mod simai;
mod simai_config;

use crate::http::{Http, NetOptions};
use crate::profile::Profile;
use crate::secret::Secret;
use crate::service::Service;
use serde::Serialize;

/// Every service SimCred knows, in the order the faces list them.
pub static ALL: &[&dyn Provider] = &[
    &simai::Simai,
    &modelon::Modelon,
    &dlubal::Dlubal,
    &oidc::Oidc,
    #[cfg(feature = "example-vendor")]
    &example::Example,
];

/// How many keys a profile of a service holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPolicy {
    /// Exactly one personal key (one per server), stored under `default_name`.
    Single { default_name: &'static str },
    /// Several named keys with a default.
    Named,
    /// No API keys: the service signs in with OAuth tokens.
    TokensOnly,
}

impl KeyPolicy {
    /// `single`, `named` or `tokens`: the faces' word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyPolicy::Single { .. } => "single",
            KeyPolicy::Named => "named",
            KeyPolicy::TokensOnly => "tokens",
        }
    }
}

/// The outcome of checking a key with its service.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckOutcome {
    /// Accepted; `detail` says who it belongs to (user name, license), `account` the user.
    Valid {
        detail: String,
        account: Option<String>,
        /// The plan and how much of it is used (Dlubal: "plan Pro · 1,234 of 10,000 API
        /// requests this month"), when the service says.
        usage: Option<String>,
    },
    /// Rejected by the service.
    Invalid { reason: String },
    /// The service knows the key but the plan does not allow its use now (not allowed, or the
    /// month's limit reached); `reason` is the service's sentence.
    Restricted { reason: String },
    /// The service could not be asked.
    Unreachable { reason: String },
    /// The service cannot be asked from here.
    NotCheckable { reason: String },
}

/// What kind of value a setting holds; each kind has its own validation and form control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SettingKind {
    /// Free text (one line, no control characters).
    Text,
    /// A service URL: https, or http to loopback only.
    Url,
    /// A proxy URL such as `http://proxy:3128`.
    Proxy,
    /// `system`, `unsecure-none` or the path of a PEM file.
    CaBundle,
    /// A positive whole number of seconds (at most an hour).
    Seconds,
    /// `true` or `false` (written as a TOML boolean).
    Bool,
}

/// One setting a profile of a service may have.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Setting {
    /// The name in `profiles.toml` and in `--set NAME=VALUE`.
    pub name: &'static str,
    /// The label in forms.
    pub label: &'static str,
    pub kind: SettingKind,
    /// Whether a profile needs it.
    pub required: bool,
    /// The value a new profile gets when none is given.
    pub default: Option<&'static str>,
    /// An example value for the form's placeholder.
    pub placeholder: Option<&'static str>,
    /// One sentence of help.
    pub help: Option<&'static str>,
    /// Shown in a collapsed group of the form (network and rarely used settings).
    pub advanced: bool,
    /// Whether the CLI offers `--NAME VALUE` for it on `profile add` (besides `--set`).
    #[serde(skip)]
    pub flag: bool,
}

impl Setting {
    /// A text setting with everything else off; adjust with struct update syntax.
    pub const fn text(name: &'static str, label: &'static str) -> Setting {
        Setting {
            name,
            label,
            kind: SettingKind::Text,
            required: false,
            default: None,
            placeholder: None,
            help: None,
            advanced: false,
            flag: false,
        }
    }
}

/// The TLS CA bundle setting (`tls_ca_bundle`).
pub const TLS_CA_BUNDLE: Setting = Setting {
    kind: SettingKind::CaBundle,
    placeholder: Some("system"),
    help: Some("system, the full path of a PEM file, or unsecure-none (no certificate checks)."),
    advanced: true,
    ..Setting::text("tls_ca_bundle", "TLS CA bundle")
};

/// The request timeout setting (`timeout`, seconds).
pub const TIMEOUT: Setting = Setting {
    kind: SettingKind::Seconds,
    placeholder: Some("15"),
    advanced: true,
    ..Setting::text("timeout", "Timeout (s)")
};

/// Settings every networked service has (after its own), in form order.
pub const NETWORK_SETTINGS: [Setting; 3] = [
    Setting {
        kind: SettingKind::Proxy,
        placeholder: Some("http://proxy:3128"),
        help: Some("Used for https:// requests to this service; never for this computer."),
        advanced: true,
        ..Setting::text("https_proxy", "HTTPS proxy")
    },
    TLS_CA_BUNDLE,
    TIMEOUT,
];

/// The setting every service has (last in forms).
pub const DESCRIPTION: Setting = Setting {
    placeholder: Some("What this profile is for"),
    advanced: true,
    ..Setting::text("description", "Description")
};

/// Words and places the faces show for a service.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Hints {
    /// An example key name (named keys).
    pub key_name_example: Option<&'static str>,
    /// A sentence shown under the key input.
    pub key_rules: Option<&'static str>,
    /// Where new keys are made, relative to the profile's `url`.
    pub key_page: Option<&'static str>,
    /// An example profile name.
    pub profile_name_example: &'static str,
}

/// What a service can do. Adding a service is adding a module that implements this and one
/// line in [`ALL`].
pub trait Provider: Sync + Send {
    /// The id in `profiles.toml`, on the command line and in the app.
    fn id(&self) -> &'static str;
    /// The vendor's product name, for people.
    fn display_name(&self) -> &'static str;
    fn key_policy(&self) -> KeyPolicy;
    /// The service's own settings, in form order (the network settings and `description` are
    /// added by [`settings_of`]).
    fn settings(&self) -> &'static [Setting] {
        &[]
    }
    /// Whether SimCred ever contacts the service (then it gets the network settings).
    fn network(&self) -> bool {
        true
    }
    /// Cross-setting checks beyond each setting's own kind and `required`; one sentence each.
    fn validate_settings(&self, _profile: &Profile) -> Vec<String> {
        Vec::new()
    }
    /// Normalises a key name (a reader that lower-cases them) or refuses it.
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
    /// Whether [`Provider::check`] asks the service (else keys are "stored · not checkable").
    fn checkable(&self) -> bool {
        false
    }
    /// Whether each check may count against a plan's limit (Dlubal: every call counts against
    /// the company's monthly API requests). Such keys are checked only when someone asks (`key
    /// check`, Check, Refresh, `status --check`), never in the app's background checks.
    fn metered(&self) -> bool {
        false
    }
    /// Warnings about a profile's settings that are allowed but risky, one sentence each.
    fn warnings(&self, _profile: &Profile) -> Vec<String> {
        Vec::new()
    }
    /// Asks the service whether the key works.
    fn check(&self, _profile: &Profile, _key: &Secret, _net: &NetOptions) -> CheckOutcome {
        CheckOutcome::NotCheckable {
            reason: format!("{} keys cannot be checked from here", self.display_name()),
        }
    }
    /// Environment variables that hand the key to the vendor's client (`run`).
    fn env(&self, _profile: &Profile, _key_name: &str, _key: &Secret) -> Vec<(String, String)> {
        Vec::new()
    }
    /// Files the vendor's client reads its key from, for `run` to hand over privately (for
    /// clients that read no variable). Empty by default.
    fn run_files(
        &self,
        _profile: &Profile,
        _key_name: &str,
        _key: &Secret,
    ) -> Vec<crate::run_files::RunFile> {
        Vec::new()
    }
    /// The vendor's own credential files its client may write the key to during a `run`,
    /// which the run keeps as they were (see [`crate::aftercare`]). Empty by default.
    fn run_watch(&self, _profile: &Profile) -> Vec<crate::run_files::Watch> {
        Vec::new()
    }
    /// The sign-in, for services that sign in instead of holding API keys.
    fn sign_in(&self) -> Option<&dyn SignIn> {
        None
    }
    /// The vendor's own credential files, when SimCred can import from and export to them.
    fn files(&self) -> Option<&dyn files::VendorFiles> {
        None
    }
    /// Words and places for the faces.
    fn hints(&self) -> Hints {
        Hints::default()
    }
}

/// A service that signs in with OAuth (device login, password + TOTP, offline tokens).
pub trait SignIn: Sync {
    /// Where and as whom to sign in for this profile; `http` is the profile's client.
    fn target(&self, profile: &Profile, http: Http) -> Result<oauth::AuthTarget, crate::Error>;
    /// The client id a stored token must be refreshed and revoked with, given its `azp`
    /// (legacy tokens issued to another client); `None` for the target's own client.
    fn client_for(&self, _azp: Option<&str>) -> Option<&'static str> {
        None
    }
    /// The variable `run` sets to a fresh access token.
    fn access_token_env(&self) -> &'static str;
    /// Files that let the vendor's client get its own tokens from the offline token, for
    /// `run --files` (a job that outlives any access token); the access-token variable is then
    /// removed from the child's environment. Empty when the service has none.
    fn run_files(&self, _profile: &Profile, _offline: &Secret) -> Vec<crate::run_files::RunFile> {
        Vec::new()
    }
    /// The client a token without an `azp` claim is taken to belong to.
    fn default_client(&self, profile: &Profile) -> String;
    /// The clients SimCred can keep an offline token of, one each (`offline-token --client`),
    /// the default client first.
    fn clients(&self, profile: &Profile) -> Vec<String> {
        vec![self.default_client(profile)]
    }
    /// The service's consents API (offline tokens granted to clients), when it has one.
    fn consents(&self) -> Option<&dyn Consents> {
        None
    }
}

/// A service API that lists and revokes consents (offline tokens granted to clients).
pub trait Consents: Sync {
    /// The consents of the signed-in user.
    fn list(&self, profile: &Profile, access: &Secret)
        -> Result<Vec<oauth::Consent>, crate::Error>;
    /// Revokes one client's consent.
    fn revoke(
        &self,
        profile: &Profile,
        access: &Secret,
        client_id: &str,
    ) -> Result<(), crate::Error>;
}

/// The provider of a service.
pub fn provider(service: Service) -> &'static dyn Provider {
    service.provider()
}

/// Every setting a profile of `service` may have, in form order: the service's own, then the
/// network ones (for networked services), then `description`.
pub fn settings_of(service: Service) -> Vec<Setting> {
    let p = service.provider();
    let mut all = p.settings().to_vec();
    if p.network() {
        all.extend(NETWORK_SETTINGS);
    }
    all.push(DESCRIPTION);
    all
}

/// The setting `name` of `service`, if it has one.
pub fn setting_of(service: Service, name: &str) -> Option<Setting> {
    settings_of(service).into_iter().find(|s| s.name == name)
}

/// Checks one setting's value against its kind; the sentence does not name the setting (the
/// caller does, by name or by label).
pub fn check_setting(s: &Setting, value: &str) -> Result<(), String> {
    let v = value.trim();
    let shown = crate::text::safe_short(v, 120);
    if value.chars().any(crate::text::is_unsafe) {
        return Err("contains a control character".into());
    }
    match s.kind {
        SettingKind::Text => Ok(()),
        SettingKind::Url => crate::http::parse_service_url(v)
            .map(|_| ())
            .map_err(|e| e.to_string()),
        SettingKind::Proxy => match url::Url::parse(v) {
            Ok(u)
                if matches!(u.scheme(), "http" | "https" | "socks5" | "socks5h")
                    && u.host().is_some() =>
            {
                Ok(())
            }
            _ => Err(format!(
                "\"{shown}\" is not a proxy URL such as http://proxy:3128"
            )),
        },
        SettingKind::CaBundle => {
            if v == "system" || v == "unsecure-none" || std::path::Path::new(v).is_file() {
                Ok(())
            } else {
                Err(format!(
                    "{shown} is not a file (use system, unsecure-none or the path of a PEM file)"
                ))
            }
        }
        SettingKind::Seconds => match v.parse::<u64>() {
            Ok(n) if (1..=3600).contains(&n) => Ok(()),
            _ => Err(format!(
                "\"{shown}\" is not a number of seconds from 1 to 3600"
            )),
        },
        SettingKind::Bool => match v {
            "true" | "false" => Ok(()),
            _ => Err(format!("must be true or false, not \"{shown}\"")),
        },
    }
}

/// What `run` hands a service's client, by name only: the variables it sets (each with
/// whether it carries the secret) and the vendor files it writes privately; with `--files`,
/// the files (and directories) it writes instead of the variables.
pub struct HandedOver {
    pub variables: Vec<(String, bool)>,
    pub files: Vec<String>,
    pub with_files_option: Vec<String>,
}

/// [`HandedOver`] for `service`, found by asking its provider with an empty profile and a
/// probe value (so the answer can never drift from what `run` really does).
pub fn handed_over(service: Service) -> HandedOver {
    let p = service.provider();
    let probe = Secret::new("simcred-probe-value");
    let prof = Profile {
        name: "p".into(),
        service,
        settings: Default::default(),
        default_key: None,
        keys: vec![],
        tokens: vec![],
        store: None,
    };
    if let Some(si) = p.sign_in() {
        return HandedOver {
            variables: vec![(si.access_token_env().to_string(), true)],
            files: vec![],
            with_files_option: si
                .run_files(&prof, &probe)
                .into_iter()
                .map(|f| match f.content {
                    Some(_) => f.path,
                    None => format!("{}/", f.path),
                })
                .collect(),
        };
    }
    HandedOver {
        variables: p
            .env(&prof, "NAME", &probe)
            .into_iter()
            .map(|(k, v)| (k, v == probe.expose()))
            .collect(),
        files: p
            .run_files(&prof, "NAME", &probe)
            .into_iter()
            .map(|f| f.path)
            .collect(),
        with_files_option: vec![],
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

/// What the faces need to know about a service, as one serialisable value.
#[derive(Debug, Clone, Serialize)]
pub struct Descriptor {
    pub id: &'static str,
    pub name: &'static str,
    pub key_policy: &'static str,
    /// The fixed key name of a single-key service.
    pub key_name: Option<&'static str>,
    pub key_name_example: Option<&'static str>,
    pub key_rules: Option<&'static str>,
    pub checkable: bool,
    pub key_page: Option<&'static str>,
    /// Whether the service stores key names in lower case (the app warns as you type).
    pub key_names_lowercase: bool,
    pub profile_name_example: &'static str,
    pub sign_in: Option<SignInDescriptor>,
    pub files: Option<FilesDescriptor>,
    pub settings: Vec<Setting>,
}

/// What a sign-in service offers.
#[derive(Debug, Clone, Serialize)]
pub struct SignInDescriptor {
    pub device: bool,
    pub password: bool,
    pub offline: bool,
    pub consents: bool,
    /// The clients an offline token can be kept of, the default first, when the service has
    /// several (SimAI); empty when it has one (its profile's own client).
    pub clients: Vec<String>,
}

/// What a service's vendor files offer.
#[derive(Debug, Clone, Serialize)]
pub struct FilesDescriptor {
    pub label: &'static str,
    pub export: bool,
    pub import: bool,
    pub export_force: bool,
    pub export_secret: Option<SecretOption>,
}

/// The "also write the secret" option of an export.
#[derive(Debug, Clone, Serialize)]
pub struct SecretOption {
    pub label: &'static str,
}

/// The descriptor of one service.
pub fn describe(service: Service) -> Descriptor {
    let p = service.provider();
    let h = p.hints();
    Descriptor {
        id: p.id(),
        name: p.display_name(),
        key_policy: p.key_policy().as_str(),
        key_name: match p.key_policy() {
            KeyPolicy::Single { default_name } => Some(default_name),
            _ => None,
        },
        key_name_example: h.key_name_example,
        key_rules: h.key_rules,
        checkable: p.checkable(),
        key_page: h.key_page,
        key_names_lowercase: p.normalize_key_name("Ab").is_ok_and(|n| n == "ab"),
        profile_name_example: h.profile_name_example,
        sign_in: p.sign_in().map(|s| SignInDescriptor {
            device: true,
            password: true,
            offline: true,
            consents: s.consents().is_some(),
            clients: {
                let blank = Profile {
                    name: String::new(),
                    service,
                    settings: Default::default(),
                    default_key: None,
                    keys: vec![],
                    tokens: vec![],
                    store: None,
                };
                Some(s.clients(&blank))
                    .filter(|c| c.len() > 1)
                    .unwrap_or_default()
            },
        }),
        files: p.files().map(|f| FilesDescriptor {
            label: f.label(),
            export: true,
            import: true,
            export_force: f.export_force(),
            export_secret: f.export_secret_label().map(|label| SecretOption { label }),
        }),
        settings: settings_of(service),
    }
}

/// The descriptors of every service, in registry order.
pub fn descriptors() -> Vec<Descriptor> {
    Service::all().map(describe).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_names_and_every_setting_has_a_label() {
        let mut ids: Vec<&str> = ALL.iter().map(|p| p.id()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), ALL.len());
        for s in Service::all() {
            crate::profile::validate_name("service", s.as_str()).unwrap();
            let names: Vec<&str> = settings_of(s).iter().map(|x| x.name).collect();
            let mut unique = names.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), names.len(), "{s}: {names:?}");
            assert!(settings_of(s).iter().all(|x| !x.label.is_empty()));
        }
    }

    #[test]
    fn setting_kinds_validate() {
        let t = |k: SettingKind| Setting {
            kind: k,
            ..Setting::text("x", "X")
        };
        assert!(check_setting(&t(SettingKind::Url), "https://a.example/").is_ok());
        assert!(check_setting(&t(SettingKind::Url), "http://a.example/").is_err());
        assert!(check_setting(&t(SettingKind::Proxy), "http://p:3128").is_ok());
        assert!(check_setting(&t(SettingKind::Proxy), "p:3128").is_err());
        assert!(check_setting(&t(SettingKind::Seconds), "30").is_ok());
        assert!(check_setting(&t(SettingKind::Seconds), "0").is_err());
        assert!(check_setting(&t(SettingKind::Bool), "yes").is_err());
        assert!(check_setting(&t(SettingKind::CaBundle), "system").is_ok());
        assert!(check_setting(&t(SettingKind::CaBundle), "/nonexistent.pem").is_err());
        assert!(check_setting(&t(SettingKind::Text), "a\u{1b}b").is_err());
    }
}
