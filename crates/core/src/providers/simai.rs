//! Ansys SimAI: signs in with OAuth against the Keycloak realm `{API host}/auth/realms/simai`
//! (public client `com.ansys.simai.sdk`; legacy offline tokens were issued to client `sdk`),
//! lists and revokes consents with the SimAI API (`{url}users/offline-tokens`, header `x-org`),
//! and reads and writes the SDK's own config file (TOML, one table per profile, the SDK's field
//! names, `offline_token` optional).
//!
//! The config file's part (where the SDK looks for it, reading, writing, the config `run
//! --files` hands the SDK) is in `simai_config.rs`, re-exported here under its old paths.

use super::files::VendorFiles;
use super::oauth::{AuthTarget, Consent, Endpoints};
use super::simai_config::SimaiFiles;
pub use super::simai_config::{
    config_path, parse_config, run_config, Simai, CACHE_DIR, FIELDS, WINDOWS_CACHE_DIR,
};
use super::{Consents, Hints, KeyPolicy, Provider, Setting, SettingKind, SignIn};
use crate::error::{Error, Result};
use crate::http::{parse_service_url, Http, Reply};
use crate::profile::Profile;
use crate::run_files::{Base, RunFile};
use crate::secret::Secret;
use url::Url;

/// The SDK's public client id.
pub const CLIENT_ID: &str = "com.ansys.simai.sdk";
/// The client id of legacy SimAI offline tokens (`azp: "sdk"`).
pub const LEGACY_CLIENT_ID: &str = "sdk";
/// The SimAI API's default URL.
pub const DEFAULT_URL: &str = "https://api.simai.ansys.com/v2/";

const SETTINGS: &[Setting] = &[
    Setting {
        required: true,
        placeholder: Some("my-company"),
        help: Some("Your SimAI organization, as in the SDK's config."),
        flag: true,
        ..Setting::text("organization", "Organization")
    },
    Setting {
        kind: SettingKind::Url,
        default: Some(DEFAULT_URL),
        placeholder: Some(DEFAULT_URL),
        flag: true,
        ..Setting::text("url", "API URL")
    },
    Setting::text("workspace", "Workspace"),
    Setting::text("project", "Project"),
    Setting {
        advanced: true,
        ..Setting::text("geomai_workspace", "GeomAI workspace")
    },
    Setting {
        advanced: true,
        ..Setting::text("geomai_project", "GeomAI project")
    },
    Setting {
        kind: SettingKind::Bool,
        advanced: true,
        ..Setting::text("interactive", "Interactive")
    },
    Setting {
        kind: SettingKind::Bool,
        advanced: true,
        ..Setting::text("skip_version_check", "Skip version check")
    },
    Setting {
        kind: SettingKind::Bool,
        advanced: true,
        ..Setting::text("no_sse_connection", "No SSE connection")
    },
];

impl Provider for Simai {
    fn id(&self) -> &'static str {
        "simai"
    }
    fn display_name(&self) -> &'static str {
        "Ansys SimAI"
    }
    fn key_policy(&self) -> KeyPolicy {
        KeyPolicy::TokensOnly
    }
    fn settings(&self) -> &'static [Setting] {
        SETTINGS
    }
    fn sign_in(&self) -> Option<&dyn SignIn> {
        Some(&SimaiSignIn)
    }
    fn files(&self) -> Option<&dyn VendorFiles> {
        Some(&SimaiFiles)
    }
    fn hints(&self) -> Hints {
        Hints {
            profile_name_example: "work",
            ..Hints::default()
        }
    }
}

/// The realm for an API URL: `urljoin(api_url, "/auth/realms/simai")`, as the SDK does.
pub fn realm(api_url: &Url) -> Url {
    let mut realm = api_url.clone();
    realm.set_path("/auth/realms/simai");
    realm.set_query(None);
    realm.set_fragment(None);
    realm
}

/// SimAI's endpoints, derived from the API URL as the SDK does (no discovery round trip).
pub fn endpoints(api_url: &Url) -> Endpoints {
    let realm = realm(api_url);
    let p = |s: &str| {
        let mut u = realm.clone();
        u.set_path(&format!("/auth/realms/simai/protocol/openid-connect/{s}"));
        u
    };
    Endpoints {
        issuer: realm.to_string(),
        token: p("token"),
        device: Some(p("auth/device")),
        revocation: Some(p("revoke")),
        userinfo: Some(p("userinfo")),
    }
}

/// The profile's API URL, with a trailing slash.
fn api_url(profile: &Profile) -> Result<Url> {
    let api = parse_service_url(profile.setting("url").unwrap_or(DEFAULT_URL))?;
    Ok(if api.path().ends_with('/') {
        api
    } else {
        let mut a = api.clone();
        a.set_path(&format!("{}/", api.path()));
        a
    })
}

struct SimaiSignIn;

impl SignIn for SimaiSignIn {
    fn target(&self, profile: &Profile, http: Http) -> Result<AuthTarget> {
        let api = api_url(profile)?;
        Ok(AuthTarget {
            endpoints: endpoints(&api),
            // Tokens, passwords and codes go to the API's own origin only.
            http: http.pinned(&api),
            client_id: CLIENT_ID.into(),
            scope: "openid".into(),
        })
    }
    fn client_for(&self, azp: Option<&str>) -> Option<&'static str> {
        (azp == Some(LEGACY_CLIENT_ID)).then_some(LEGACY_CLIENT_ID)
    }
    fn access_token_env(&self) -> &'static str {
        "SIMAI_ACCESS_TOKEN"
    }
    fn default_client(&self, _profile: &Profile) -> String {
        CLIENT_ID.into()
    }
    /// The SDK's own client and the legacy `sdk`: server-side optimisation on models with
    /// coreml 3.16–3.17 wants a token of `sdk`, 3.18–3.19 one of `com.ansys.simai.sdk`.
    fn clients(&self, _profile: &Profile) -> Vec<String> {
        vec![CLIENT_ID.into(), LEGACY_CLIENT_ID.into()]
    }
    fn consents(&self) -> Option<&dyn Consents> {
        Some(&SimaiConsents)
    }
    /// The SDK's own config (it refreshes from the offline token by itself) and an empty
    /// private token cache.
    fn run_files(&self, profile: &Profile, offline: &Secret) -> Vec<RunFile> {
        if cfg!(windows) {
            // The SDK's only config and its token cache on Windows (see config_candidates).
            return vec![
                RunFile {
                    base: Base::AppData,
                    path: "Ansys/simai.conf".into(),
                    content: Some(run_config(profile, offline)),
                },
                RunFile {
                    base: Base::AppData,
                    path: WINDOWS_CACHE_DIR.into(),
                    content: None,
                },
            ];
        }
        vec![
            RunFile {
                base: Base::Config,
                path: "ansys_simai.conf".into(),
                content: Some(run_config(profile, offline)),
            },
            RunFile {
                base: Base::Cache,
                path: CACHE_DIR.into(),
                content: None,
            },
        ]
    }
}

struct SimaiConsents;

/// The API URL, its pinned client and the organization of a profile.
fn api(profile: &Profile) -> Result<(Url, Http, String)> {
    let api = api_url(profile)?;
    let http = Http::new(&super::net_options(profile))?.pinned(&api);
    let org = profile
        .setting("organization")
        .ok_or_else(|| Error::Invalid(format!("profile \"{}\" has no organization", profile.name)))?
        .to_string();
    Ok((api, http, org))
}

/// An error reply of the SimAI API as a sentence, with `sent` secrets cut out.
fn api_error(reply: &Reply, what: &str, sent: &[&Secret]) -> Error {
    let msg = serde_json::from_str::<serde_json::Value>(&reply.body)
        .ok()
        .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(String::from));
    if reply.status == 401 {
        return Error::Auth(super::oauth::AuthError::Unauthorized(
            "the SimAI API".into(),
        ));
    }
    let msg = match (reply.status, msg) {
        (_, Some(m)) => format!("{} ({})", crate::text::from_server(&m, sent), reply.status),
        (s, None) if reply.looks_like_html() => {
            format!("the server answered {s} with an HTML page; is the URL right?")
        }
        (s, None) => format!("the server answered {s}"),
    };
    Error::Invalid(format!("{what}: {msg}"))
}

impl Consents for SimaiConsents {
    fn list(&self, profile: &Profile, access: &Secret) -> Result<Vec<Consent>> {
        let (api, http, org) = api(profile)?;
        let url = api.join("users/offline-tokens").map_err(|_| {
            Error::Invalid("cannot build the consents URL from the profile's url".into())
        })?;
        let bearer = format!("Bearer {}", access.expose());
        let reply = http.send(
            "GET",
            &url,
            &[
                ("authorization", &bearer),
                ("x-org", &org),
                ("accept", "application/json"),
            ],
            None,
        )?;
        if reply.status != 200 {
            return Err(api_error(&reply, "cannot list consents", &[access]));
        }
        parse_consents(&reply, &url)
    }

    fn revoke(&self, profile: &Profile, access: &Secret, client_id: &str) -> Result<()> {
        let (api, http, org) = api(profile)?;
        let mut url = api.join("users/offline-tokens/").map_err(|_| {
            Error::Invalid("cannot build the consents URL from the profile's url".into())
        })?;
        url.path_segments_mut()
            .map_err(|_| Error::Invalid("bad API URL".into()))?
            .pop_if_empty()
            .push(client_id);
        let bearer = format!("Bearer {}", access.expose());
        let reply = http.send(
            "DELETE",
            &url,
            &[("authorization", &bearer), ("x-org", &org)],
            None,
        )?;
        if reply.status != 204 && reply.status != 200 {
            return Err(api_error(
                &reply,
                &format!(
                    "cannot revoke the consent of {}",
                    crate::text::safe(client_id)
                ),
                &[access],
            ));
        }
        Ok(())
    }
}

/// Reads the SimAI API's list of consents (`GET users/offline-tokens`): a JSON array of
/// objects with a `client_id`. Fields of the wrong type are left out, every string is made
/// safe to show, and entries without a client id are skipped.
pub fn parse_consents(reply: &Reply, url: &Url) -> Result<Vec<Consent>> {
    let not_a_list = || {
        Error::Invalid(format!(
            "cannot list consents: {} answered with {}",
            crate::text::safe(url.as_str()),
            if reply.looks_like_html() {
                "an HTML page"
            } else {
                "something that is not a list of consents"
            }
        ))
    };
    let v: serde_json::Value = serde_json::from_str(&reply.body).map_err(|_| not_a_list())?;
    let items = v.as_array().ok_or_else(not_a_list)?;
    let text = |o: &serde_json::Value, k: &str| {
        o.get(k)
            .and_then(|x| x.as_str())
            .map(|x| crate::text::safe_short(x, 200))
    };
    Ok(items
        .iter()
        .filter_map(|o| {
            Some(Consent {
                client_id: text(o, "client_id").filter(|c| !c.is_empty())?,
                created_date: text(o, "created_date"),
                last_updated_date: text(o, "last_updated_date"),
                granted_scopes: o
                    .get("granted_scopes")
                    .and_then(|g| g.as_array())
                    .map(|a| {
                        a.iter()
                            .filter_map(|x| x.as_str())
                            .map(|x| crate::text::safe_short(x, 200))
                            .collect()
                    })
                    .unwrap_or_default(),
                stored_here: false,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(windows)]
    use crate::profile::Service;
    #[cfg(windows)]
    use std::path::PathBuf;

    #[test]
    fn realm_is_on_the_api_host() {
        let e = endpoints(&Url::parse("https://api.simai.ansys.com/v2/").unwrap());
        assert_eq!(e.issuer, "https://api.simai.ansys.com/auth/realms/simai");
        assert_eq!(
            e.device.unwrap().as_str(),
            "https://api.simai.ansys.com/auth/realms/simai/protocol/openid-connect/auth/device"
        );
    }

    /// Issue 20: on Windows the SDK reads only `%APPDATA%\Ansys\simai.conf` and caches its
    /// tokens in `%APPDATA%\Ansys\cache\pysimai`, so `run --files` points `APPDATA` at the
    /// private overlay holding both.
    #[cfg(windows)]
    #[test]
    fn run_files_go_below_appdata_on_windows() {
        let mut prof = Profile {
            name: "work".into(),
            service: Service::of(&Simai),
            settings: Default::default(),
            default_key: None,
            keys: vec![],
            tokens: vec![],
            store: None,
        };
        prof.settings.insert("organization".into(), "acme".into());
        let files = SimaiSignIn.run_files(&prof, &Secret::new("tok.en"));
        let h = crate::handoff::Handoff::prepare(&files).unwrap();
        let vars: Vec<&str> = h.env().iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(vars, ["APPDATA"]);
        let ansys = PathBuf::from(&h.env()[0].1).join("Ansys");
        let conf = std::fs::read_to_string(ansys.join("simai.conf")).unwrap();
        assert!(conf.contains("offline_token = \"tok.en\""), "{conf}");
        let cache = ansys.join("cache").join("pysimai");
        assert!(cache.is_dir(), "{}", cache.display());
        assert_eq!(std::fs::read_dir(&cache).unwrap().count(), 0);
        h.close().unwrap();
    }
}
