//! The vendors' own credential files, written and read only when the user asks.
//!
//! Export writes `~/.impact/api.key` (Modelon) or merges into Dlubal's `config.ini`, atomically
//! and with mode 0600. Import finds keys in those files and in `MODELON_IMPACT_CLIENT_API_KEY`,
//! moves them into the keyring, and says where plaintext copies remain; removing those copies
//! is a separate, explicit step.

use crate::app::{find_profile, resolve_key, Simcred};
use crate::atomic::write_atomic;
use crate::error::{Error, Result};
use crate::profile::{Profile, Service};
use crate::providers::{dlubal, modelon};
use crate::secret::Secret;
use crate::store::{SecretId, SecretKind};
use serde::Serialize;
use std::path::{Path, PathBuf};

fn io_err(path: &Path, e: std::io::Error) -> Error {
    Error::Io(format!("cannot use {}: {e}", path.display()))
}

fn read_opt(path: &Path) -> Result<Option<String>> {
    match std::fs::read(path) {
        Ok(b) => String::from_utf8(b).map(Some).map_err(|_| {
            Error::Invalid(format!(
                "{} is not a text file; SimCred left it unchanged",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err(path, e)),
    }
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
    write_atomic(&target, doc.to_string().as_bytes(), private).map_err(|e| io_err(&target, e))?;
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
            write_atomic(path, secret.expose().as_bytes(), true).map_err(|e| io_err(path, e))?;
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
        ini.set(n, s.expose());
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
        ini.set("default", d.expose());
    }
    write_atomic(path, ini.to_text().as_bytes(), true).map_err(|e| io_err(path, e))
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
}

/// Looks for keys in the vendors' files and variables. A malformed file is an error.
pub fn scan(services: &[Service]) -> Result<Vec<Found>> {
    let mut out = Vec::new();
    if services.contains(&Service::Modelon) {
        let url = std::env::var(modelon::ENV_URL)
            .ok()
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| modelon::DEFAULT_URL.to_string());
        if let Some(s) = std::env::var(modelon::ENV_KEY)
            .ok()
            .and_then(|v| Secret::from_user_input(&v))
        {
            out.push(Found {
                service: Service::Modelon,
                source: format!("${}", modelon::ENV_KEY),
                name: modelon::KEY_NAME.into(),
                secret: s,
                url: Some(url.clone()),
                is_default: true,
                settings: vec![],
            });
        }
        if let Some(p) = modelon::key_file() {
            if let Some(text) = read_opt(&p)? {
                if let Some(s) = Secret::from_user_input(&text) {
                    out.push(Found {
                        service: Service::Modelon,
                        source: p.display().to_string(),
                        name: modelon::KEY_NAME.into(),
                        secret: s,
                        url: Some(url),
                        is_default: true,
                        settings: vec![],
                    });
                }
            }
        }
    }
    if services.contains(&Service::Simai) {
        if let Some(p) = simai_config_path().filter(|p| p.is_file()) {
            let text = read_opt(&p)?.unwrap_or_default();
            let doc = parse_toml(&p, &text)?;
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
                out.push(Found {
                    service: Service::Simai,
                    source: p.display().to_string(),
                    name: name.to_string(),
                    secret: tok,
                    url: None,
                    is_default: true,
                    settings,
                });
            }
        }
    }
    if services.contains(&Service::Dlubal) {
        if let Some(p) = dlubal::config_path() {
            if let Some(text) = read_opt(&p)? {
                let ini = dlubal::Ini::parse(&p, &text)?;
                let keys = ini.api_keys();
                let default = ini.get("default").map(String::from);
                let mut named_default = false;
                for (n, v) in &keys {
                    if n == "default" {
                        continue;
                    }
                    let Some(s) = Secret::from_user_input(v) else {
                        continue;
                    };
                    let is_default = default.as_deref() == Some(v.as_str()) && !named_default;
                    named_default |= is_default;
                    out.push(Found {
                        service: Service::Dlubal,
                        source: p.display().to_string(),
                        name: n.clone(),
                        secret: s,
                        url: None,
                        is_default,
                        settings: vec![],
                    });
                }
                if let (Some(d), false) = (&default, named_default) {
                    if let Some(s) = Secret::from_user_input(d) {
                        out.push(Found {
                            service: Service::Dlubal,
                            source: p.display().to_string(),
                            name: "imported-default".into(),
                            secret: s,
                            url: None,
                            is_default: true,
                            settings: vec![],
                        });
                    }
                }
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
/// is removed; Dlubal entries (and a `default` that copies one of them) are taken out of
/// `config.ini`, everything else in it is kept. Returns what was removed, as sentences.
pub fn remove_plaintext(found: &[Found], imported: &[Imported]) -> Result<Vec<String>> {
    // `imported` has one record per found key, in the same order.
    let safe_list: Vec<bool> = found
        .iter()
        .enumerate()
        .map(|(i, f)| {
            imported.get(i).is_some_and(|r| {
                r.source == f.source && (r.action == "imported" || r.action == "already stored")
            })
        })
        .collect();
    let safe = |f: &Found| {
        found
            .iter()
            .position(|g| std::ptr::eq(g, f))
            .map(|i| safe_list[i])
            .unwrap_or(false)
    };
    let mut done = Vec::new();
    for f in found
        .iter()
        .filter(|f| f.service == Service::Modelon && !f.source.starts_with('$') && safe(f))
    {
        let p = Path::new(&f.source);
        std::fs::remove_file(p).map_err(|e| io_err(p, e))?;
        done.push(format!("deleted {}", f.source));
    }
    let dl: Vec<&Found> = found
        .iter()
        .filter(|f| f.service == Service::Dlubal && safe(f))
        .collect();
    if let Some(first) = dl.first() {
        let p = PathBuf::from(&first.source);
        let text = read_opt(&p)?.unwrap_or_default();
        let mut ini = dlubal::Ini::parse(&p, &text)?;
        for f in &dl {
            if f.name == "imported-default" {
                continue;
            }
            if ini.remove(&f.name) {
                done.push(format!("removed \"{}\" from {}", f.name, f.source));
            }
        }
        if let Some(d) = ini.get("default").map(String::from) {
            if dl.iter().any(|f| f.secret.expose() == d) {
                ini.remove("default");
                done.push(format!("removed \"default\" from {}", first.source));
            }
        }
        write_atomic(&p, ini.to_text().as_bytes(), true).map_err(|e| io_err(&p, e))?;
    }
    let sim: Vec<&Found> = found
        .iter()
        .filter(|f| f.service == Service::Simai && safe(f))
        .collect();
    if let Some(first) = sim.first() {
        let p = PathBuf::from(&first.source);
        let text = read_opt(&p)?.unwrap_or_default();
        if let Ok(mut doc) = text.parse::<toml_edit::DocumentMut>() {
            for f in &sim {
                if let Some(t) = doc.get_mut(&f.name).and_then(|i| i.as_table_like_mut()) {
                    t.remove("offline_token");
                    done.push(format!(
                        "removed the offline_token of [{}] from {}",
                        f.name, f.source
                    ));
                }
            }
            write_atomic(&p, doc.to_string().as_bytes(), true).map_err(|e| io_err(&p, e))?;
        }
    }
    if found.iter().any(|f| f.source.starts_with('$')) {
        done.push(format!(
            "${} is still set in this environment: remove it from your shell profile yourself",
            modelon::ENV_KEY
        ));
    }
    Ok(done)
}
