//! "Open project…": what a project file (`.simcred.toml`) found from a folder names, and the
//! state of each profile it names, for a face that was not started in that folder (the app,
//! started from a desktop). Reads what is stored; asks no server.

use crate::app::Simcred;
use crate::error::Result;
use crate::profile::Service;
use crate::project::ProjectFile;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// One profile a project file names, and how it stands.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectProfile {
    pub service: Service,
    pub profile: String,
    /// The team store the file says the profile lives in.
    pub store: Option<String>,
    /// The entry's line in the file.
    pub line: usize,
    /// The profile's state as `status` words it, when it exists and fits.
    pub state: Option<String>,
    pub needs_attention: bool,
    /// Why the entry cannot be used (no such profile, another service's), naming the file and
    /// line; `None` when it can.
    pub problem: Option<String>,
}

/// What "Open project…" shows for a folder.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectReport {
    /// The folder looked from.
    pub folder: PathBuf,
    /// The project file in force there (in it or a folder above), if any.
    pub file: Option<PathBuf>,
    pub profiles: Vec<ProjectProfile>,
    /// Why the file cannot be read (with its line), or that there is none.
    pub problem: Option<String>,
}

impl Simcred {
    /// The project file in force in `folder` and the state of each profile it names.
    pub fn open_project(&self, folder: &Path) -> Result<ProjectReport> {
        let mut report = ProjectReport {
            folder: folder.to_path_buf(),
            file: None,
            profiles: Vec::new(),
            problem: None,
        };
        if !folder.is_dir() {
            report.problem = Some(format!(
                "{} is not a folder",
                crate::text::safe(&folder.display().to_string())
            ));
            return Ok(report);
        }
        let file = match ProjectFile::find_from(folder) {
            Ok(Some(f)) => f,
            Ok(None) => {
                report.problem = Some(format!(
                    "no {} in {} or a folder above it",
                    crate::project::FILE_NAME,
                    crate::text::safe(&folder.display().to_string())
                ));
                return Ok(report);
            }
            Err(e) => {
                report.problem = Some(e.to_string());
                return Ok(report);
            }
        };
        let status = self.status()?;
        for e in &file.entries {
            let problem = self
                .project_entry_profile(&file, e)
                .err()
                .map(|x| x.to_string());
            let st = status.profiles.iter().find(|p| p.name == e.profile);
            report.profiles.push(ProjectProfile {
                service: e.service,
                profile: e.profile.clone(),
                store: e.store.clone(),
                line: e.line,
                state: st.filter(|_| problem.is_none()).map(|p| p.state.clone()),
                needs_attention: problem.is_some() || st.is_some_and(|p| p.needs_attention),
                problem,
            });
        }
        report.file = Some(file.path);
        Ok(report)
    }
}
