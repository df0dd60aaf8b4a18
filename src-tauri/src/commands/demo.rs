//! The demo: the sandbox started inside the app and the demo profiles pointing at it.

use crate::commands::{blocking, open, parse_service};
use crate::error::UiError;
use crate::state::{lock, AppState};
use serde::Serialize;
use simcred_core::{Profile, Secret, Simcred};
use tauri::State;

/// The in-app sandbox and the demo profiles pointing at it.
#[derive(Debug, Clone, Serialize)]
pub struct SandboxInfo {
    pub url: String,
    pub simai_api_url: String,
    pub modelon_url: String,
    pub profiles: Vec<String>,
    /// The demo account of the sandbox's sign-in service.
    pub user: &'static str,
    pub password: &'static str,
}

pub const DEMO_SIMAI: &str = "demo-simai";
pub const DEMO_MODELON: &str = "demo-modelon";
pub const DEMO_DLUBAL: &str = "demo-dlubal";

/// Starts the loopback sandbox inside the app (once) and creates — or points at it again — the
/// demo profiles `demo-simai` (organization demo-org), `demo-modelon` and `demo-dlubal` (each
/// with a fresh key; the Dlubal one is for the sandbox's RFEM, checked only when asked).
#[tauri::command]
pub async fn sandbox_start(state: State<'_, AppState>) -> Result<SandboxInfo, UiError> {
    let (url, simai_api_url, modelon_url, modelon_key, dlubal) = {
        let mut sb = lock(&state.sandbox)?;
        let fresh = sb.is_none();
        if fresh {
            let started = simcred_sandbox::Sandbox::start_with(
                simcred_sandbox::SandboxOptions::default(),
                simcred_sandbox::SimaiOptions {
                    device_interval: 2,
                    ..Default::default()
                },
            )
            .map_err(|e| {
                UiError::new("io", format!("cannot start the sandbox on 127.0.0.1: {e}"))
            })?;
            *sb = Some(started);
        }
        let Some(s) = sb.as_ref() else {
            return Err(UiError::internal(
                "the sandbox did not start; please try again",
            ));
        };
        let key = fresh.then(|| Secret::new(s.regenerate_modelon_key()));
        let dlubal = (
            s.dlubal_port(),
            fresh.then(|| Secret::new(s.new_dlubal_key())),
        );
        (s.url(), s.simai_api_url(), s.modelon_url(), key, dlubal)
    };
    let (api, murl) = (simai_api_url.clone(), modelon_url.clone());
    blocking(move || {
        let sc = open()?;
        let existing: Vec<String> = sc.list_profiles()?.into_iter().map(|p| p.name).collect();
        let has = |n: &str| existing.iter().any(|e| e == n);
        let simai = vec![
            ("url".to_string(), api.clone()),
            ("organization".to_string(), "demo-org".to_string()),
            (
                "description".to_string(),
                "Demo: Ansys SimAI on the built-in sandbox".to_string(),
            ),
        ];
        if has(DEMO_SIMAI) {
            sc.edit_profile(DEMO_SIMAI, &simai, &[])?;
        } else {
            sc.add_profile(DEMO_SIMAI, parse_service("simai")?, &simai)?;
        }
        let modelon = vec![
            ("url".to_string(), murl.clone()),
            (
                "description".to_string(),
                "Demo: Modelon Impact on the built-in sandbox".to_string(),
            ),
        ];
        if has(DEMO_MODELON) {
            sc.edit_profile(DEMO_MODELON, &modelon, &[])?;
        } else {
            sc.add_profile(DEMO_MODELON, parse_service("modelon")?, &modelon)?;
        }
        if let Some(key) = modelon_key {
            if sc.list_keys(DEMO_MODELON)?.is_empty() {
                sc.add_key(DEMO_MODELON, None, key, true)?;
            } else {
                sc.replace_key(DEMO_MODELON, None, key, false)?;
            }
            sc.check_key(DEMO_MODELON, None)?;
        }
        demo_dlubal(&sc, &existing, dlubal)?;
        Ok(())
    })
    .await?;
    Ok(SandboxInfo {
        url,
        simai_api_url,
        modelon_url,
        profiles: vec![DEMO_SIMAI.into(), DEMO_MODELON.into(), DEMO_DLUBAL.into()],
        user: "demo@example.com",
        password: "demo-password",
    })
}

/// `demo-dlubal`, for the sandbox's RFEM on `port`, with `key` (a fresh sandbox) as `demo`. Its
/// key is not checked here: a Dlubal check is made only when the user asks.
fn demo_dlubal(
    sc: &Simcred,
    existing: &[String],
    (port, key): (u16, Option<Secret>),
) -> Result<(), UiError> {
    let settings = vec![
        ("product".to_string(), "rfem".to_string()),
        ("host".to_string(), "127.0.0.1".to_string()),
        ("port".to_string(), port.to_string()),
        (
            "description".to_string(),
            "Demo: Dlubal RFEM on the built-in sandbox".to_string(),
        ),
    ];
    if existing.iter().any(|e| e == DEMO_DLUBAL) {
        sc.edit_profile(DEMO_DLUBAL, &settings, &[])?;
    } else {
        sc.add_profile(DEMO_DLUBAL, parse_service("dlubal")?, &settings)?;
    }
    if let Some(key) = key {
        if !sc.list_keys(DEMO_DLUBAL)?.iter().any(|k| k.name == "demo") {
            sc.add_key(DEMO_DLUBAL, Some("demo"), key, true)?;
        } else {
            sc.replace_key(DEMO_DLUBAL, Some("demo"), key, false)?;
        }
    }
    Ok(())
}

/// Whether a profile is one of the sandbox's demo profiles: made by [`sandbox_start`] (its
/// name) and pointing at a sandbox on this computer.
fn is_demo(p: &Profile) -> bool {
    let local = |u: &str| u.starts_with("http://127.0.0.1:") || u.starts_with("http://localhost:");
    match p.name.as_str() {
        DEMO_SIMAI | DEMO_MODELON => p.setting("url").is_some_and(local),
        DEMO_DLUBAL => p
            .setting("host")
            .is_some_and(|h| h == "127.0.0.1" || h == "localhost"),
        _ => false,
    }
}

/// The sandbox's demo profiles in the store (for "Remove demo profiles").
#[tauri::command]
pub async fn demo_profiles() -> Result<Vec<String>, UiError> {
    blocking(|| demo_names(&open()?)).await
}

pub(crate) fn demo_names(sc: &Simcred) -> Result<Vec<String>, UiError> {
    Ok(sc
        .list_profiles()?
        .into_iter()
        .filter(is_demo)
        .map(|p| p.name)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn profile(name: &str, url: &str) -> Profile {
        Profile {
            name: name.into(),
            service: parse_service("simai").unwrap(),
            settings: BTreeMap::from([("url".to_string(), url.to_string())]),
            default_key: None,
            keys: vec![],
            tokens: vec![],
            store: None,
        }
    }

    #[test]
    fn demo_profiles_are_the_sandbox_ones_on_this_computer() {
        assert!(is_demo(&profile(DEMO_SIMAI, "http://127.0.0.1:4242/v2/")));
        assert!(is_demo(&profile(
            DEMO_MODELON,
            "http://localhost:1/modelon/"
        )));
        // The name alone is not enough: a real profile someone called demo-simai stays.
        assert!(!is_demo(&profile(
            DEMO_SIMAI,
            "https://api.simai.ansys.com/v2/"
        )));
        assert!(!is_demo(&profile("work", "http://127.0.0.1:4242/v2/")));
    }
}
