//! The app's "Open project…": the project file (`.simcred.toml`) in force in a folder the user
//! names, the profiles it names and how each stands (the app starts from a desktop, not from the
//! project's folder, so it cannot look in its own working directory as the CLI does).

use crate::commands::{blocking, open};
use crate::error::UiError;
use simcred_core::project_report::ProjectReport;

/// What the project file in force in `folder` names, with each profile's state.
#[tauri::command]
pub async fn project_open(folder: String) -> Result<ProjectReport, UiError> {
    blocking(move || Ok(open()?.open_project(std::path::Path::new(folder.trim()))?)).await
}
