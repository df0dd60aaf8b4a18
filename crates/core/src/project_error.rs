//! [`ProjectError`]: why a project file (`.simcred.toml`) cannot be used, with the file's name
//! [`FILE_NAME`] its messages say. A leaf (it imports nothing of the core's modules but the base
//! layer), so `error.rs` can name it without importing `project.rs`; both are re-exported there
//! under their old paths (`project::ProjectError`, `project::FILE_NAME`).

use std::path::PathBuf;

/// The project file's name.
pub const FILE_NAME: &str = ".simcred.toml";

/// Why a project file cannot be used, or which profile to use is not clear.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// The file does not parse or holds something SimCred cannot use.
    #[error("{}:{line}: {message}", crate::text::safe(&.path.display().to_string()))]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// The file could not be read (not a regular file, too large, not text, unreadable).
    #[error(transparent)]
    File(#[from] crate::fsio::FileError),
    /// The file names a profile that does not exist (or not in the store it names).
    #[error("{}:{line}: {message}", crate::text::safe(&.path.display().to_string()))]
    UnknownProfile {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// No profile was named and no project file says which one to use.
    #[error("no profile named{}, and no {FILE_NAME} in this directory or above it names one{}", .what.as_deref().map(|w| format!(" for {w}")).unwrap_or_default(), .looked.as_deref().map(|p| format!(" (looked from {})", crate::text::safe(&p.display().to_string()))).unwrap_or_default())]
    NoProfile {
        what: Option<String>,
        looked: Option<PathBuf>,
    },
    /// The project file names several profiles that fit; one must be chosen.
    #[error("{} names profiles for {}; name the profile or the service", crate::text::safe(&.path.display().to_string()), .services.join(" and "))]
    Ambiguous {
        path: PathBuf,
        services: Vec<String>,
    },
}

impl ProjectError {
    /// A stable code for the faces (see `Error::code`).
    pub fn code(&self) -> &'static str {
        match self {
            ProjectError::Invalid { .. } | ProjectError::File(_) => "project_file",
            ProjectError::UnknownProfile { .. } => "unknown_profile",
            ProjectError::NoProfile { .. } | ProjectError::Ambiguous { .. } => "no_profile",
        }
    }
}
