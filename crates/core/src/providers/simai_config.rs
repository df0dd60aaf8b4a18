//! The SimAI SDK's own config file: where the SDK looks for it, reading the offline tokens and
//! settings in it (`simcred import`, `audit`), writing a profile's table into it (`export`), the
//! config `run --files` hands the SDK, and removing a token from it. TOML, one table per
//! profile, the SDK's field names, `offline_token` optional.
//!
//! The SDK searches its config in `$XDG_CONFIG_HOME/ansys_simai.conf`,
//! `$XDG_CONFIG_HOME/ansys/simai.conf`, `~/.ansys_simai.conf`, `~/.ansys/simai.conf`,
//! `/etc/ansys_simai.conf`, `/etc/ansys/simai.conf` (`%APPDATA%\Ansys\simai.conf` on Windows).
//!
//! [`super::simai`] re-exports the public items under their old paths (`simai::parse_config`, …).
//! The service's handle [`Simai`] is declared here too, so this file need not import
//! `simai.rs`, which implements its `Provider` (and re-exports it as `simai::Simai`).

use super::files::{self, Found, Source, VendorFiles};
use super::{Provider, SettingKind};
use crate::error::{Error, Result};
use crate::profile::{Profile, Service};
use crate::secret::Secret;
use std::path::{Path, PathBuf};

/// The SimAI service (its `Provider` is implemented in `simai.rs`).
pub struct Simai;

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

pub(super) struct SimaiFiles;

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
    fn audit(&self, held: &crate::finding::Held<'_>) -> Result<Vec<crate::finding::Finding>> {
        use crate::finding::{Advice, Finding};
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
                Ok(found) => out.extend(crate::finding::from_scan(
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
}
