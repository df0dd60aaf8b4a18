//! The vendors' own credential files, written and read only when the user asks: the generic
//! steps of export, import and plaintext removal, over every service of the registry that has
//! [`crate::providers::files::VendorFiles`]. Each vendor's format lives in its provider module.
//!
//! Export writes the vendor's file atomically and with mode 0600. Import finds keys in those
//! files and variables, moves them into the keyring, and says where plaintext copies remain;
//! removing those copies is a separate, explicit step. Every read and write goes through
//! [`crate::fsio`]: only regular files, size-capped. Removing plaintext removes the real file
//! behind a symlink, and a replaced key is re-exported only where the old one still is.

use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::fsio;
use crate::profile::find_profile;
use crate::profile::{Profile, Service};
use crate::providers::files::VendorFiles;
use crate::providers::KeyPolicy;
use crate::secret::Secret;
use serde::Serialize;
use std::path::Path;

pub use crate::import::{import, needs_server, ImportAction, ImportChoice, Imported};
pub use crate::providers::dlubal::parse_config as parse_dlubal_config;
pub use crate::providers::files::{Found, Reexport, Source};
pub use crate::providers::simai::parse_config as parse_simai_config;

/// What `export` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct Exported {
    pub path: String,
    /// The keys written; `settings` (and `offline_token`) for a sign-in service.
    pub keys: Vec<String>,
}

/// The vendor files of a service, or an error saying it has none.
fn files_of(service: Service) -> Result<&'static dyn VendorFiles> {
    service
        .provider()
        .files()
        .ok_or_else(|| Error::NotSupported {
            service: service.display_name().to_string(),
            what: "vendor files (import and export)".into(),
        })
}

/// Writes a profile's key(s) to the vendor's file: `path` or the file the vendor's client reads.
/// A file that holds a different key under the same name is left alone unless `force`. For a
/// sign-in service the profile's settings are written, and with `include_secret` its offline
/// token too.
pub fn export(
    sc: &Ctx<'_>,
    profile: &str,
    key: Option<&str>,
    path: Option<&Path>,
    force: bool,
    include_secret: bool,
) -> Result<Exported> {
    let prof = sc.profile(profile)?;
    let files = files_of(prof.service)?;
    let target = match path {
        Some(p) => p.to_path_buf(),
        None => files.default_path().ok_or_else(|| {
            Error::Invalid(format!(
                "cannot find where {} goes (HOME is not set); give a path to write to",
                files.label()
            ))
        })?,
    };
    let shown = target.display().to_string();
    match prof.service.provider().key_policy() {
        KeyPolicy::TokensOnly => {
            let mut items = Vec::new();
            if include_secret {
                let tok = sc.stored_offline_token(&prof)?;
                items.push(("offline_token".to_string(), tok));
            }
            files.write(&prof, &items, &target, force)?;
            let mut keys = vec!["settings".to_string()];
            if include_secret {
                keys.push("offline_token".into());
                sc.update_profile(&prof.name, |d| {
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
            Ok(Exported { path: shown, keys })
        }
        policy => {
            let names: Vec<String> = match (policy, key) {
                (KeyPolicy::Named, None) if prof.keys.is_empty() => {
                    return Err(Error::NoKeys {
                        profile: profile.into(),
                    })
                }
                (KeyPolicy::Named, None) => prof.keys.iter().map(|k| k.name.clone()).collect(),
                (_, k) => vec![sc.get_key(profile, k)?.0.name],
            };
            let mut pairs = Vec::new();
            for n in &names {
                let (_, s) = sc.get_key(profile, Some(n))?;
                pairs.push((n.clone(), s));
            }
            files.write(&prof, &pairs, &target, force)?;
            for n in &names {
                sc.mark_exported(profile, n, &shown)?;
            }
            Ok(Exported {
                path: shown,
                keys: names,
            })
        }
    }
}

/// The services whose vendor files SimCred can import from, in registry order.
pub fn importable() -> Vec<Service> {
    Service::all()
        .filter(|s| s.provider().files().is_some())
        .collect()
}

/// Looks for keys in the vendors' files and variables of `services`. A malformed file, or one
/// that is not a regular file, is an error.
pub fn scan(services: &[Service]) -> Result<Vec<Found>> {
    let mut out = Vec::new();
    for s in Service::all().filter(|s| services.contains(s)) {
        if let Some(f) = s.provider().files() {
            out.extend(f.scan()?);
        }
    }
    Ok(out)
}

/// Deletes the plaintext copies of keys that are safely in the keyring (each vendor's files
/// say how: a whole file, or entries of a shared one, through symlinks to the real file).
/// Returns what was removed, as sentences. Fails, naming the file, when a copy could not be
/// removed or its value still appears in the file. Once every copy is gone, the profiles that
/// took the keys no longer record those files as exports (or `audit` would report the file,
/// emptied of its keys, as still holding them).
pub fn remove_plaintext(
    sc: &Ctx<'_>,
    found: &[Found],
    imported: &[Imported],
) -> Result<Vec<String>> {
    // `imported` has one record per found key, in the same order.
    let safe: Vec<&Found> = found
        .iter()
        .enumerate()
        .filter(|(i, f)| {
            imported
                .get(*i)
                .is_some_and(|r| r.source == f.source.to_string() && r.action.is_stored())
        })
        .map(|(_, f)| f)
        .collect();
    let mut done = Vec::new();
    let mut remaining = Vec::new();
    for s in Service::all() {
        let mine: Vec<&Found> = safe.iter().copied().filter(|f| f.service == s).collect();
        if let (false, Some(files)) = (mine.is_empty(), s.provider().files()) {
            files.remove(&mine, &mut done, &mut remaining)?;
        }
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
    for (f, r) in found.iter().zip(imported) {
        if let (Source::File(p), true) = (&f.source, r.action.is_stored()) {
            sc.forget_export(&r.profile, &p.display().to_string(), None)?;
        }
    }
    Ok(done)
}

/// Writes the replacement `new` of key `name` to `path` only if `path` still holds `old` there,
/// and records the export.
pub(crate) fn reexport_replaced(
    sc: &Ctx<'_>,
    prof: &Profile,
    name: &str,
    old: Option<&Secret>,
    new: &Secret,
    path: &Path,
) -> Reexport {
    let shown = path.display();
    let Some(old) = old else {
        return Reexport::Kept(format!(
            "{shown}: the old key was not in the keyring, so SimCred cannot tell whether the file still holds it; export the profile again if it should get the new one"
        ));
    };
    let Some(files) = prof.service.provider().files() else {
        return Reexport::Kept(format!("{shown}: this service has no vendor files"));
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
    match files.rewrite(prof, name, old, new, path, &text) {
        Reexport::Written => match sc.mark_exported(&prof.name, name, &shown.to_string()) {
            Ok(()) => Reexport::Written,
            Err(e) => Reexport::Kept(format!("{shown} was written but not recorded: {e}")),
        },
        other => other,
    }
}
