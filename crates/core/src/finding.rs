//! What an audit finds, as plain data, and how a vendor-file scan becomes findings: the [`Found`]
//! entries a scan returns (with their [`Source`]), a [`Finding`] with its [`Advice`], what SimCred
//! [`Held`] to tell a plaintext copy of a stored secret from one to import, and [`from_scan`].
//! Below `providers/files.rs` (whose `VendorFiles::audit` hands them out) and `audit.rs` (which
//! adds the shell files and SimCred's own exports); it imports neither. Re-exported there under
//! the old paths (`providers::files::{Found, Source}`, `audit::{Finding, Advice, Held, from_scan}`).

use crate::ctx::Ctx;
use crate::profile::{Profile, Service};
use crate::secret::Secret;
use crate::store::{SecretId, SecretKind};
use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// Where a found key was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file (as found; it may be a symlink).
    File(PathBuf),
    /// An environment variable, by name.
    Env(&'static str),
}

impl Source {
    /// The file, when it is one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Source::File(p) => Some(p),
            Source::Env(_) => None,
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File(p) => write!(f, "{}", crate::text::safe(&p.display().to_string())),
            Source::Env(v) => write!(f, "${v}"),
        }
    }
}

/// A key (or offline token) found in a vendor file or variable.
#[derive(Debug, Clone)]
pub struct Found {
    pub service: Service,
    pub source: Source,
    /// The key's name (a profile name for a file that holds one token per profile).
    pub name: String,
    pub secret: Secret,
    /// The server URL, when the vendor's client has one beside the key.
    pub url: Option<String>,
    /// Whether the vendor's file marks it as the default.
    pub is_default: bool,
    /// Profile settings found beside it.
    pub settings: Vec<(String, String)>,
    /// Why it cannot be imported as it is (an invalid name, a key with a line break inside);
    /// `import` skips it with this note.
    pub problem: Option<String>,
}

/// What to do about a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Advice {
    /// Move it into the keyring (`import`), then remove the plaintext.
    Import,
    /// Remove it (the keyring has, or should get, its own copy).
    Remove,
    /// Look at it: SimCred could not read it (not a regular file, not parseable), so cannot
    /// tell what it holds; the finding says why.
    Check,
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
    /// What to do, in a sentence, where it says more than the advice's own words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub todo: Option<String>,
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
            todo: None,
        }
    }

    /// A finding for a vendor's file SimCred could not read (`why`: the error, which names
    /// it): the audit goes on without it.
    pub fn unreadable(service: Service, path: &Path, why: &dyn std::fmt::Display) -> Finding {
        Finding {
            service: Some(service.as_str().to_string()),
            path: path.display().to_string(),
            line: None,
            what: format!("SimCred did not read it: {why}"),
            advice: Advice::Check,
            todo: Some(
                "look at what it is: the vendor's client reads a credential from this path".into(),
            ),
        }
    }

    /// The finding with everything it shows made safe for a terminal.
    pub(crate) fn made_safe(mut self) -> Finding {
        self.path = crate::text::safe(&self.path);
        self.what = crate::text::safe(&self.what);
        self.todo = self.todo.map(|t| crate::text::safe(&t));
        self
    }
}

/// What SimCred holds, to tell a plaintext copy of a stored secret (to remove) from a secret
/// SimCred does not have (to import). Only the profiles of this computer count, and a secret is
/// read from the keyring only when its metadata's last four characters match.
pub struct Held<'a> {
    ctx: &'a Ctx<'a>,
    profiles: Vec<Profile>,
}

impl<'a> Held<'a> {
    /// What the profiles of this computer hold.
    pub fn new(ctx: &'a Ctx<'a>, profiles: Vec<Profile>) -> Self {
        Held { ctx, profiles }
    }

    /// Where SimCred holds the secret of `f`, if it does: the profile, and how to show the place
    /// (`profile/key`, `profile (offline token)`).
    pub fn holds(&self, f: &Found) -> Option<(String, String)> {
        let last4 = f.secret.last4();
        for p in self.profiles.iter().filter(|p| p.service == f.service) {
            let keys = p.keys.iter().filter(|k| k.last4 == last4).map(|k| {
                (
                    SecretId::new(&p.name, SecretKind::ApiKey, &k.name),
                    format!("{}/{}", p.name, k.name),
                )
            });
            let token = p
                .token(crate::profile::OFFLINE)
                .filter(|t| t.last4 == last4)
                .map(|_| {
                    (
                        SecretId::new(&p.name, SecretKind::OfflineToken, "default"),
                        format!("{} (offline token)", p.name),
                    )
                });
            for (id, shown) in keys.chain(token) {
                if self.ctx.store().get(&id).ok().flatten().as_ref() == Some(&f.secret) {
                    return Some((p.name.clone(), shown));
                }
            }
        }
        None
    }
}

/// Findings for the entries of a vendor-file scan, each described as `what`: to import; when
/// SimCred holds the same secret (`held`), only its plaintext copy is to go — still through
/// `import --profile P --remove-plaintext` (advice [`Advice::Import`]), which finds it already
/// stored and removes exactly that entry, where deleting the file by hand would take a shared
/// file's other keys with it; a variable of this environment is to be removed.
pub fn from_scan(found: &[Found], what: &str, held: &Held<'_>) -> Vec<Finding> {
    found
        .iter()
        .map(|f| {
            let mut x = Finding::from_found(f, what);
            if let Source::Env(v) = &f.source {
                x.what = format!("${v} is set in this environment");
                x.advice = Advice::Remove;
            } else if let Some((profile, at)) = held.holds(f) {
                x.what.push_str(&format!(", which SimCred holds as {at}"));
                x.todo = Some(format!(
                    "remove this plaintext copy: `simcred import --service {} --profile {profile} --remove-plaintext` removes it without storing it twice",
                    f.service.as_str()
                ));
            }
            x
        })
        .collect()
}
