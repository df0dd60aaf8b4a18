//! `audit`: finds the plaintext credentials the vendors' tools (and SimCred's own exports) leave
//! behind, and says what to do with each — import it into the keyring, or remove it. Each
//! provider's vendor files report their own places ([`VendorFiles::audit`]); this module adds
//! what every service shares: shell start-up files that assign a secret variable, and files
//! SimCred exported. Findings hold paths, lines and names, never a secret value.
//!
//! Rules:
//! - Everything audit prints is made safe for the terminal ([`crate::text::safe`]): file names
//!   come from the disk, and a cache file may be named anything.
//! - Nothing at a vendor's path stops the audit: what is not a regular file, or does not parse,
//!   becomes a finding of its own ([`Advice::Check`]), read without blocking ([`crate::fsio`]).
//! - Only this computer's profiles count, for the files SimCred exported and for the keys it
//!   holds: a team profile's metadata is teammates' text, and a path written there is never
//!   taken for a file of this user to remove.
//! - A vendor's file holding a key SimCred already holds (the same value, in a profile of this
//!   computer) says where SimCred holds it and that only the plaintext copy is to go; one
//!   holding a key SimCred does not have is to be imported.
//!
//! [`VendorFiles::audit`]: crate::providers::files::VendorFiles::audit

use crate::ctx::Ctx;
use crate::error::Result;
pub use crate::finding::{from_scan, Advice, Finding, Held};
use crate::profile::{Profile, Service};
use crate::providers::files::home;
use crate::store::{SecretId, SecretKind};
use std::path::{Path, PathBuf};

/// The shell start-up files people put `export VAR=...` in.
const SHELL_FILES: [&str; 8] = [
    ".bashrc",
    ".bash_profile",
    ".bash_login",
    ".profile",
    ".zshrc",
    ".zshenv",
    ".zprofile",
    ".config/fish/config.fish",
];

/// The variables that carry a secret for some service (the ones `run` sets to a key or token).
fn secret_variables() -> Vec<(Service, String)> {
    Service::all()
        .flat_map(|s| {
            crate::providers::handed_over(s)
                .variables
                .into_iter()
                .filter(|(_, secret)| *secret)
                .map(move |(v, _)| (s, v))
        })
        .collect()
}

/// Whether `line` assigns a value to `var` (sh, bash, zsh, fish, csh styles).
fn assigns(line: &str, var: &str) -> bool {
    let t = line.trim_start();
    if t.starts_with('#') {
        return false;
    }
    let words: Vec<&str> = t
        .split(|c: char| c.is_whitespace() || c == ';')
        .filter(|w| !w.is_empty())
        .collect();
    words.iter().enumerate().any(|(i, w)| {
        w.strip_prefix(var)
            .is_some_and(|rest| rest.starts_with('=') && rest.len() > 1)
            || (*w == var
                && i > 0
                && matches!(words[i - 1], "-x" | "-gx" | "-Ux" | "-xg" | "setenv")
                && words.get(i + 1).is_some())
    })
}

/// Assignments of secret variables in the user's shell start-up files.
fn shell_findings() -> Vec<Finding> {
    let Some(h) = home() else { return vec![] };
    let vars = secret_variables();
    let mut out = Vec::new();
    for f in SHELL_FILES {
        let p = h.join(f);
        let Ok(Some(text)) = crate::fsio::read_text(&p) else {
            continue;
        };
        for (i, line) in text.lines().enumerate() {
            for (s, v) in &vars {
                if assigns(line, v) {
                    out.push(Finding {
                        service: Some(s.as_str().to_string()),
                        path: p.display().to_string(),
                        line: Some(i + 1),
                        what: format!("{v} is set to a secret"),
                        advice: Advice::Remove,
                        todo: None,
                    });
                }
            }
        }
    }
    out
}

/// A record of an export that no longer matches the disk: the file is gone (`key`: `None`,
/// every record of the path goes), or it no longer holds key `key`.
struct StaleExport {
    profile: String,
    key: Option<String>,
    path: String,
}

/// Files SimCred itself exported that still hold what was exported, as recorded by `profiles`
/// (this computer's: a path in a team profile's metadata is not this user's to remove), and the
/// records that no longer match the disk (the file gone, or no longer holding the key, which is
/// read from the store to tell; a key that cannot be read is reported as before).
fn export_findings(ctx: &Ctx<'_>, profiles: &[Profile]) -> (Vec<Finding>, Vec<StaleExport>) {
    let mut out = Vec::new();
    let mut stale = Vec::new();
    for p in profiles {
        for (what, m, kind) in p
            .keys
            .iter()
            .map(|k| ("the exported key", k, Some(SecretKind::ApiKey)))
            .chain(p.tokens.iter().map(|t| ("the exported token", t, None)))
        {
            for path in &m.exported {
                let text = match crate::fsio::read_text(Path::new(path)) {
                    Ok(Some(t)) => Some(t),
                    Ok(None) => {
                        stale.push(StaleExport {
                            profile: p.name.clone(),
                            key: None,
                            path: path.clone(),
                        });
                        continue;
                    }
                    // Not readable as text (or not a regular file): reported, not judged.
                    Err(_) => None,
                };
                let gone = kind.zip(text).is_some_and(|(kind, text)| {
                    matches!(
                        ctx.store().get(&SecretId::new(&p.name, kind, &m.name)),
                        Ok(Some(s)) if !text.contains(s.expose())
                    )
                });
                if gone {
                    stale.push(StaleExport {
                        profile: p.name.clone(),
                        key: Some(m.name.clone()),
                        path: path.clone(),
                    });
                    continue;
                }
                if Path::new(path).is_file() {
                    out.push(Finding {
                        service: Some(p.service.as_str().to_string()),
                        path: path.clone(),
                        line: None,
                        what: format!("{what} \"{}\" of profile {}", m.name, p.name),
                        advice: Advice::Remove,
                        todo: None,
                    });
                }
            }
        }
    }
    (out, stale)
}

/// Every plaintext credential found, one finding per place (a vendor file SimCred also
/// exported to is listed once).
pub fn audit(ctx: &Ctx<'_>) -> Result<Vec<Finding>> {
    // This computer's profiles only (see the module's rules); no team store is asked.
    let profiles = ctx.config().read()?;
    let held = Held::new(ctx, profiles.clone());
    let mut out: Vec<Finding> = Vec::new();
    for s in Service::all() {
        if let Some(files) = s.provider().files() {
            match files.audit(&held) {
                Ok(found) => out.extend(found),
                // One vendor's unreadable file is a finding, not the end of the audit.
                Err(e) => out.push(match files.default_path() {
                    Some(p) => Finding::unreadable(s, &p, &e),
                    None => Finding {
                        path: files.label().to_string(),
                        ..Finding::unreadable(s, Path::new(""), &e)
                    },
                }),
            }
        }
    }
    out.extend(shell_findings());
    let (exported, stale) = export_findings(ctx, &profiles);
    for f in exported {
        if !out.iter().any(|o| o.path == f.path && o.line.is_none()) {
            out.push(f);
        }
    }
    // SimCred's own records follow the disk: a file gone or emptied of the key is no longer
    // "exported to" (nor reported, nor re-exported to on a replace).
    for s in stale {
        ctx.forget_export(&s.profile, &s.path, s.key.as_deref())?;
    }
    Ok(out.into_iter().map(Finding::made_safe).collect())
}

/// Walks `root` (at most `depth` levels, skipping hidden directories other than those in
/// `enter_hidden`, and at most `budget` entries) for files whose path ends with `suffix`.
pub fn find_below(root: &Path, suffix: &[&str], depth: usize, budget: &mut usize) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(root) else {
        return out;
    };
    for e in entries.flatten() {
        if *budget == 0 {
            break;
        }
        *budget -= 1;
        let Ok(ft) = e.file_type() else { continue };
        let p = e.path();
        if ft.is_dir() && depth > 0 {
            let name = e.file_name().to_string_lossy().to_string();
            if matches!(name.as_str(), "node_modules" | ".git" | ".cache" | "proc") {
                continue;
            }
            out.extend(find_below(&p, suffix, depth - 1, budget));
        } else if ft.is_file() {
            let parts: Vec<String> = p
                .components()
                .map(|c| c.as_os_str().to_string_lossy().to_string())
                .collect();
            if parts.len() >= suffix.len()
                && parts[parts.len() - suffix.len()..]
                    .iter()
                    .zip(suffix)
                    .all(|(a, b)| a == b)
            {
                out.push(p);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignments_in_every_shell_style() {
        let v = "MODELON_IMPACT_CLIENT_API_KEY";
        assert!(assigns("export MODELON_IMPACT_CLIENT_API_KEY=abc", v));
        assert!(assigns(
            "MODELON_IMPACT_CLIENT_API_KEY='abc' python x.py",
            v
        ));
        assert!(assigns("set -gx MODELON_IMPACT_CLIENT_API_KEY abc", v));
        assert!(assigns("setenv MODELON_IMPACT_CLIENT_API_KEY abc", v));
        assert!(!assigns("# export MODELON_IMPACT_CLIENT_API_KEY=abc", v));
        assert!(!assigns("echo $MODELON_IMPACT_CLIENT_API_KEY", v));
        assert!(!assigns("export MODELON_IMPACT_CLIENT_API_KEY=", v));
        assert!(!assigns("export MODELON_IMPACT_CLIENT_API_KEY_FILE=x", v));
    }
}
