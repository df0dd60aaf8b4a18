//! What the vendors' own credential files have in common: the [`VendorFiles`] trait a provider
//! implements for them, the [`Found`] entries a scan returns, and the helpers every vendor's
//! file code uses (regular files only through [`crate::fsio`], TOML with file:line errors).
//!
//! The generic steps — which keys to export, importing, deciding what is safe to remove,
//! recording exports — are in [`crate::vendor`]; the vendor modules only read and write their
//! own formats.

use crate::error::{Error, Result};
pub use crate::finding::{Found, Source};
use crate::fsio;
use crate::profile::{Profile, Service};
use crate::secret::Secret;
use std::path::{Path, PathBuf};

impl Found {
    /// A found entry with its value checked.
    pub fn new(service: Service, source: Source, name: &str, secret: Secret) -> Found {
        let problem = key_problem(&secret);
        Found {
            service,
            source,
            name: name.to_string(),
            secret,
            url: None,
            is_default: true,
            settings: vec![],
            problem,
        }
    }
}

/// What happened to one file a replaced key had been exported to.
#[derive(Debug, Clone, PartialEq)]
pub enum Reexport {
    /// The file held the old key and now holds the new one.
    Written,
    /// The file no longer holds the old key (gone, changed, not a regular file): it was left
    /// alone and should be dropped from the key's export list. The sentence says why.
    Gone(String),
    /// The file could not be checked or written; it stays on the list. The sentence says why.
    Kept(String),
}

/// A vendor's own credential files. Everything reads and writes through [`crate::fsio`].
pub trait VendorFiles: Sync {
    /// Where the vendor's client reads its credentials, for people (`~/.impact/api.key`).
    fn label(&self) -> &'static str;
    /// The file `export` writes when no path is given.
    fn default_path(&self) -> Option<PathBuf>;
    /// The keys in the vendor's files and variables. A malformed file, or one that is not a
    /// regular file, is an error.
    fn scan(&self) -> Result<Vec<Found>>;
    /// Writes `items` (key name and value; for a sign-in service the offline token as
    /// `offline_token`) and the profile's settings into `path`, keeping everything else in it.
    /// A different value already there under the same name is refused unless `force`.
    fn write(
        &self,
        profile: &Profile,
        items: &[(String, Secret)],
        path: &Path,
        force: bool,
    ) -> Result<()>;
    /// Takes the found entries out of their files (they are safely stored), saying what was
    /// done and what remains, one sentence each.
    fn remove(
        &self,
        found: &[&Found],
        done: &mut Vec<String>,
        remaining: &mut Vec<String>,
    ) -> Result<()>;
    /// Puts `new` in place of `old` for key `name` in `path` (whose text is `text`), only if
    /// the file still holds `old` there.
    fn rewrite(
        &self,
        _profile: &Profile,
        _name: &str,
        _old: &Secret,
        _new: &Secret,
        path: &Path,
        _text: &str,
    ) -> Reexport {
        Reexport::Kept(format!(
            "{}: SimCred does not rewrite this file",
            path.display()
        ))
    }
    /// The plaintext credentials of this vendor on this machine, for `audit` (by default: what
    /// [`VendorFiles::scan`] finds, to import, or to remove where SimCred holds it: `held`).
    /// A file that cannot be read is a finding ([`crate::audit::Finding::unreadable`]) where
    /// the vendor can tell; an error stops only this vendor's part of the audit.
    fn audit(&self, held: &crate::finding::Held<'_>) -> Result<Vec<crate::finding::Finding>> {
        Ok(crate::finding::from_scan(&self.scan()?, "the key", held))
    }
    /// Whether `export` may overwrite a different value (`--force`).
    fn export_force(&self) -> bool {
        true
    }
    /// The label of the "also write the secret" option, for sign-in services whose files can
    /// hold a token.
    fn export_secret_label(&self) -> Option<&'static str> {
        None
    }
}

/// Reads a text file that may be missing (regular files only, size-capped).
pub fn read_opt(path: &Path) -> Result<Option<String>> {
    Ok(fsio::read_text(path)?)
}

/// Writes a file atomically (regular files only), 0600 when `private`.
pub fn write(path: &Path, text: &str, private: bool) -> Result<()> {
    Ok(fsio::write_file(path, text.as_bytes(), private)?)
}

/// Why a key read from a file or variable is not one key: a line break, NUL or other control
/// character inside it (surrounding white space is already trimmed).
pub fn key_problem(s: &Secret) -> Option<String> {
    s.expose().chars().any(char::is_control).then(|| {
        "the value has a line break or other control character inside it, so it is not one key; fix the file and import again".to_string()
    })
}

/// The note for a name from a file that SimCred cannot use as a `what` name.
pub fn name_problem(what: &str, name: &str) -> Option<String> {
    crate::profile::validate_name(what, name)
        .err()
        .map(|m| format!("{m}; rename it in the file, or import into another profile"))
}

/// Parses a TOML file for editing; a syntax error names the file and line.
pub fn parse_toml(path: &Path, text: &str) -> Result<toml_edit::DocumentMut> {
    text.parse().map_err(|e: toml_edit::TomlError| {
        let line = crate::text::line_of(text, e.span().map(|s| s.start).unwrap_or(0));
        Error::Invalid(format!(
            "{}:{line}: not valid TOML ({}). SimCred left the file unchanged",
            path.display(),
            crate::text::safe_short(e.message().trim(), 200)
        ))
    })
}

/// `path`, and where it really is when it is a symlink: "a (a link to b)".
pub fn shown_with_target(path: &Path, real: Option<&Path>) -> String {
    match real {
        Some(r) => format!("{} (a link to {})", path.display(), r.display()),
        None => path.display().to_string(),
    }
}

/// The 1-based lines of `text` that contain `secret`.
pub fn lines_holding(text: &str, secret: &Secret) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.contains(secret.expose()))
        .map(|(i, _)| i + 1)
        .collect()
}

/// The shared file of the found entries to remove from (the first one's path), how to show it
/// (with where a symlink really points) and its text; `None` when there is nothing to do.
pub fn open_for_removal(found: &[&Found]) -> Result<Option<(PathBuf, String, String)>> {
    let Some(p) = found
        .first()
        .and_then(|f| f.source.path())
        .map(Path::to_path_buf)
    else {
        return Ok(None);
    };
    let real = crate::fsio::symlink_target(&p)?;
    let shown = shown_with_target(&p, real.as_deref());
    Ok(read_opt(&p)?.map(|text| (p, shown, text)))
}

/// After a removal: re-reads `path` and, for each found entry whose value is still in it, adds
/// "`what(f)` is still in `shown` (line N); remove it by hand" to `remaining`.
pub fn report_still_there(
    path: &Path,
    shown: &str,
    found: &[&Found],
    what: impl Fn(&Found) -> String,
    remaining: &mut Vec<String>,
) -> Result<()> {
    let after = read_opt(path)?.unwrap_or_default();
    for f in found {
        let at = lines_holding(&after, &f.secret);
        if !at.is_empty() {
            remaining.push(format!(
                "{} is still in {shown} (line {}); remove it by hand",
                what(f),
                at.iter()
                    .map(|l| l.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    Ok(())
}

/// The user's home directory.
pub fn home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .or_else(|| directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf()))
}

/// `$XDG_CACHE_HOME`, else `~/.cache`.
pub fn xdg_cache_home() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| home().map(|h| h.join(".cache")))
}

/// `$XDG_CONFIG_HOME`, else `~/.config`.
pub fn xdg_config_home() -> Option<PathBuf> {
    std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| home().map(|h| h.join(".config")))
}
