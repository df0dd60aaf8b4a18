//! What can be wrong with `profiles.toml` (or a team store's entry, parsed the same way).

use std::path::PathBuf;

/// Problems with the profile file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file does not parse or holds something SimCred cannot use; nothing was written.
    #[error("{path}:{line}: {message}. Fix the file by hand; SimCred left it unchanged")]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// A team store's entry does not parse or holds something SimCred cannot use; the store
    /// was left unchanged.
    #[error("team store \"{store}\", entry {entry}, line {line}: {message}. Fix or remove that entry in the store (a teammate with write access can); SimCred left it unchanged")]
    InvalidEntry {
        store: String,
        entry: String,
        line: usize,
        message: String,
    },
    /// The file or its directory cannot be read or written.
    #[error("cannot use {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Neither `SIMCRED_CONFIG_DIR` nor a home directory is known.
    #[error("cannot find a configuration directory; set SIMCRED_CONFIG_DIR or HOME")]
    NoConfigDir,
}
