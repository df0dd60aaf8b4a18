//! Running `simcred run`'s child as a parent that stays (when a private handoff directory must
//! be removed afterwards, or the vendor's own files put back as they were): Ctrl-C and Ctrl-\ reach the child from the terminal and are ignored
//! here; SIGTERM and SIGHUP sent to SimCred are passed on to the child; the exit code is the
//! child's, or 128 + the signal that ended it. With a mask, the child's standard output and
//! error pass through line by line with every secret replaced by `***`.

use anyhow::{Context, Result};
use simcred_core::Secret;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

/// The last SIGTERM or SIGHUP received, to pass on.
static PENDING: AtomicI32 = AtomicI32::new(0);

#[cfg(unix)]
extern "C" fn remember(sig: libc::c_int) {
    PENDING.store(sig, Ordering::SeqCst);
}

/// What replaces a secret in masked output.
const MASK: &[u8] = b"***";

/// `line` with every occurrence of each secret replaced by [`MASK`].
fn masked(line: &[u8], secrets: &[Secret]) -> Vec<u8> {
    let mut out = line.to_vec();
    for s in secrets {
        let needle = s.expose().as_bytes();
        if needle.is_empty() {
            continue;
        }
        let mut next = Vec::with_capacity(out.len());
        let mut i = 0;
        while i < out.len() {
            if out[i..].starts_with(needle) {
                next.extend_from_slice(MASK);
                i += needle.len();
            } else {
                next.push(out[i]);
                i += 1;
            }
        }
        out = next;
    }
    out
}

/// Where to cut a long line so that no occurrence of a secret straddles the cut: at least
/// `keep` bytes (the longest secret's length - 1) stay behind, and a cut that falls inside an
/// occurrence moves back to its start, so the whole occurrence waits for the next piece.
fn safe_cut(pending: &[u8], keep: usize, secrets: &[Secret]) -> usize {
    let mut cut = pending.len().saturating_sub(keep);
    loop {
        let straddling = secrets
            .iter()
            .map(|s| s.expose().as_bytes())
            .filter(|n| !n.is_empty())
            .filter_map(|n| {
                let from = cut.saturating_sub(n.len() - 1);
                (from..cut).find(|&i| pending[i..].starts_with(n))
            })
            .min();
        match straddling {
            Some(i) if i < cut => cut = i,
            _ => return cut,
        }
    }
}

/// Copies `from` to `to` line by line, masking secrets. A line longer than 64 KiB is passed on
/// in pieces, cut where no secret is split across them (see [`safe_cut`]).
fn pump(mut from: impl Read, mut to: impl Write, secrets: Vec<Secret>) {
    let keep = secrets
        .iter()
        .map(|s| s.expose().len())
        .max()
        .unwrap_or(0)
        .saturating_sub(1);
    let mut pending: Vec<u8> = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        pending.extend_from_slice(&buf[..n]);
        while let Some(pos) = pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = pending.drain(..=pos).collect();
            let _ = to.write_all(&masked(&line, &secrets));
        }
        if pending.len() > 64 * 1024 + keep {
            let cut = safe_cut(&pending, keep, &secrets);
            let head: Vec<u8> = pending.drain(..cut).collect();
            let _ = to.write_all(&masked(&head, &secrets));
        }
        let _ = to.flush();
    }
    let _ = to.write_all(&masked(&pending, &secrets));
    let _ = to.flush();
}

/// Starts `cmd`, tells `started` its process id, waits for it while passing signals on (and
/// with `mask`, its output through the mask), and returns its exit code.
pub fn run_and_wait(
    mut cmd: Command,
    program: &str,
    mask: Option<&[Secret]>,
    started: impl FnOnce(u32),
) -> Result<i32> {
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
            pumps.push(std::thread::spawn(move || pump(out, std::io::stdout(), s)));
        }
        if let Some(err) = child.stderr.take() {
            let s = secrets.to_vec();
            pumps.push(std::thread::spawn(move || pump(err, std::io::stderr(), s)));
        }
    }
    #[cfg(unix)]
    // SAFETY: installs async-signal-safe handlers (an atomic store) and ignores the terminal's
    // interrupt signals, which the child receives itself as part of the foreground group.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_IGN);
        libc::signal(libc::SIGQUIT, libc::SIG_IGN);
        let h = remember as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::signal(libc::SIGTERM, h);
        libc::signal(libc::SIGHUP, h);
    }
    loop {
        if let Some(status) = child.try_wait().context("cannot wait for the command")? {
            for p in pumps.drain(..) {
                let _ = p.join();
            }
            #[cfg(unix)]
            {
                use std::os::unix::process::ExitStatusExt;
                if let Some(sig) = status.signal() {
                    return Ok(128 + sig);
                }
            }
            return Ok(status.code().unwrap_or(1));
        }
        let sig = PENDING.swap(0, Ordering::SeqCst);
        #[cfg(unix)]
        if sig != 0 {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_even_across_long_lines() {
        let s = vec![Secret::new("ak-123456789"), Secret::new("tok.en")];
        assert_eq!(
            masked(b"key=ak-123456789 t=tok.en ak-123456789\n", &s),
            b"key=*** t=*** ***\n"
        );
        let mut long = vec![b'x'; 70 * 1024];
        long.extend_from_slice(b"ak-123456789\n");
        let mut out = Vec::new();
        pump(&long[..], &mut out, s);
        assert!(!String::from_utf8_lossy(&out).contains("ak-123456789"));
        assert!(out.ends_with(b"***\n"));
    }

    /// Issue 17 item 5: a secret that straddles the 64 KiB cut of a long line is still masked,
    /// wherever the cut falls in it (reads come in 8 KiB, so the first cut is near 72 KiB: byte 73 716 for this key).
    #[test]
    fn a_secret_across_the_64_kib_cut_is_masked() {
        let key = "ak-123456789";
        for at in 73_600..73_800 {
            let s = vec![Secret::new(key), Secret::new("tok.en")];
            let mut long = vec![b'x'; at];
            long.extend_from_slice(key.as_bytes());
            long.extend_from_slice(&[b'y'; 20 * 1024]);
            long.push(b'\n');
            let mut out = Vec::new();
            pump(&long[..], &mut out, s);
            let text = String::from_utf8_lossy(&out);
            assert!(!text.contains("ak-1"), "the key at byte {at} was kept");
            assert!(
                !text.contains("456789"),
                "the key's end at byte {at} was kept"
            );
            assert_eq!(text.matches("***").count(), 1, "at byte {at}");
        }
    }
}
