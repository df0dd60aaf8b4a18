//! The vendors' own credential files, written and read only when the user asks.
//!
//! Export writes `~/.impact/api.key` (Modelon) or merges into Dlubal's `config.ini`, atomically
//! and with mode 0600. Import finds keys in those files and in `MODELON_IMPACT_CLIENT_API_KEY`,
//! moves them into the keyring, and says where plaintext copies remain; removing those copies
//! is a separate, explicit step.
//!
//! Every read and write goes through [`crate::fsio`]: only regular files, at most 1 MiB, so a
//! FIFO, a device or a symlink to one is refused with a sentence instead of hanging, filling
//! memory or being replaced. Removing plaintext removes the real file behind a symlink, and a
//! replaced key is re-exported only where the old one still is.

use crate::app::{find_profile, resolve_key, Simcred};
use crate::error::{Error, Result};
use crate::fsio;
use crate::profile::{Profile, Service};
use crate::providers::{dlubal, modelon};
use crate::secret::Secret;
use crate::store::{SecretId, SecretKind};
use serde::Serialize;
use std::path::{Path, PathBuf};

fn read_opt(path: &Path) -> Result<Option<String>> {
    Ok(fsio::read_text(path)?)
}

fn write(path: &Path, text: &str, private: bool) -> Result<()> {
    Ok(fsio::write_file(path, text.as_bytes(), private)?)
}

fn ini_set(ini: &mut dlubal::Ini, name: &str, value: &Secret) -> Result<()> {
    Ok(ini.set(name, value.expose())?)
}

/// What `export` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct Exported {
    pub path: String,
    pub keys: Vec<String>,
}

/// Writes a profile's key(s) to the vendor's file: `path` or the file the vendor's client reads.
/// A file that holds a different key under the same name is left alone unless `force`.
pub fn export(
    sc: &Simcred,
    profile: &str,
    key: Option<&str>,
    path: Option<&Path>,
    force: bool,
    include_secret: bool,
) -> Result<Exported> {
    let prof = sc.profile(profile)?;
    match prof.service {
        Service::Simai => export_simai(sc, &prof, path, include_secret),
        Service::Modelon => {
            let (meta, secret) = sc.get_key(profile, key)?;
            let target = target(path, modelon::key_file(), "~/.impact/api.key")?;
            export_key_to(sc, &prof, &meta.name, &secret, &target, force)?;
            Ok(Exported {
                path: target.display().to_string(),
                keys: vec![meta.name],
            })
        }
        Service::Dlubal => {
            let target = target(path, dlubal::config_path(), "Dlubal's config.ini")?;
            let names: Vec<String> = match key {
                Some(k) => vec![resolve_key(&prof, Some(k))?.name.clone()],
                None if prof.keys.is_empty() => {
                    return Err(Error::NoKeys {
                        profile: profile.into(),
                    })
                }
                None => prof.keys.iter().map(|k| k.name.clone()).collect(),
            };
            let mut pairs = Vec::new();
            for n in &names {
                let (_, s) = sc.get_key(profile, Some(n))?;
                pairs.push((n.clone(), s));
            }
            write_dlubal(&prof, &pairs, &target, force)?;
            for n in &names {
                sc.mark_exported(profile, n, &target.display().to_string())?;
            }
            Ok(Exported {
                path: target.display().to_string(),
                keys: names,
            })
        }
        s => Err(Error::Invalid(format!(
            "exporting {} profiles is not built yet",
            s.display_name()
        ))),
    }
}

/// Where the SimAI SDK reads its config: the first existing of its search list, else the first
/// entry (`$XDG_CONFIG_HOME/ansys_simai.conf`).
pub fn simai_config_path() -> Option<PathBuf> {
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from);
    let xdg = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".config")));
    let mut candidates = Vec::new();
    if cfg!(windows) {
        if let Some(a) = std::env::var_os("APPDATA") {
            candidates.push(PathBuf::from(a).join("Ansys").join("simai.conf"));
        }
    } else {
        if let Some(x) = &xdg {
            candidates.push(x.join("ansys_simai.conf"));
            candidates.push(x.join("ansys").join("simai.conf"));
        }
        if let Some(h) = &home {
            candidates.push(h.join(".ansys_simai.conf"));
            candidates.push(h.join(".ansys").join("simai.conf"));
        }
        candidates.push(PathBuf::from("/etc/ansys_simai.conf"));
        candidates.push(PathBuf::from("/etc/ansys/simai.conf"));
    }
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .or_else(|| candidates.first().cloned())
}

/// The SimAI SDK's config fields SimCred writes (the SDK's own names).
const SIMAI_FIELDS: [&str; 11] = [
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

fn export_simai(
    sc: &Simcred,
    prof: &Profile,
    path: Option<&Path>,
    include_secret: bool,
) -> Result<Exported> {
    let target = match path {
        Some(p) => p.to_path_buf(),
        None => simai_config_path().ok_or_else(|| {
            Error::Invalid(
                "cannot find where the SimAI config goes (HOME is not set); pass --path".into(),
            )
        })?,
    };
    let text = read_opt(&target)?.unwrap_or_default();
    let mut doc = parse_toml(&target, &text)?;
    if !doc.contains_key(&prof.name) {
        doc.insert(&prof.name, toml_edit::Item::Table(toml_edit::Table::new()));
    }
    let t = doc[&prof.name].as_table_mut().ok_or_else(|| {
        Error::Invalid(format!(
            "{}: `{}` is not a table; SimCred left the file unchanged",
            target.display(),
            prof.name
        ))
    })?;
    for f in SIMAI_FIELDS {
        match prof.setting(f) {
            Some(v)
                if matches!(
                    f,
                    "interactive" | "skip_version_check" | "no_sse_connection"
                ) =>
            {
                t.insert(f, toml_edit::value(v == "true"));
            }
            Some(v) => {
                t.insert(f, toml_edit::value(v));
            }
            None => {}
        }
    }
    let mut keys = vec!["settings".to_string()];
    if include_secret {
        let tok = sc
            .store()
            .get(&SecretId::new(&prof.name, SecretKind::OfflineToken, "default"))?
            .filter(|_| prof.token(crate::signin::OFFLINE).is_some_and(|m| !m.status.needs_attention()))
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "profile \"{}\" has no usable offline token; run `simcred offline-token {}` first",
                    prof.name, prof.name
                ))
            })?;
        // The SDK treats credentials, offline_token and access_token as exclusive.
        t.remove("credentials");
        t.remove("access_token");
        t.insert("offline_token", toml_edit::value(tok.expose()));
        keys.push("offline_token".into());
    }
    let private = include_secret || doc.to_string().contains("offline_token");
    write(&target, &doc.to_string(), private)?;
    if include_secret {
        let shown = target.display().to_string();
        sc.config().update(|d| {
            let p = find_profile(d.profiles(), &prof.name)?;
            if let Some(m) = p.token(crate::signin::OFFLINE) {
                if !m.exported.contains(&shown) {
                    let mut m = m.clone();
                    m.exported.push(shown.clone());
                    d.put_token(&prof.name, &m);
                }
            }
            Ok::<_, Error>(())
        })?;
    }
    Ok(Exported {
        path: target.display().to_string(),
        keys,
    })
}

/// Parses a TOML file for editing; a syntax error names the file and line.
fn parse_toml(path: &Path, text: &str) -> Result<toml_edit::DocumentMut> {
    text.parse().map_err(|e: toml_edit::TomlError| {
        let line = crate::config::line_of(text, e.span().map(|s| s.start).unwrap_or(0));
        Error::Invalid(format!(
            "{}:{line}: not valid TOML ({}). SimCred left the file unchanged",
            path.display(),
            e.message().trim()
        ))
    })
}

fn target(path: Option<&Path>, default: Option<PathBuf>, what: &str) -> Result<PathBuf> {
    match path {
        Some(p) => Ok(p.to_path_buf()),
        None => default.ok_or_else(|| {
            Error::Invalid(format!(
                "cannot find where {what} goes (HOME is not set); pass --path"
            ))
        }),
    }
}

/// Writes one key to `path` in its service's format and records the export.
pub(crate) fn export_key_to(
    sc: &Simcred,
    prof: &Profile,
    name: &str,
    secret: &Secret,
    path: &Path,
    force: bool,
) -> Result<()> {
    match prof.service {
        Service::Modelon => {
            if let Some(existing) = read_opt(path)? {
                let existing = existing.trim();
                if !existing.is_empty() && existing != secret.expose() && !force {
                    return Err(Error::Invalid(format!(
                        "{} already holds a different key; import it first (`simcred import`) or overwrite it with --force",
                        path.display()
                    )));
                }
            }
            write(path, secret.expose(), true)?;
        }
        Service::Dlubal => {
            write_dlubal(prof, &[(name.to_string(), secret.clone())], path, force)?;
        }
        s => {
            return Err(Error::Invalid(format!(
                "exporting {} keys is not built yet",
                s.display_name()
            )))
        }
    }
    sc.mark_exported(&prof.name, name, &path.display().to_string())
}

fn write_dlubal(
    prof: &Profile,
    pairs: &[(String, Secret)],
    path: &Path,
    force: bool,
) -> Result<()> {
    let text = read_opt(path)?.unwrap_or_default();
    let mut ini = dlubal::Ini::parse(path, &text)?;
    let mut conflicts = Vec::new();
    for (n, s) in pairs {
        dlubal::check_value(s.expose()).map_err(|m| Error::Invalid(format!("key \"{n}\": {m}")))?;
        if let Some(v) = ini.get(n) {
            if v != s.expose() {
                conflicts.push(n.clone());
            }
        }
    }
    if !conflicts.is_empty() && !force {
        return Err(Error::Invalid(format!(
            "{} already holds different values for {}; import them first (`simcred import`) or overwrite with --force",
            path.display(),
            conflicts.join(", ")
        )));
    }
    for (n, s) in pairs {
        ini_set(&mut ini, n, s)?;
    }
    let default_value = pairs
        .iter()
        .find(|(n, _)| prof.default_key.as_deref() == Some(n.as_str()))
        .map(|(_, s)| s.clone())
        .or_else(|| {
            if ini.get("default").is_none() {
                pairs.first().map(|(_, s)| s.clone())
            } else {
                None
            }
        });
    if let Some(d) = default_value {
        ini_set(&mut ini, "default", &d)?;
    }
    write(path, &ini.to_text(), true)
}

/// A key found in a vendor file or variable.
#[derive(Debug, Clone)]
pub struct Found {
    pub service: Service,
    /// Where it was: a file path or `$VARIABLE`.
    pub source: String,
    pub name: String,
    pub secret: Secret,
    /// The server URL, for Modelon.
    pub url: Option<String>,
    /// Whether the vendor's file marks it as the default.
    pub is_default: bool,
    /// Profile settings found beside it (SimAI: organization, url, ...).
    pub settings: Vec<(String, String)>,
    /// Why it cannot be imported as it is (an invalid name, a key with a line break inside);
    /// `import` skips it with this note.
    pub problem: Option<String>,
}

impl Found {
    fn new(service: Service, source: &Path, name: &str, secret: Secret) -> Found {
        let problem = key_problem(&secret);
        Found {
            service,
            source: source.display().to_string(),
            name: name.to_string(),
            secret,
            url: None,
            is_default: true,
            settings: vec![],
            problem,
        }
    }
}

/// Why a key read from a file or variable is not one key: a line break, NUL or other control
/// character inside it (surrounding white space is already trimmed).
fn key_problem(s: &Secret) -> Option<String> {
    s.expose().chars().any(char::is_control).then(|| {
        "the value has a line break or other control character inside it, so it is not one key; fix the file and import again".to_string()
    })
}

/// The note for a name from a file that SimCred cannot use as a `what` name.
fn name_problem(what: &str, name: &str) -> Option<String> {
    crate::profile::validate_name(what, name)
        .err()
        .map(|m| format!("{m}; rename it in the file, or import with --profile"))
}

/// The offline tokens in the text of a SimAI SDK config file (`path` is for messages): one per
/// table that has an `offline_token` string, with the SDK's settings beside it. A syntax error
/// names the file and line.
pub fn parse_simai_config(path: &Path, text: &str) -> Result<Vec<Found>> {
    let doc = parse_toml(path, text)?;
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
        let settings = SIMAI_FIELDS
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
        let mut f = Found::new(Service::Simai, path, name, tok);
        f.settings = settings;
        f.problem = f.problem.or_else(|| name_problem("profile", name));
        out.push(f);
    }
    Ok(out)
}

/// The keys in the text of Dlubal's `config.ini` (`path` is for messages): every `[api_keys]`
/// entry but `default`, the one whose value `default` copies marked as the default; a `default`
/// that copies none of them becomes `imported-default`.
pub fn parse_dlubal_config(path: &Path, text: &str) -> Result<Vec<Found>> {
    let ini = dlubal::Ini::parse(path, text)?;
    let default = ini.get("default").map(String::from);
    let mut named_default = false;
    let mut out = Vec::new();
    for (n, v) in ini.api_keys() {
        if n == "default" {
            continue;
        }
        let Some(s) = Secret::from_user_input(&v) else {
            continue;
        };
        let is_default = default.as_deref() == Some(v.as_str()) && !named_default;
        named_default |= is_default;
        let mut f = Found::new(Service::Dlubal, path, &n, s);
        f.is_default = is_default;
        f.problem = f.problem.or_else(|| name_problem("key", &n));
        out.push(f);
    }
    if let (Some(d), false) = (&default, named_default) {
        if let Some(s) = Secret::from_user_input(d) {
            out.push(Found::new(Service::Dlubal, path, "imported-default", s));
        }
    }
    Ok(out)
}

/// Looks for keys in the vendors' files and variables. A malformed file, or one that is not
/// a regular file, is an error.
pub fn scan(services: &[Service]) -> Result<Vec<Found>> {
    let mut out = Vec::new();
    if services.contains(&Service::Modelon) {
        let url = std::env::var(modelon::ENV_URL)
            .ok()
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| modelon::DEFAULT_URL.to_string());
        let var = format!("${}", modelon::ENV_KEY);
        if let Some(s) = std::env::var(modelon::ENV_KEY)
            .ok()
            .and_then(|v| Secret::from_user_input(&v))
        {
            let mut f = Found::new(Service::Modelon, Path::new(&var), modelon::KEY_NAME, s);
            f.url = Some(url.clone());
            out.push(f);
        }
        if let Some(p) = modelon::key_file() {
            if let Some(s) = read_opt(&p)?.and_then(|t| Secret::from_user_input(&t)) {
                let mut f = Found::new(Service::Modelon, &p, modelon::KEY_NAME, s);
                f.url = Some(url);
                out.push(f);
            }
        }
    }
    if services.contains(&Service::Simai) {
        if let Some(p) = simai_config_path() {
            if let Some(text) = read_opt(&p)? {
                out.extend(parse_simai_config(&p, &text)?);
            }
        }
    }
    if services.contains(&Service::Dlubal) {
        if let Some(p) = dlubal::config_path() {
            if let Some(text) = read_opt(&p)? {
                out.extend(parse_dlubal_config(&p, &text)?);
            }
        }
    }
    Ok(out)
}

/// What happened to one found key.
#[derive(Debug, Clone, Serialize)]
pub struct Imported {
    pub profile: String,
    pub key: String,
    pub source: String,
    /// `imported`, `already stored`, or `skipped`.
    pub action: String,
    pub note: Option<String>,
}

/// Moves found keys into the keyring, into `profile` or a profile named after the service
/// (created when missing).
pub fn import(sc: &Simcred, found: &[Found], profile: Option<&str>) -> Result<Vec<Imported>> {
    let mut out = Vec::new();
    for f in found {
        // A SimAI table's name is only used when no --profile is given.
        let problem = match (f.service, profile) {
            (Service::Simai, Some(_)) => key_problem(&f.secret),
            _ => f.problem.clone(),
        };
        if let Some(note) = problem {
            out.push(Imported {
                profile: crate::text::safe(profile.unwrap_or(match f.service {
                    Service::Simai => &f.name,
                    s => s.as_str(),
                })),
                key: crate::text::safe(&f.name),
                source: f.source.clone(),
                action: "skipped".into(),
                note: Some(note),
            });
            continue;
        }
        if f.service == Service::Simai {
            out.push(import_simai(sc, f, profile)?);
            continue;
        }
        let pname = profile.unwrap_or(f.service.as_str()).to_string();
        let existing = sc.list_profiles()?;
        let prof = match find_profile(&existing, &pname) {
            Ok(p) if p.service != f.service => {
                return Err(Error::Invalid(format!(
                "profile \"{pname}\" is a {} profile; import {} keys into another with --profile",
                p.service.display_name(),
                f.service.display_name()
            )))
            }
            Ok(p) => p.clone(),
            Err(_) => {
                let settings: Vec<(String, String)> = f
                    .url
                    .iter()
                    .map(|u| ("url".to_string(), u.clone()))
                    .collect();
                sc.add_profile(&pname, f.service, &settings)?
            }
        };
        let mut rec = Imported {
            profile: pname.clone(),
            key: f.name.clone(),
            source: f.source.clone(),
            action: String::new(),
            note: None,
        };
        // Already stored under any name?
        let mut same = None;
        for k in &prof.keys {
            if let Some(s) = sc
                .store()
                .get(&SecretId::new(&pname, SecretKind::ApiKey, &k.name))?
            {
                if s == f.secret {
                    same = Some(k.name.clone());
                }
            }
        }
        if let Some(n) = same {
            rec.key = n;
            rec.action = "already stored".into();
        } else if f.service == Service::Modelon && !prof.keys.is_empty() {
            rec.action = "skipped".into();
            rec.note = Some(format!(
                "profile \"{pname}\" already has a different key; to use this one run `simcred key replace {pname}`"
            ));
        } else if prof.key(&f.name).is_some() {
            rec.action = "skipped".into();
            rec.note = Some(format!(
                "profile \"{pname}\" already has a different key named \"{}\"; import into another profile with --profile",
                f.name
            ));
        } else {
            sc.add_key(&pname, Some(&f.name), f.secret.clone(), f.is_default)?;
            if !f.source.starts_with('$') {
                sc.mark_exported(&pname, &f.name, &f.source)?;
            }
            rec.action = "imported".into();
        }
        out.push(rec);
    }
    Ok(out)
}

fn import_simai(sc: &Simcred, f: &Found, profile: Option<&str>) -> Result<Imported> {
    let pname = profile.unwrap_or(&f.name).to_string();
    let existing = sc.list_profiles()?;
    let prof = match find_profile(&existing, &pname) {
        Ok(p) if p.service != Service::Simai => {
            return Err(Error::Invalid(format!(
                "profile \"{pname}\" is a {} profile; import the SimAI token into another with --profile",
                p.service.display_name()
            )))
        }
        Ok(p) => p.clone(),
        Err(_) => sc.add_profile(&pname, Service::Simai, &f.settings)?,
    };
    let mut rec = Imported {
        profile: pname.clone(),
        key: "offline token".into(),
        source: f.source.clone(),
        action: "imported".into(),
        note: None,
    };
    let id = SecretId::new(&pname, SecretKind::OfflineToken, "default");
    if sc.store().get(&id)?.as_ref() == Some(&f.secret) {
        rec.action = "already stored".into();
        return Ok(rec);
    }
    let offline = prof.token(crate::signin::OFFLINE);
    if offline.is_some_and(|m| !m.status.needs_attention() && m.exported.contains(&f.source)) {
        // Imported from this file before and rotated by a refresh since.
        rec.action = "already stored".into();
        rec.note = Some("the stored copy has been refreshed since it was imported".into());
        return Ok(rec);
    }
    if offline.is_some_and(|m| !m.status.needs_attention()) {
        rec.action = "skipped".into();
        rec.note = Some(format!(
            "profile \"{pname}\" already has a different offline token; `simcred logout {pname}` first to replace it"
        ));
        return Ok(rec);
    }
    sc.store_offline_token(&pname, &f.secret, &f.source)?;
    Ok(rec)
}

/// Deletes the plaintext copies of keys that are safely in the keyring: `~/.impact/api.key`
/// is removed (through a symlink: the file it points to, then the link); Dlubal entries (and a
/// `default` that copies one of them) are taken out of `config.ini` and offline tokens out of
/// the SimAI config, everything else in them is kept (a symlinked file is rewritten where it
/// really is). Returns what was removed, as sentences. Fails, naming the file, when a copy
/// could not be removed or its value still appears in the file.
pub fn remove_plaintext(found: &[Found], imported: &[Imported]) -> Result<Vec<String>> {
    // `imported` has one record per found key, in the same order.
    let safe: Vec<&Found> = found
        .iter()
        .enumerate()
        .filter(|(i, f)| {
            imported.get(*i).is_some_and(|r| {
                r.source == f.source && (r.action == "imported" || r.action == "already stored")
            })
        })
        .map(|(_, f)| f)
        .collect();
    let mut done = Vec::new();
    let mut remaining = Vec::new();
    for f in safe
        .iter()
        .filter(|f| f.service == Service::Modelon && !f.source.starts_with('$'))
    {
        remove_key_file(f, &mut done, &mut remaining)?;
    }
    let dl: Vec<&Found> = safe
        .iter()
        .copied()
        .filter(|f| f.service == Service::Dlubal)
        .collect();
    if !dl.is_empty() {
        remove_from_dlubal(&dl, &mut done, &mut remaining)?;
    }
    let sim: Vec<&Found> = safe
        .iter()
        .copied()
        .filter(|f| f.service == Service::Simai)
        .collect();
    if !sim.is_empty() {
        remove_from_simai(&sim, &mut done, &mut remaining)?;
    }
    if found.iter().any(|f| f.source.starts_with('$')) {
        done.push(format!(
            "${} is still set in this environment: remove it from your shell profile yourself",
            modelon::ENV_KEY
        ));
    }
    if !remaining.is_empty() {
        let mut msg = String::new();
        if !done.is_empty() {
            msg.push_str(&format!("{}. ", done.join("; ")));
        }
        msg.push_str(&format!(
            "Plaintext copies remain: {}",
            remaining.join("; ")
        ));
        return Err(Error::Invalid(msg));
    }
    Ok(done)
}

/// `path`, and where it really is when it is a symlink: "a (a link to b)".
fn shown_with_target(path: &Path, real: Option<&Path>) -> String {
    match real {
        Some(r) => format!("{} (a link to {})", path.display(), r.display()),
        None => path.display().to_string(),
    }
}

/// The 1-based lines of `text` that contain `secret`.
fn lines_holding(text: &str, secret: &Secret) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.contains(secret.expose()))
        .map(|(i, _)| i + 1)
        .collect()
}

/// Removes `~/.impact/api.key` (the file itself when it is a symlink, then the link), only
/// while it still holds the imported key.
fn remove_key_file(f: &Found, done: &mut Vec<String>, remaining: &mut Vec<String>) -> Result<()> {
    let link = Path::new(&f.source);
    let real = fsio::symlink_target(link)?;
    let file = real.as_deref().unwrap_or(link);
    match read_opt(file)? {
        None => return Ok(()),
        Some(t) if Secret::from_user_input(&t).as_ref() != Some(&f.secret) => {
            remaining.push(format!(
                "{} changed since it was imported, so SimCred left it alone",
                shown_with_target(link, real.as_deref())
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
    if read_opt(file)?.is_some() {
        remaining.push(format!("{} is still there", file.display()));
    }
    Ok(())
}

/// Takes the imported entries (and a `default` copying one of them) out of `config.ini`.
fn remove_from_dlubal(
    dl: &[&Found],
    done: &mut Vec<String>,
    remaining: &mut Vec<String>,
) -> Result<()> {
    let Some(first) = dl.first() else {
        return Ok(());
    };
    let p = PathBuf::from(&first.source);
    let real = fsio::symlink_target(&p)?;
    let shown = shown_with_target(&p, real.as_deref());
    let Some(text) = read_opt(&p)? else {
        return Ok(());
    };
    let mut ini = dlubal::Ini::parse(&p, &text)?;
    let mut lines = Vec::new();
    for f in dl {
        if f.name == "imported-default" || ini.get(&f.name) != Some(f.secret.expose()) {
            continue;
        }
        if ini.remove(&f.name)? {
            lines.push(format!("removed \"{}\" from {shown}", f.name));
        }
    }
    if let Some(d) = ini.get("default").map(String::from) {
        if dl.iter().any(|f| f.secret.expose() == d) && ini.remove("default")? {
            lines.push(format!("removed \"default\" from {shown}"));
        }
    }
    if !lines.is_empty() {
        write(&p, &ini.to_text(), true)?;
        done.extend(lines);
    }
    let after = read_opt(&p)?.unwrap_or_default();
    for f in dl {
        let at = lines_holding(&after, &f.secret);
        if !at.is_empty() {
            remaining.push(format!(
                "the value of \"{}\" is still in {shown} (line {}); remove it by hand",
                f.name,
                at.iter()
                    .map(|l| l.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    Ok(())
}

/// Takes the imported offline tokens out of the SimAI SDK's config file.
fn remove_from_simai(
    sim: &[&Found],
    done: &mut Vec<String>,
    remaining: &mut Vec<String>,
) -> Result<()> {
    let Some(first) = sim.first() else {
        return Ok(());
    };
    let p = PathBuf::from(&first.source);
    let real = fsio::symlink_target(&p)?;
    let shown = shown_with_target(&p, real.as_deref());
    let Some(text) = read_opt(&p)? else {
        return Ok(());
    };
    let mut doc = parse_toml(&p, &text)?;
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
        write(&p, &doc.to_string(), true)?;
        done.extend(lines);
    }
    let after = read_opt(&p)?.unwrap_or_default();
    for f in sim {
        let at = lines_holding(&after, &f.secret);
        if !at.is_empty() {
            remaining.push(format!(
                "the offline token of [{}] is still in {shown} (line {}); remove it by hand",
                f.name,
                at.iter()
                    .map(|l| l.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    Ok(())
}

/// What happened to one file a replaced key had been exported to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Reexport {
    /// The file held the old key and now holds the new one.
    Written,
    /// The file no longer holds the old key (gone, changed, not a regular file): it was left
    /// alone and should be dropped from the key's export list. The sentence says why.
    Gone(String),
    /// The file could not be checked or written; it stays on the list. The sentence says why.
    Kept(String),
}

/// Writes the replacement `new` of key `name` to `path` only if `path` still holds `old` there
/// (Modelon: the whole file; Dlubal: the entry `name`, and `default` when it copies it).
pub(crate) fn reexport_replaced(
    sc: &Simcred,
    prof: &Profile,
    name: &str,
    old: Option<&Secret>,
    new: &Secret,
    path: &Path,
) -> Reexport {
    let shown = path.display();
    let Some(old) = old else {
        return Reexport::Kept(format!(
            "{shown}: the old key was not in the keyring, so SimCred cannot tell whether the file still holds it; run `simcred export {}` if it should get the new one",
            prof.name
        ));
    };
    let text = match fsio::read_text(path) {
        Ok(Some(t)) => t,
        Ok(None) => {
            return Reexport::Gone(format!(
                "{shown} no longer exists, so it was not re-created"
            ))
        }
        Err(e @ fsio::FileError::NotRegular { .. }) => return Reexport::Gone(e.to_string()),
        Err(e) => return Reexport::Kept(e.to_string()),
    };
    let written = match prof.service {
        Service::Modelon => {
            if Secret::from_user_input(&text).as_ref() != Some(old) {
                return Reexport::Gone(format!(
                    "{shown} no longer holds the old key, so SimCred left it alone"
                ));
            }
            export_key_to(sc, prof, name, new, path, true)
        }
        Service::Dlubal => {
            let mut ini = match dlubal::Ini::parse(path, &text) {
                Ok(i) => i,
                Err(e) => return Reexport::Kept(e.to_string()),
            };
            if ini.get(name) != Some(old.expose()) {
                return Reexport::Gone(format!(
                    "{shown} no longer holds the old value of \"{name}\", so SimCred left it alone"
                ));
            }
            rewrite_dlubal(&mut ini, name, old, new, path)
                .and_then(|()| sc.mark_exported(&prof.name, name, &shown.to_string()))
        }
        s => Err(Error::Invalid(format!(
            "exporting {} keys is not built yet",
            s.display_name()
        ))),
    };
    match written {
        Ok(()) => Reexport::Written,
        Err(e) => Reexport::Kept(format!("{shown} still holds the old key: {e}")),
    }
}

/// Puts `new` where `old` was under `name` (and in `default` when it copied `old`).
fn rewrite_dlubal(
    ini: &mut dlubal::Ini,
    name: &str,
    old: &Secret,
    new: &Secret,
    path: &Path,
) -> Result<()> {
    dlubal::check_value(new.expose())
        .map_err(|m| Error::Invalid(format!("key \"{name}\": {m}")))?;
    let default_copies_old = ini.get("default") == Some(old.expose());
    ini_set(ini, name, new)?;
    if default_copies_old {
        ini_set(ini, "default", new)?;
    }
    write(path, &ini.to_text(), true)
}
