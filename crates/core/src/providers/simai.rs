//! Ansys SimAI: signs in with OAuth against the Keycloak realm `{API host}/auth/realms/simai`
//! (public client `com.ansys.simai.sdk`; legacy offline tokens were issued to client `sdk`),
//! lists and revokes consents with the SimAI API (`{url}users/offline-tokens`, header `x-org`),
//! and reads and writes the SDK's own config file (TOML, one table per profile, the SDK's field
//! names, `offline_token` optional).
//!
//! The SDK searches its config in `$XDG_CONFIG_HOME/ansys_simai.conf`,
//! `$XDG_CONFIG_HOME/ansys/simai.conf`, `~/.ansys_simai.conf`, `~/.ansys/simai.conf`,
//! `/etc/ansys_simai.conf`, `/etc/ansys/simai.conf` (`%APPDATA%\Ansys\simai.conf` on Windows).

use super::files::{self, Found, Source, VendorFiles};
use super::oauth::{AuthTarget, Consent, Endpoints};
use super::{Consents, Hints, KeyPolicy, Provider, Setting, SettingKind, SignIn};
use crate::error::{Error, Result};
use crate::handoff::{Base, RunFile};
use crate::http::{parse_service_url, Http, Reply};
use crate::profile::{Profile, Service};
use crate::secret::Secret;
use std::path::{Path, PathBuf};
use url::Url;

/// The SDK's public client id.
pub const CLIENT_ID: &str = "com.ansys.simai.sdk";
/// The client id of legacy SimAI offline tokens (`azp: "sdk"`).
pub const LEGACY_CLIENT_ID: &str = "sdk";
/// The SimAI API's default URL.
pub const DEFAULT_URL: &str = "https://api.simai.ansys.com/v2/";

/// The SimAI service.
pub struct Simai;

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

// ---- the SDK's config file ------------------------------------------------------------------

/// Where the SDK reads its config: the first existing of its search list, else the first
/// entry (`$XDG_CONFIG_HOME/ansys_simai.conf`).
pub fn config_path() -> Option<PathBuf> {
    let candidates = config_candidates();
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .or_else(|| candidates.first().cloned())
}

/// Every place the SDK looks for its config, in its order.
fn config_candidates() -> Vec<PathBuf> {
    let mut candidates = Vec::new();
    if cfg!(windows) {
        if let Some(a) = std::env::var_os("APPDATA") {
            candidates.push(PathBuf::from(a).join("Ansys").join("simai.conf"));
        }
    } else {
        if let Some(x) = files::xdg_config_home() {
            candidates.push(x.join("ansys_simai.conf"));
            candidates.push(x.join("ansys").join("simai.conf"));
        }
        if let Some(h) = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)
        {
            candidates.push(h.join(".ansys_simai.conf"));
            candidates.push(h.join(".ansys").join("simai.conf"));
        }
        candidates.push(PathBuf::from("/etc/ansys_simai.conf"));
        candidates.push(PathBuf::from("/etc/ansys/simai.conf"));
    }
    candidates
}

/// The SDK's config fields SimCred writes (the SDK's own names).
pub const FIELDS: [&str; 11] = [
    "organization",
    "url",
    "workspace",
    "project",
    "geomai_workspace",
    "geomai_project",
    "https_proxy",
    "tls_ca_bundle",
    "interactive",
    "skip_version_check",
    "no_sse_connection",
];

/// The offline tokens in the text of a SimAI SDK config file (`path` is for messages): one per
/// table that has an `offline_token` string, with the SDK's settings beside it. A syntax error
/// names the file and line.
pub fn parse_config(path: &Path, text: &str) -> Result<Vec<Found>> {
    let doc = files::parse_toml(path, text)?;
    let mut out = Vec::new();
    for (name, item) in doc.iter() {
        let Some(t) = item.as_table_like() else {
            continue;
        };
        let Some(tok) = t
            .get("offline_token")
            .and_then(|v| v.as_str())
            .and_then(Secret::from_user_input)
        else {
            continue;
        };
        let settings = FIELDS
            .iter()
            .filter_map(|f| {
                let v = t.get(f)?.as_value()?;
                let s = match v {
                    toml_edit::Value::String(s) => s.value().clone(),
                    toml_edit::Value::Boolean(b) => b.value().to_string(),
                    _ => return None,
                };
                Some((f.to_string(), s))
            })
            .collect();
        let mut f = Found::new(
            Service::of(&Simai),
            Source::File(path.to_path_buf()),
            name,
            tok,
        );
        f.settings = settings;
        f.problem = f.problem.or_else(|| files::name_problem("profile", name));
        out.push(f);
    }
    Ok(out)
}

/// Writes a profile's settings (the SDK's field names and types) into an SDK config table,
/// and with `offline` the offline token, dropping the SDK's other, exclusive, credentials.
fn fill_table(t: &mut dyn toml_edit::TableLike, prof: &Profile, offline: Option<&Secret>) {
    for f in FIELDS {
        let is_bool =
            super::setting_of(prof.service, f).is_some_and(|s| s.kind == SettingKind::Bool);
        match prof.setting(f) {
            Some(v) if is_bool => {
                t.insert(f, toml_edit::value(v == "true"));
            }
            Some(v) => {
                t.insert(f, toml_edit::value(v));
            }
            None => {}
        }
    }
    if let Some(tok) = offline {
        // The SDK treats credentials, offline_token and access_token as exclusive.
        t.remove("credentials");
        t.remove("access_token");
        t.insert("offline_token", toml_edit::value(tok.expose()));
    }
}

/// Where the SDK caches tokens, below `$XDG_CACHE_HOME`.
pub const CACHE_DIR: &str = "ansys/pysimai";

/// Where the SDK caches tokens on Windows, below `%APPDATA%`.
pub const WINDOWS_CACHE_DIR: &str = "Ansys/cache/pysimai";

/// The SDK's config for `run --files`: the profile's table under its own name and, unless that
/// is `default`, again as `[default]` (the child sees no other profile), with the offline token.
pub fn run_config(prof: &Profile, offline: &Secret) -> Secret {
    let mut doc = toml_edit::DocumentMut::new();
    for name in [prof.name.as_str(), "default"] {
        if doc.contains_key(name) {
            continue;
        }
        let mut t = toml_edit::Table::new();
        fill_table(&mut t, prof, Some(offline));
        doc.insert(name, toml_edit::Item::Table(t));
    }
    Secret::new(doc.to_string())
}

struct SimaiFiles;

impl VendorFiles for SimaiFiles {
    fn label(&self) -> &'static str {
        "the SimAI SDK's config file"
    }

    fn default_path(&self) -> Option<PathBuf> {
        config_path()
    }

    fn scan(&self) -> Result<Vec<Found>> {
        match config_path() {
            Some(p) => match files::read_opt(&p)? {
                Some(text) => parse_config(&p, &text),
                None => Ok(vec![]),
            },
            None => Ok(vec![]),
        }
    }

    fn write(
        &self,
        prof: &Profile,
        items: &[(String, Secret)],
        target: &Path,
        _force: bool,
    ) -> Result<()> {
        let text = files::read_opt(target)?.unwrap_or_default();
        let mut doc = files::parse_toml(target, &text)?;
        if !doc.contains_key(&prof.name) {
            doc.insert(&prof.name, toml_edit::Item::Table(toml_edit::Table::new()));
        }
        let t = doc[&prof.name].as_table_like_mut().ok_or_else(|| {
            Error::Invalid(format!(
                "{}: `{}` is not a table; SimCred left the file unchanged",
                target.display(),
                prof.name
            ))
        })?;
        fill_table(
            t,
            prof,
            items
                .iter()
                .find(|(n, _)| n == "offline_token")
                .map(|(_, tok)| tok),
        );
        let out = doc.to_string();
        let private = !items.is_empty() || out.contains("offline_token");
        files::write(target, &out, private)
    }

    fn remove(
        &self,
        sim: &[&Found],
        done: &mut Vec<String>,
        remaining: &mut Vec<String>,
    ) -> Result<()> {
        let Some((p, shown, text)) = files::open_for_removal(sim)? else {
            return Ok(());
        };
        let mut doc = files::parse_toml(&p, &text)?;
        let mut lines = Vec::new();
        for f in sim {
            if let Some(t) = doc.get_mut(&f.name).and_then(|i| i.as_table_like_mut()) {
                if t.get("offline_token").and_then(|v| v.as_str()) == Some(f.secret.expose()) {
                    t.remove("offline_token");
                    lines.push(format!(
                        "removed the offline_token of [{}] from {shown}",
                        f.name
                    ));
                }
            }
        }
        if !lines.is_empty() {
            files::write(&p, &doc.to_string(), true)?;
            done.extend(lines);
        }
        files::report_still_there(
            &p,
            &shown,
            sim,
            |f| format!("the offline token of [{}]", f.name),
            remaining,
        )
    }

    /// Offline tokens and passwords in any of the SDK's config files (a file there that is not
    /// a regular file or not TOML is a finding of its own), and its token caches
    /// (`$XDG_CACHE_HOME/ansys/pysimai/tokens-*.json`: access and refresh tokens the SDK wrote
    /// in plaintext when it signed in).
    fn audit(&self, held: &crate::audit::Held<'_>) -> Result<Vec<crate::audit::Finding>> {
        use crate::audit::{Advice, Finding};
        let service = crate::profile::Service::of(&Simai);
        let mut out = Vec::new();
        for p in config_candidates() {
            let text = match files::read_opt(&p) {
                Ok(Some(text)) => text,
                Ok(None) => continue,
                Err(e) => {
                    out.push(Finding::unreadable(service, &p, &e));
                    continue;
                }
            };
            match parse_config(&p, &text) {
                Ok(found) => out.extend(crate::audit::from_scan(
                    &found,
                    "the offline token of profile",
                    held,
                )),
                Err(e) => out.push(Finding::unreadable(service, &p, &e)),
            }
            for (i, line) in text.lines().enumerate() {
                let t = line.trim_start();
                if t.starts_with("password") && t.contains('=') {
                    out.push(Finding {
                        service: Some(Simai.id().to_string()),
                        path: p.display().to_string(),
                        line: Some(i + 1),
                        what: "a password in the SDK's config".into(),
                        advice: Advice::Remove,
                        todo: None,
                    });
                }
            }
        }
        let cache = files::xdg_cache_home().map(|c| c.join(CACHE_DIR));
        if let Some(Ok(entries)) = cache.map(std::fs::read_dir) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().to_string();
                if name.starts_with("tokens") && name.ends_with(".json") {
                    out.push(Finding {
                        service: Some(Simai.id().to_string()),
                        path: e.path().display().to_string(),
                        line: None,
                        what: "access and refresh tokens in plaintext, cached by the SimAI SDK when it signed in (the refresh token signs in as you until it expires or the consent is revoked)".into(),
                        advice: Advice::Remove,
                        todo: Some("delete it; under `simcred run PROFILE --files -- …` the SDK keeps this cache in a private directory that is removed after the run".into()),
                    });
                }
            }
        }
        Ok(out)
    }

    fn export_force(&self) -> bool {
        false
    }

    fn export_secret_label(&self) -> Option<&'static str> {
        Some("Also write the offline token")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_config_has_the_profile_and_default_tables_with_sdk_types() {
        let mut prof = Profile {
            name: "work.eu".into(),
            service: Service::of(&Simai),
            settings: Default::default(),
            default_key: None,
            keys: vec![],
            tokens: vec![],
            store: None,
        };
        prof.settings.insert("organization".into(), "acme".into());
        prof.settings
            .insert("skip_version_check".into(), "true".into());
        prof.settings
            .insert("description".into(), "not the SDK's".into());
        let tok = Secret::new("tok.en");
        let text = run_config(&prof, &tok).expose().to_string();
        let doc: toml_edit::DocumentMut = text.parse().unwrap();
        for name in ["work.eu", "default"] {
            let t = doc[name].as_table().unwrap();
            assert_eq!(t["organization"].as_str(), Some("acme"));
            assert_eq!(t["skip_version_check"].as_bool(), Some(true));
            assert_eq!(t["offline_token"].as_str(), Some("tok.en"));
            assert!(t.get("description").is_none());
        }
        prof.name = "default".into();
        let text = run_config(&prof, &tok).expose().to_string();
        assert_eq!(text.matches("offline_token").count(), 1, "{text}");
    }

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
