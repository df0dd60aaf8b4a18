//! Modelon Impact: one personal API key per server, sent as the `impact-api-key` header.
//!
//! A key is checked with `GET {url}/api/users/me`. A server behind a JupyterHub front (its
//! `GET {url}/hub/api/` answers with an `x-jupyterhub-version` header) serves the API under the
//! user's server path from `GET {url}/hub/api/user`, as the vendor's Python client does.
//! The vendor's client reads `MODELON_IMPACT_CLIENT_API_KEY`, then `~/.impact/api.key`, and
//! with `interactive=True` writes the key it used to that file, which `run` therefore watches.

use super::files::{self, Found, Reexport, Source, VendorFiles};
use super::{CheckOutcome, Hints, KeyPolicy, Provider, Setting, SettingKind};
use crate::error::{Error, Result};
use crate::http::{parse_service_url, Http, HttpError, NetOptions, Reply};
use crate::profile::Profile;
use crate::secret::Secret;
use std::path::{Path, PathBuf};
use url::Url;

pub const DEFAULT_URL: &str = "https://impact.modelon.cloud/";
pub const ENV_KEY: &str = "MODELON_IMPACT_CLIENT_API_KEY";
pub const ENV_URL: &str = "MODELON_IMPACT_CLIENT_URL";
pub const KEY_NAME: &str = "api-key";

pub struct Modelon;

/// Whether a value can be sent as the `impact-api-key` header: visible ASCII only (no spaces,
/// control characters, NUL or line breaks), at most 4 KiB.
pub fn check_key_value(value: &str) -> Result<(), String> {
    if value.len() > 4096 {
        return Err("the key is longer than 4 KiB; a Modelon Impact key is much shorter".into());
    }
    if let Some(c) = value.chars().find(|c| !c.is_ascii_graphic()) {
        let what = if c.is_control() {
            format!("a control character (U+{:04X})", c as u32)
        } else if c == ' ' {
            "a space".to_string()
        } else {
            "a non-ASCII character".to_string()
        };
        return Err(format!(
            "the key contains {what}, which an HTTP header cannot carry; copy it again from the server's key page"
        ));
    }
    Ok(())
}

/// `~/.impact/api.key`, the file the vendor's client reads.
pub fn key_file() -> Option<PathBuf> {
    files::home().map(|h| h.join(".impact").join("api.key"))
}

/// The profile's server URL with a trailing slash.
pub fn server_url(profile: &Profile) -> String {
    let u = profile.setting("url").unwrap_or(DEFAULT_URL);
    if u.ends_with('/') {
        u.to_string()
    } else {
        format!("{u}/")
    }
}

/// What a Modelon or JupyterHub error reply says, made safe, with the key cut out.
fn error_message(reply: &Reply, key: &Secret) -> String {
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(&reply.body) {
        if let Some(m) = v
            .pointer("/error/message")
            .and_then(|m| m.as_str())
            .or_else(|| v.get("message").and_then(|m| m.as_str()))
        {
            return crate::text::from_server(m, &[key]);
        }
    }
    if (300..400).contains(&reply.status) {
        return match reply.header("location") {
            Some(to) => format!(
                "a redirect to {} (SimCred does not follow redirects with a key; check the profile's URL)",
                crate::text::from_server(to, &[key])
            ),
            None => "a redirect without a target (check the profile's URL)".into(),
        };
    }
    if reply.looks_like_html() {
        "an HTML page instead of the API's JSON".into()
    } else if reply.body.trim().is_empty() {
        "an empty body".into()
    } else {
        crate::text::from_server(&reply.body, &[key])
    }
}

fn unreachable(e: HttpError) -> CheckOutcome {
    CheckOutcome::Unreachable {
        reason: e.to_string(),
    }
}

/// The Impact API base a JupyterHub's `GET hub/api/user` reply points at: its `server` path
/// joined onto `base`, which must stay on `base`'s origin (scheme, host and port).
/// Anything the hub said is redacted of `key` (a hostile hub may echo it in `server`).
pub fn parse_hub_server(reply: &Reply, base: &Url, key: &Secret) -> Result<Url, CheckOutcome> {
    let origin = crate::http::origin_of(base);
    let server = serde_json::from_str::<serde_json::Value>(&reply.body)
        .ok()
        .and_then(|v| v.get("server").and_then(|s| s.as_str()).map(String::from))
        .ok_or_else(|| CheckOutcome::Unreachable {
            reason: format!(
                "the JupyterHub at {origin} did not say which server is yours (no running server? start it in the browser first)"
            ),
        })?;
    // `server` is an absolute path on the hub's origin, such as "/user/NAME/".
    let server = if server.ends_with('/') {
        server
    } else {
        format!("{server}/")
    };
    let joined = base
        .join(&server)
        .and_then(|u| u.join("impact/"))
        .map_err(|_| CheckOutcome::Unreachable {
            reason: format!("the JupyterHub at {origin} gave an unusable server path"),
        })?;
    if !crate::http::same_origin(&joined, base) || crate::http::check_target(&joined).is_err() {
        return Err(CheckOutcome::Invalid {
            reason: format!(
                "the JupyterHub at {origin} pointed to a server on another origin ({}); SimCred sends the key only to {origin}",
                crate::text::from_server(&crate::http::origin_of(&joined), &[key])
            ),
        });
    }
    Ok(joined)
}

/// Reads the answer of `GET {api}/api/users/me` into a check outcome.
pub fn parse_me_reply(reply: &Reply, me: &Url, base: &Url, key: &Secret) -> CheckOutcome {
    let base = crate::http::origin_of(base);
    let me = crate::text::safe(me.as_str());
    match reply.status {
        200 => {
            let v: serde_json::Value = match serde_json::from_str(&reply.body) {
                Ok(v) => v,
                Err(_) => {
                    return CheckOutcome::Unreachable {
                        reason: format!(
                            "{me} answered with {} — is {base} a Modelon Impact server?",
                            if reply.looks_like_html() {
                                "an HTML page"
                            } else {
                                "something that is not JSON"
                            }
                        ),
                    }
                }
            };
            let field = |p: &str| {
                v.pointer(p)
                    .and_then(|u| u.as_str())
                    .map(|s| crate::text::from_server(s, &[key]))
                    .filter(|s| !s.is_empty())
            };
            match (field("/data/username"), field("/data/license")) {
                (Some(u), Some(l)) => CheckOutcome::Valid {
                    usage: None,
                    detail: format!("user {u}, license {l}"),
                    account: Some(u),
                },
                (Some(u), None) => CheckOutcome::Valid {
                    usage: None,
                    detail: format!("user {u}"),
                    account: Some(u),
                },
                (None, _) => CheckOutcome::Unreachable {
                    reason: format!(
                        "{me} answered without a user name — is {base} a Modelon Impact server?"
                    ),
                },
            }
        }
        401 | 403 => CheckOutcome::Invalid {
            reason: format!(
                "the server rejected the key ({}: {})",
                reply.status,
                error_message(reply, key)
            ),
        },
        404 => CheckOutcome::Unreachable {
            reason: format!("{me} does not exist (404) — is {base} a Modelon Impact server?"),
        },
        s => CheckOutcome::Unreachable {
            reason: format!("the server answered {s}: {}", error_message(reply, key)),
        },
    }
}

/// Finds the Impact API base URL, following a JupyterHub front if there is one.
fn api_base(http: &Http, base: &Url, key: &Secret) -> Result<Url, CheckOutcome> {
    let join = |p: &str| {
        base.join(p).map_err(|_| CheckOutcome::Unreachable {
            reason: format!("cannot build a URL from {}", crate::http::origin_of(base)),
        })
    };
    let reply = http
        .send("GET", &join("hub/api/")?, &[], None)
        .map_err(unreachable)?;
    if reply.header("x-jupyterhub-version").is_none() {
        return Ok(base.clone());
    }
    let reply = http
        .send(
            "GET",
            &join("hub/api/user")?,
            &[("impact-api-key", key.expose())],
            None,
        )
        .map_err(unreachable)?;
    let origin = crate::http::origin_of(base);
    match reply.status {
        200 => parse_hub_server(&reply, base, key),
        401 | 403 => Err(CheckOutcome::Invalid {
            reason: format!(
                "the JupyterHub at {origin} rejected the key ({}: {})",
                reply.status,
                error_message(&reply, key)
            ),
        }),
        s => Err(CheckOutcome::Unreachable {
            reason: format!(
                "the JupyterHub at {origin} answered {s} with {}",
                error_message(&reply, key)
            ),
        }),
    }
}

const SETTINGS: &[Setting] = &[Setting {
    kind: SettingKind::Url,
    default: Some(DEFAULT_URL),
    placeholder: Some(DEFAULT_URL),
    help: Some("The Modelon Impact server (or its JupyterHub front) the key belongs to."),
    flag: true,
    ..Setting::text("url", "Server URL")
}];

impl Provider for Modelon {
    fn id(&self) -> &'static str {
        "modelon"
    }

    fn display_name(&self) -> &'static str {
        "Modelon Impact"
    }

    fn key_policy(&self) -> KeyPolicy {
        KeyPolicy::Single {
            default_name: KEY_NAME,
        }
    }

    fn settings(&self) -> &'static [Setting] {
        SETTINGS
    }

    fn check_key_value(&self, value: &str) -> Result<(), String> {
        check_key_value(value)
    }

    fn checkable(&self) -> bool {
        true
    }

    fn files(&self) -> Option<&dyn VendorFiles> {
        Some(&ModelonFiles)
    }

    fn hints(&self) -> Hints {
        Hints {
            key_rules: Some("Visible ASCII characters, as shown on the server's key page."),
            key_page: Some("admin/server-management"),
            profile_name_example: "impact",
            ..Hints::default()
        }
    }

    fn check(&self, profile: &Profile, key: &Secret, net: &NetOptions) -> CheckOutcome {
        if let Err(reason) = check_key_value(key.expose()) {
            return CheckOutcome::Invalid { reason };
        }
        let base = match parse_service_url(&server_url(profile)) {
            Ok(u) => u,
            Err(e) => return unreachable(e),
        };
        // The key goes to the configured origin and nowhere else, whatever a server says.
        let http = match Http::new(net) {
            Ok(h) => h.pinned(&base),
            Err(e) => return unreachable(e),
        };
        let api = match api_base(&http, &base, key) {
            Ok(u) => u,
            Err(o) => return o,
        };
        let me = match api.join("api/users/me") {
            Ok(u) => u,
            Err(_) => {
                return CheckOutcome::Unreachable {
                    reason: "cannot build the API URL".into(),
                }
            }
        };
        match http.send("GET", &me, &[("impact-api-key", key.expose())], None) {
            Ok(reply) => parse_me_reply(&reply, &me, &base, key),
            Err(e) => unreachable(e),
        }
    }

    fn env(&self, profile: &Profile, _key_name: &str, key: &Secret) -> Vec<(String, String)> {
        vec![
            (ENV_KEY.to_string(), key.expose().to_string()),
            (ENV_URL.to_string(), server_url(profile)),
        ]
    }

    /// With `interactive=True` the client writes the key it used (the one `run` handed it in
    /// the variable, or one typed at its prompt after a 401) to `~/.impact/api.key` with a
    /// plain `open('w')`; the file holds nothing but a key, so any change the run makes to it
    /// is undone. The client has no switch for the path (it is `~` + `.impact/api.key`).
    fn run_watch(&self, _profile: &Profile) -> Vec<crate::run_files::Watch> {
        key_file()
            .map(|path| crate::run_files::Watch {
                path,
                policy: crate::run_files::Policy::AnyChange,
            })
            .into_iter()
            .collect()
    }
}

/// `~/.impact/api.key` and `MODELON_IMPACT_CLIENT_API_KEY`, as the vendor's client reads them.
struct ModelonFiles;

impl VendorFiles for ModelonFiles {
    fn label(&self) -> &'static str {
        "~/.impact/api.key"
    }

    fn default_path(&self) -> Option<PathBuf> {
        key_file()
    }

    fn scan(&self) -> Result<Vec<Found>> {
        let service = crate::profile::Service::of(&Modelon);
        // The key file does not say which server its key is for (a Client(url=…,
        // interactive=True) of any server writes it): its server only when the environment
        // names one; import asks rather than assume the cloud default.
        let url = std::env::var(ENV_URL).ok().filter(|u| !u.trim().is_empty());
        let mut out = Vec::new();
        if let Some(s) = std::env::var(ENV_KEY)
            .ok()
            .and_then(|v| Secret::from_user_input(&v))
        {
            // The variable's key goes where the client sends it: the URL variable, else the
            // client's own default.
            let mut f = Found::new(service, Source::Env(ENV_KEY), KEY_NAME, s);
            f.url = Some(url.clone().unwrap_or_else(|| DEFAULT_URL.to_string()));
            out.push(f);
        }
        if let Some(p) = key_file() {
            if let Some(s) = files::read_opt(&p)?.and_then(|t| Secret::from_user_input(&t)) {
                let mut f = Found::new(service, Source::File(p), KEY_NAME, s);
                f.url = url;
                out.push(f);
            }
        }
        Ok(out)
    }

    /// The variable, and `~/.impact/api.key` as the client writes it itself: a
    /// `Client(url=…, interactive=True)` saves the key it used there (0644), and a new one after
    /// a 401. To import, or to remove when SimCred holds the same key.
    fn audit(&self, held: &crate::finding::Held<'_>) -> Result<Vec<crate::finding::Finding>> {
        let mut out = crate::finding::from_scan(&self.scan()?, "the API key", held);
        for f in out.iter_mut().filter(|f| !f.path.starts_with('$')) {
            f.what.push_str(
                " in plaintext, as Modelon's client writes it (a Client(…, interactive=True) saves the key it used here)",
            );
            if f.todo.is_none() {
                f.todo = Some("import it (`simcred import --service modelon --remove-plaintext`), then run your scripts with `simcred run PROFILE -- …` so the client gets the key from SimCred".into());
            }
        }
        Ok(out)
    }

    fn write(
        &self,
        _profile: &Profile,
        items: &[(String, Secret)],
        path: &Path,
        force: bool,
    ) -> Result<()> {
        let Some((_, secret)) = items.first() else {
            return Ok(());
        };
        if let Some(existing) = files::read_opt(path)? {
            let existing = existing.trim();
            if !existing.is_empty() && existing != secret.expose() && !force {
                return Err(Error::ExportConflict {
                    path: path.display().to_string(),
                    names: vec![KEY_NAME.into()],
                });
            }
        }
        files::write(path, secret.expose(), true)
    }

    fn remove(
        &self,
        found: &[&Found],
        done: &mut Vec<String>,
        remaining: &mut Vec<String>,
    ) -> Result<()> {
        for f in found {
            match &f.source {
                Source::File(p) => remove_key_file(p, &f.secret, done, remaining)?,
                Source::Env(v) => done.push(format!(
                    "${v} is still set in this environment: remove it from your shell profile yourself"
                )),
            }
        }
        Ok(())
    }

    fn rewrite(
        &self,
        _profile: &Profile,
        _name: &str,
        old: &Secret,
        new: &Secret,
        path: &Path,
        text: &str,
    ) -> Reexport {
        if Secret::from_user_input(text).as_ref() != Some(old) {
            return Reexport::Gone(format!(
                "{} no longer holds the old key, so SimCred left it alone",
                path.display()
            ));
        }
        match files::write(path, new.expose(), true) {
            Ok(()) => Reexport::Written,
            Err(e) => Reexport::Kept(format!("{} still holds the old key: {e}", path.display())),
        }
    }
}

/// Removes `~/.impact/api.key` (the file itself when it is a symlink, then the link), only
/// while it still holds the imported key.
fn remove_key_file(
    link: &Path,
    secret: &Secret,
    done: &mut Vec<String>,
    remaining: &mut Vec<String>,
) -> Result<()> {
    let real = crate::fsio::symlink_target(link)?;
    let file = real.as_deref().unwrap_or(link);
    match files::read_opt(file)? {
        None => return Ok(()),
        Some(t) if Secret::from_user_input(&t).as_ref() != Some(secret) => {
            remaining.push(format!(
                "{} changed since it was imported, so SimCred left it alone",
                files::shown_with_target(link, real.as_deref())
            ));
            return Ok(());
        }
        Some(_) => {}
    }
    std::fs::remove_file(file).map_err(|e| {
        Error::Io(format!(
            "cannot delete {}: {e}; the plaintext key is still there",
            file.display()
        ))
    })?;
    match &real {
        Some(r) => {
            std::fs::remove_file(link).map_err(|e| {
                Error::Io(format!(
                    "deleted {}, but cannot remove the link {} to it: {e}",
                    r.display(),
                    link.display()
                ))
            })?;
            done.push(format!(
                "deleted {} and the link {} to it",
                r.display(),
                link.display()
            ));
        }
        None => done.push(format!("deleted {}", link.display())),
    }
    if files::read_opt(file)?.is_some() {
        remaining.push(format!("{} is still there", file.display()));
    }
    Ok(())
}
