//! SimCred core: profiles, the OS-keyring secret store, the vendors' services and their
//! credential files. No UI here: the `simcred` CLI and the desktop app are thin faces over
//! [`Simcred`].
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod aftercare;
pub mod app;
pub mod audit;
pub mod callback;
#[cfg(feature = "clipboard")]
pub mod clipboard;
pub mod config;
pub mod ctx;
mod dirfd;
pub mod error;
mod finding;
pub mod handoff;
pub mod import;
pub mod keys;
pub mod profile;
pub mod profiles;
pub mod project;
mod project_error;
pub mod project_report;
pub mod providers;
mod run_dirs;
mod run_env;
mod run_files;
mod service;
pub mod settings;
pub mod signin;
mod signin_consents;
mod signin_tokens;
pub mod snapshot;
pub mod status;
mod store_config;
mod store_problem;
mod store_verbs;
pub mod stores;
pub mod team;
pub mod team_entry;
pub mod team_keys;
pub mod team_move;
pub mod vendor;
pub mod verify;

// The base layer (crates/base), re-exported under its old paths so the core reads as before.
pub use simcred_base::{atomic, fsio, http, secret, text, Secret};
// The secrets layer (crates/secrets), likewise.
pub use simcred_secrets::{kernel, store, vault, vault_login, vault_store};

pub use app::{CheckReport, ProfileStatus, ReplaceReport, Simcred, StatusReport};
pub use error::{Error, Result};
pub use profile::{KeyMeta, KeyStatus, Profile, Service};
