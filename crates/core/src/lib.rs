//! SimCred core: profiles, the OS-keyring secret store, the vendors' services and their
//! credential files. No UI here: the `simcred` CLI and the desktop app are thin faces over
//! [`Simcred`].

pub mod app;
pub mod atomic;
#[cfg(feature = "clipboard")]
pub mod clipboard;
pub mod config;
pub mod error;
pub mod http;
pub mod profile;
pub mod providers;
pub mod secret;
pub mod signin;
pub mod store;
pub mod vendor;

pub use app::{CheckReport, ProfileStatus, ReplaceReport, Simcred, StatusReport};
pub use error::{Error, Result};
pub use profile::{KeyMeta, KeyStatus, Profile, Service};
pub use secret::Secret;
