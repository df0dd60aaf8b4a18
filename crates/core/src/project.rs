//! Profiles per project: a `.simcred.toml` (no secrets; meant to be committed with the project),
//! found from a directory upwards, names the profile each service uses there, and optionally
//! the team store it lives in:
//!
//! ```toml
//! [profiles]
//! modelon = "acme-impact"
//! simai = { profile = "acme-simai", store = "acme" }
//! ```
//!
//! The file is outside data: it is read as a regular text file of bounded size, every problem is
//! reported with its path and line, and it is never written. Commands that are given no profile
//! name use it ([`ProjectFile::choose`]).

use crate::profile::Service;
pub use crate::project_error::{ProjectError, FILE_NAME};
use std::path::{Path, PathBuf};

/// What a project file says, with where it says it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProjectFile {
    /// The file in force.
    pub path: PathBuf,
    /// One entry per service it names, in the file's order.
    pub entries: Vec<ProjectEntry>,
}

/// One service's profile in a project file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProjectEntry {
    pub service: Service,
    pub profile: String,
    /// The team store the profile lives in, when the file says so.
    pub store: Option<String>,
    /// The entry's line in the file (1-based).
    pub line: usize,
}

impl ProjectFile {
    /// The project file of `dir`: `dir/.simcred.toml`, else the nearest one above it. `None`
    /// when there is none up to the file system's root.
    pub fn find_from(dir: &Path) -> Result<Option<ProjectFile>, ProjectError> {
        for d in dir.ancestors() {
            let p = d.join(FILE_NAME);
            if p.symlink_metadata().is_ok() {
                let text = crate::fsio::read_text(&p)?.unwrap_or_default();
                return ProjectFile::parse(&p, &text).map(Some);
            }
        }
        Ok(None)
    }

    /// The project file of the current directory (see [`ProjectFile::find_from`]).
    pub fn find() -> Result<Option<ProjectFile>, ProjectError> {
        match std::env::current_dir() {
            Ok(d) => ProjectFile::find_from(&d),
            Err(_) => Ok(None),
        }
    }

    /// Parses `text`, the contents of `path`.
    pub fn parse(path: &Path, text: &str) -> Result<ProjectFile, ProjectError> {
        let invalid = |offset: Option<usize>, message: String| ProjectError::Invalid {
            path: path.to_path_buf(),
            line: offset.map_or(1, |o| crate::text::line_of(text, o)),
            message: crate::text::safe(&message),
        };
        let doc = toml_edit::ImDocument::parse(text).map_err(|e| {
            invalid(
                e.span().map(|s| s.start),
                format!("not valid TOML ({})", e.message().trim()),
            )
        })?;
        let mut entries = Vec::new();
        for (k, item) in doc.as_table().iter() {
            let at = doc
                .as_table()
                .key(k)
                .and_then(|k| k.span())
                .map(|s| s.start);
            if k != "profiles" {
                return Err(invalid(
                    at,
                    format!("unknown table \"{k}\"; a project file has only [profiles]"),
                ));
            }
            let Some(t) = item.as_table_like() else {
                return Err(invalid(
                    at,
                    "profiles must be a table: [profiles] with service = \"profile\" lines".into(),
                ));
            };
            for (service, v) in t.iter() {
                let at = t
                    .key(service)
                    .and_then(|k| k.span())
                    .map(|s| s.start)
                    .or(at);
                let line = at.map_or(1, |o| crate::text::line_of(text, o));
                let Ok(svc) = service.parse::<Service>() else {
                    let known: Vec<&str> = Service::all().map(|s| s.as_str()).collect();
                    return Err(invalid(
                        at,
                        format!(
                            "\"{service}\" is not a service; known services: {}",
                            known.join(", ")
                        ),
                    ));
                };
                let (profile, store) = if let Some(s) = v.as_str() {
                    (s.to_string(), None)
                } else if let Some(t) = v.as_table_like() {
                    for (k, _) in t.iter() {
                        if k != "profile" && k != "store" {
                            return Err(invalid(
                                at,
                                format!(
                                    "unknown field \"{k}\" for {service}; use profile and store"
                                ),
                            ));
                        }
                    }
                    let Some(p) = t.get("profile").and_then(|p| p.as_str()) else {
                        return Err(invalid(at, format!("{service} needs profile = \"NAME\"")));
                    };
                    let store = match t.get("store") {
                        None => None,
                        Some(s) => match s.as_str() {
                            Some(s) => Some(s.to_string()),
                            None => {
                                return Err(invalid(
                                    at,
                                    format!("store of {service} must be a store's name in quotes"),
                                ))
                            }
                        },
                    };
                    (p.to_string(), store)
                } else {
                    return Err(invalid(
                        at,
                        format!("{service} must name a profile in quotes, or be {{ profile = \"NAME\", store = \"STORE\" }}"),
                    ));
                };
                if crate::profile::validate_name("profile", &profile).is_err() {
                    return Err(invalid(
                        at,
                        format!("\"{}\" is not a profile name", crate::text::safe(&profile)),
                    ));
                }
                entries.push(ProjectEntry {
                    service: svc,
                    profile,
                    store,
                    line,
                });
            }
        }
        Ok(ProjectFile {
            path: path.to_path_buf(),
            entries,
        })
    }

    /// The entries of the services that `fits` (those that can do what the command does), or of
    /// `service` alone when it is named.
    pub fn fitting(
        &self,
        service: Option<Service>,
        fits: impl Fn(Service) -> bool,
    ) -> Vec<&ProjectEntry> {
        self.entries
            .iter()
            .filter(|e| service.map_or(fits(e.service), |s| s == e.service))
            .collect()
    }

    /// The one entry a command that takes one profile uses: of `service` when named, else the
    /// only one that `fits`; an error when there is none or several.
    pub fn choose(
        &self,
        service: Option<Service>,
        fits: impl Fn(Service) -> bool,
    ) -> Result<&ProjectEntry, ProjectError> {
        let found = self.fitting(service, fits);
        match found.as_slice() {
            [one] => Ok(one),
            [] => Err(ProjectError::NoProfile {
                what: service.map(|s| s.display_name().to_string()),
                looked: self.path.parent().map(Path::to_path_buf),
            }),
            many => Err(ProjectError::Ambiguous {
                path: self.path.clone(),
                services: many
                    .iter()
                    .map(|e| e.service.as_str().to_string())
                    .collect(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn svc(id: &str) -> Service {
        id.parse().unwrap()
    }

    fn parse(text: &str) -> Result<ProjectFile, ProjectError> {
        ProjectFile::parse(Path::new("/p/.simcred.toml"), text)
    }

    #[test]
    fn names_a_profile_per_service_with_its_line() {
        let f = parse("# acme\n[profiles]\nmodelon = \"acme-impact\"\nsimai = { profile = \"acme-simai\", store = \"acme\" }\n").unwrap();
        assert_eq!(f.entries.len(), 2);
        assert_eq!(
            (
                f.entries[0].service,
                f.entries[0].profile.as_str(),
                f.entries[0].line
            ),
            (svc("modelon"), "acme-impact", 3)
        );
        assert_eq!(f.entries[1].store.as_deref(), Some("acme"));
        assert_eq!(f.entries[1].line, 4);
    }

    #[test]
    fn problems_name_the_file_and_line() {
        for (text, line, words) in [
            (
                "[profiles]\nmodelon = \"a\"\nansys = \"b\"\n",
                3,
                "not a service",
            ),
            ("[profiles]\nmodelon = 3\n", 2, "must name a profile"),
            ("[profile]\nmodelon = \"a\"\n", 1, "unknown table"),
            (
                "[profiles]\nmodelon = \"a\"\n[profiles\n",
                3,
                "not valid TOML",
            ),
            (
                "[profiles]\nsimai = { store = \"acme\" }\n",
                2,
                "needs profile",
            ),
            (
                "[profiles]\nsimai = { profile = \"a\", tokn = 1 }\n",
                2,
                "unknown field",
            ),
            (
                "[profiles]\nmodelon = \"a\\u001b[31m\"\n",
                2,
                "not a profile name",
            ),
        ] {
            let e = parse(text).unwrap_err();
            let m = e.to_string();
            assert!(
                m.starts_with(&format!("/p/.simcred.toml:{line}: ")),
                "{text:?}: {m}"
            );
            assert!(m.contains(words), "{text:?}: {m}");
            assert!(!m.contains('\u{1b}'), "{m:?}");
            assert_eq!(e.code(), "project_file");
        }
    }

    #[test]
    fn choosing_needs_one_fitting_entry() {
        let f = parse("[profiles]\nmodelon = \"m\"\nsimai = \"s\"\ndlubal = \"d\"\n").unwrap();
        let keys = |s: Service| s != svc("simai");
        let e = f.choose(None, keys).unwrap_err();
        assert_eq!(e.code(), "no_profile");
        assert!(e.to_string().contains("modelon and dlubal"), "{e}");
        assert_eq!(f.choose(Some(svc("dlubal")), keys).unwrap().profile, "d");
        assert_eq!(f.choose(None, |s| s == svc("simai")).unwrap().profile, "s");
        let none = parse("[profiles]\nsimai = \"s\"\n").unwrap();
        assert_eq!(none.choose(None, keys).unwrap_err().code(), "no_profile");
    }

    #[test]
    fn the_nearest_file_upwards_is_the_one_in_force() {
        let d = tempfile::tempdir().unwrap();
        let sub = d.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        assert_eq!(
            ProjectFile::find_from(&sub)
                .unwrap()
                .map(|f| f.path)
                .filter(|p| p.starts_with(d.path())),
            None
        );
        std::fs::write(d.path().join(FILE_NAME), "[profiles]\nmodelon = \"top\"\n").unwrap();
        std::fs::write(
            d.path().join("a").join(FILE_NAME),
            "[profiles]\nmodelon = \"mid\"\n",
        )
        .unwrap();
        let f = ProjectFile::find_from(&sub).unwrap().unwrap();
        assert_eq!(f.path, d.path().join("a").join(FILE_NAME));
        assert_eq!(f.entries[0].profile, "mid");
    }
}
