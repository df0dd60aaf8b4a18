//! What a provider asks of a `simcred run`, as plain data: the files to hand its client in a
//! private directory ([`RunFile`], below a [`Base`]) and the vendor's own files to keep as they
//! were ([`Watch`], with its [`Policy`]). A leaf (it imports only the base layer's `Secret`), so
//! `providers/` can name them without importing `handoff.rs` or `aftercare.rs`, which do the
//! work; re-exported there under the old paths (`handoff::RunFile`, `aftercare::Watch`, …).

use crate::secret::Secret;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Which of the user's directories a handed-over file belongs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    /// `$XDG_CONFIG_HOME` (`~/.config`).
    Config,
    /// `$XDG_CACHE_HOME` (`~/.cache`).
    Cache,
    /// `%APPDATA%` (the roaming application data, Windows).
    AppData,
    /// `%LOCALAPPDATA%` (the local application data, Windows).
    LocalAppData,
}

/// One file a vendor's client reads, with its content (which holds the secret), or a directory
/// it writes secrets into (a token cache), made empty and private.
pub struct RunFile {
    pub base: Base,
    /// The path below the base, such as `Dlubal/api/config.ini` or `ansys/pysimai`.
    pub path: String,
    /// The file's content; `None` for an empty directory.
    pub content: Option<Secret>,
}

/// Which change to a watched file the run undoes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// Any change: the file holds only a key, so whatever the client wrote there is a key in
    /// plaintext (Modelon's `~/.impact/api.key`).
    AnyChange,
    /// A change that leaves the profile's secret in it (the user's own file, which also holds
    /// other entries the user may edit meanwhile: Dlubal's real `config.ini`).
    IfSecret,
}

/// A vendor file the run must keep as it was.
#[derive(Debug, Clone)]
pub struct Watch {
    pub path: PathBuf,
    pub policy: Policy,
}
