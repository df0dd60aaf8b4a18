//! `audit`: finds the plaintext credentials the vendors' tools (and SimCred's own exports) leave
//! behind, and says what to do with each — import it into the keyring, or remove it. Each
//! provider's vendor files report their own places ([`VendorFiles::audit`]); this module adds
//! what every service shares: shell start-up files that assign a secret variable, and files
//! SimCred exported. Findings hold paths, lines and names, never a secret value.

use crate::ctx::Ctx;
use crate::error::Result;
use crate::profile::{Profile, Service};
use crate::providers::files::{home, Found, Source};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What to do about a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Advice {
    /// Move it into the keyring (`import`), then remove the plaintext.
    Import,
    /// Remove it (the keyring has, or should get, its own copy).
    Remove,
}

/// One plaintext credential found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The service it belongs to, when known.
    pub service: Option<String>,
    /// Where: a file path, or `$VARIABLE` for this environment.
    pub path: String,
    /// The 1-based line, for a line in a larger file.
    pub line: Option<usize>,
    /// What it is, in words ("an API key named project_1", "an offline token").
    pub what: String,
    pub advice: Advice,
}

impl Finding {
    /// A finding for an entry a vendor-file scan returned.
    pub fn from_found(f: &Found, what: &str) -> Finding {
        Finding {
            service: Some(f.service.as_str().to_string()),
            path: f.source.to_string(),
            line: None,
            what: format!("{what} \"{}\"", crate::text::safe(&f.name)),
            advice: Advice::Import,
        }
    }
}

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
                    });
                }
            }
        }
    }
    out
}

/// Files SimCred itself exported that are still there.
fn export_findings(profiles: &[Profile]) -> Vec<Finding> {
    let mut out = Vec::new();
    for p in profiles {
        for (what, m) in p
            .keys
            .iter()
            .map(|k| ("the exported key", k))
            .chain(p.tokens.iter().map(|t| ("the exported token", t)))
        {
            for path in &m.exported {
                if Path::new(path).is_file() {
                    out.push(Finding {
                        service: Some(p.service.as_str().to_string()),
                        path: crate::text::safe(path),
                        line: None,
                        what: format!("{what} \"{}\" of profile {}", m.name, p.name),
                        advice: Advice::Remove,
                    });
                }
            }
        }
    }
    out
}

/// Every plaintext credential found, one finding per place (a vendor file SimCred also
/// exported to is listed once).
pub fn audit(ctx: &Ctx<'_>) -> Result<Vec<Finding>> {
    let mut out: Vec<Finding> = Vec::new();
    for s in Service::all() {
        if let Some(files) = s.provider().files() {
            out.extend(files.audit()?);
        }
    }
    out.extend(shell_findings());
    let profiles = ctx.list_profiles()?;
    for f in export_findings(&profiles) {
        if !out.iter().any(|o| o.path == f.path && o.line.is_none()) {
            out.push(f);
        }
    }
    Ok(out)
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

/// Findings for the entries of a vendor-file scan, each described as `what`.
pub fn from_scan(found: &[Found], what: &str) -> Vec<Finding> {
    found
        .iter()
        .map(|f| {
            let mut x = Finding::from_found(f, what);
            if let Source::Env(v) = &f.source {
                x.what = format!("${v} is set in this environment");
                x.advice = Advice::Remove;
            }
            x
        })
        .collect()
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
