//! The vendors' own files: export a key to them, scan them for keys to import, import (and
//! remove the plaintext), and the audit of plaintext credentials on this computer.

use crate::commands::{blocking, open};
use crate::error::UiError;
use serde::Serialize;
use simcred_core::vendor::{self, Exported, Imported};
use simcred_core::Service;

/// Writes the profile's key(s) to the vendor's own file.
#[tauri::command(rename_all = "snake_case")]
pub async fn export(
    profile: String,
    key: Option<String>,
    force: Option<bool>,
    include_secret: Option<bool>,
) -> Result<Exported, UiError> {
    blocking(move || {
        let sc = open()?;
        Ok(sc.export(
            &profile,
            key.as_deref(),
            None,
            force.unwrap_or(false),
            include_secret.unwrap_or(false),
        )?)
    })
    .await
}

/// A key found in a vendor file, without its value.
#[derive(Debug, Clone, Serialize)]
pub struct FoundKey {
    pub service: Service,
    pub source: String,
    pub name: String,
    pub last4: String,
    pub url: Option<String>,
    /// The file does not say which server the key is for: a new profile needs it named.
    pub needs_url: bool,
    pub is_default: bool,
    /// Why it will not be imported (a bad name or value in the file), when it will not.
    pub problem: Option<String>,
}

/// Looks for keys in the vendor files and variables of every service that has them (the same
/// as `simcred import`); lists them masked.
#[tauri::command]
pub async fn import_scan() -> Result<Vec<FoundKey>, UiError> {
    blocking(|| {
        Ok(vendor::scan(&vendor::importable())?
            .into_iter()
            .map(|f| FoundKey {
                needs_url: vendor::needs_server(&f),
                service: f.service,
                last4: f.secret.last4(),
                source: f.source.to_string(),
                name: f.name,
                url: f.url,
                is_default: f.is_default,
                problem: f.problem,
            })
            .collect())
    })
    .await
}

/// The plaintext credentials left on this machine (the same findings as `simcred audit`).
#[tauri::command]
pub async fn audit() -> Result<Vec<simcred_core::audit::Finding>, UiError> {
    blocking(|| Ok(open()?.audit()?)).await
}

/// What `import` did.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub imported: Vec<Imported>,
    /// Plaintext copies removed (sentences).
    pub removed: Vec<String>,
    /// Files or variables that still hold a plaintext copy.
    pub remaining: Vec<String>,
}

/// Moves the keys found into the keyring (into `profile`, which may be a team profile, or the
/// profile `profiles` names for a service, else a profile of this computer named after the
/// service: `vendor::import`, as the CLI), and with `remove_plaintext` deletes the plaintext
/// copies of what was stored. Each record says where its secret went (`stored_in`) and whether
/// its profile is new. With `dry_run` nothing is written: the records say what would happen.
#[tauri::command(rename_all = "snake_case")]
pub async fn import(
    profile: Option<String>,
    profiles: Option<std::collections::BTreeMap<String, String>>,
    url: Option<String>,
    remove_plaintext: bool,
    dry_run: Option<bool>,
) -> Result<ImportReport, UiError> {
    blocking(move || {
        let sc = open()?;
        let found = vendor::scan(&vendor::importable())?;
        let dry_run = dry_run.unwrap_or(false);
        let mut per_service = Vec::new();
        for (s, p) in profiles.unwrap_or_default() {
            let p = p.trim();
            if p.is_empty() {
                continue;
            }
            let service = s
                .parse::<simcred_core::Service>()
                .map_err(simcred_core::Error::Invalid)?;
            per_service.push((service, p.to_string()));
        }
        let choice = vendor::ImportChoice {
            profile: profile
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty()),
            per_service,
            // The server of a key whose file does not say it (the dialog asks; nothing is guessed).
            settings: url
                .map(|u| u.trim().to_string())
                .filter(|u| !u.is_empty())
                .map(|u| ("url".to_string(), u))
                .into_iter()
                .collect(),
            dry_run,
        };
        let imported = sc.import(&found, &choice)?;
        let remove_plaintext = remove_plaintext && !dry_run;
        let removed = if remove_plaintext {
            sc.remove_plaintext(&found, &imported)?
        } else {
            vec![]
        };
        let mut remaining: Vec<String> = if remove_plaintext {
            found
                .iter()
                .filter(|f| matches!(f.source, vendor::Source::Env(_)))
                .map(|f| f.source.to_string())
                .collect()
        } else {
            found.iter().map(|f| f.source.to_string()).collect()
        };
        remaining.dedup();
        Ok(ImportReport {
            imported,
            removed,
            remaining,
        })
    })
    .await
}
