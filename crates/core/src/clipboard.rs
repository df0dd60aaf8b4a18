//! Copying a secret to the clipboard and clearing it again.
//!
//! The value is marked for clipboard managers as not to be kept in their history
//! (`x-kde-passwordManagerHint` / exclude-from-history), and it is cleared after the timeout
//! only if the clipboard still holds it, so whatever the user copied since is left alone.
//! On X11 the owner must stay alive to serve the selection: callers keep this running
//! (the CLI in a background process, the app in a thread).

use crate::secret::Secret;
use std::time::{Duration, Instant};

/// How a copy ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyEnd {
    /// The timeout passed and the clipboard was cleared.
    Cleared,
    /// Something else was copied in the meantime; the clipboard was left alone.
    Replaced,
}

/// The clipboard could not be used.
#[derive(Debug, thiserror::Error)]
#[error("cannot use the clipboard: {0}")]
pub struct ClipboardError(String);

fn map(e: arboard::Error) -> ClipboardError {
    let s = e.to_string();
    if std::env::var_os("DISPLAY").is_none()
        && std::env::var_os("WAYLAND_DISPLAY").is_none()
        && cfg!(target_os = "linux")
    {
        ClipboardError("there is no graphical session (DISPLAY is not set)".into())
    } else {
        ClipboardError(s)
    }
}

/// Puts `secret` on the clipboard, calls `on_copied`, then keeps serving it until `clear_after`
/// has passed or something else was copied, and clears it if it is still ours.
/// `tick` is called about every 250 ms with the time left (for a countdown).
pub fn copy_then_clear(
    secret: &Secret,
    clear_after: Duration,
    on_copied: impl FnOnce(),
    mut tick: impl FnMut(Duration) -> bool,
) -> Result<CopyEnd, ClipboardError> {
    let mut cb = arboard::Clipboard::new().map_err(map)?;
    set_secret(&mut cb, secret)?;
    on_copied();
    let deadline = Instant::now() + clear_after;
    loop {
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        if !tick(deadline - now) {
            break;
        }
        std::thread::sleep((deadline - now).min(Duration::from_millis(250)));
        match cb.get_text() {
            Ok(t) if t == secret.expose() => {}
            _ => return Ok(CopyEnd::Replaced),
        }
    }
    match cb.get_text() {
        Ok(t) if t == secret.expose() => {
            cb.clear().map_err(map)?;
            Ok(CopyEnd::Cleared)
        }
        _ => Ok(CopyEnd::Replaced),
    }
}

#[cfg(target_os = "linux")]
fn set_secret(cb: &mut arboard::Clipboard, secret: &Secret) -> Result<(), ClipboardError> {
    use arboard::SetExtLinux;
    cb.set()
        .exclude_from_history()
        .text(secret.expose().to_string())
        .map_err(map)
}

#[cfg(target_os = "windows")]
fn set_secret(cb: &mut arboard::Clipboard, secret: &Secret) -> Result<(), ClipboardError> {
    use arboard::SetExtWindows;
    cb.set()
        .exclude_from_history()
        .exclude_from_cloud()
        .text(secret.expose().to_string())
        .map_err(map)
}

#[cfg(not(any(target_os = "linux", target_os = "windows")))]
fn set_secret(cb: &mut arboard::Clipboard, secret: &Secret) -> Result<(), ClipboardError> {
    cb.set_text(secret.expose().to_string()).map_err(map)
}
