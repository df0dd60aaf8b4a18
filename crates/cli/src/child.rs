//! Running `simcred run`'s child as a parent that stays (when a private handoff directory must
//! be removed afterwards, or the vendor's own files put back as they were): Ctrl-C and Ctrl-\ reach the child from the terminal and are ignored
//! here; SIGTERM and SIGHUP sent to SimCred are passed on to the child; the exit code is the
//! child's, or 128 + the signal that ended it. With a mask, the child's standard output and
//! error pass through as they come with every secret replaced by `***` (see [`crate::mask`]):
//! through a pseudo-terminal when SimCred's own output is a terminal (see [`crate::pty`],
//! Unix), through pipes otherwise (stdout and stderr apart, stdin passed as it is).

use crate::signals::{exit_code, pending_signal};
use anyhow::{Context, Result};
use simcred_core::Secret;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Starts `cmd`, tells `started` its process id, waits for it while passing signals on (and
/// with `mask`, its output through the mask), and returns its exit code.
pub fn run_and_wait(
    mut cmd: Command,
    program: &str,
    mask: Option<&[Secret]>,
    started: impl FnOnce(u32),
) -> Result<i32> {
    #[cfg(unix)]
    if let Some(secrets) = mask {
        if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
            return crate::pty::run(cmd, program, secrets, started);
        }
    }
    if mask.is_some() {
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    }
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot run {program}"))?;
    started(child.id());
    let mut pumps = Vec::new();
    if let Some(secrets) = mask {
        if let Some(out) = child.stdout.take() {
            let s = secrets.to_vec();
            pumps.push(std::thread::spawn(move || {
                crate::mask::pump(out, std::io::stdout(), s)
            }));
        }
        if let Some(err) = child.stderr.take() {
            let s = secrets.to_vec();
            pumps.push(std::thread::spawn(move || {
                crate::mask::pump(err, std::io::stderr(), s)
            }));
        }
    }
    // After the spawn, so that the child does not inherit the ignored interrupts: it receives
    // them itself from the terminal, as part of the foreground group.
    #[cfg(unix)]
    crate::signals::catch_signals(false);
    #[cfg(windows)]
    crate::signals::let_console_interrupts_pass();
    loop {
        if let Some(status) = child.try_wait().context("cannot wait for the command")? {
            for p in pumps.drain(..) {
                let _ = p.join();
            }
            return Ok(exit_code(status));
        }
        let sig = pending_signal();
        #[cfg(unix)]
        if let Some(sig) = sig {
            if let Ok(pid) = i32::try_from(child.id()) {
                // SAFETY: sends a signal to our own child process.
                unsafe {
                    libc::kill(pid, sig);
                }
            }
        }
        #[cfg(not(unix))]
        let _ = sig;
        std::thread::sleep(Duration::from_millis(20));
    }
}
