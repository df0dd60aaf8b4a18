//! Running `simcred run`'s child as a parent that stays (when a private handoff directory must
//! be removed afterwards, or the vendor's own files put back as they were): Ctrl-C and Ctrl-\ reach the child from the terminal and are ignored
//! here; SIGTERM and SIGHUP sent to SimCred are passed on to the child; the exit code is the
//! child's, or 128 + the signal that ended it. With a mask, the child's standard output and
//! error pass through as they come with every secret replaced by `***` (see [`crate::mask`]):
//! through a pseudo-terminal when SimCred's own output is a terminal (see [`crate::pty`],
//! Unix), through pipes otherwise (stdout and stderr apart, stdin passed as it is).

use anyhow::{Context, Result};
use simcred_core::Secret;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

/// The last SIGTERM or SIGHUP received, to pass on.
static PENDING: AtomicI32 = AtomicI32::new(0);

#[cfg(unix)]
extern "C" fn remember(sig: libc::c_int) {
    PENDING.store(sig, Ordering::SeqCst);
}

/// The signal to pass on that arrived last, if any (taken).
pub fn pending_signal() -> Option<i32> {
    Some(PENDING.swap(0, Ordering::SeqCst)).filter(|s| *s != 0)
}

/// Remembers SIGTERM and SIGHUP (and with `interrupts`, SIGINT and SIGQUIT) for
/// [`pending_signal`]; without it, SIGINT and SIGQUIT are ignored, as the terminal sends them
/// to the child too.
#[cfg(unix)]
pub fn catch_signals(interrupts: bool) {
    let h = remember as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: installs async-signal-safe handlers (an atomic store), or ignores a signal.
    unsafe {
        let int = if interrupts { h } else { libc::SIG_IGN };
        libc::signal(libc::SIGINT, int);
        libc::signal(libc::SIGQUIT, int);
        libc::signal(libc::SIGTERM, h);
        libc::signal(libc::SIGHUP, h);
    }
}

/// The exit code for SimCred: the child's, or 128 + the signal that ended it.
pub fn exit_code(status: ExitStatus) -> i32 {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return 128 + sig;
        }
    }
    status.code().unwrap_or(1)
}

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
    catch_signals(false);
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
