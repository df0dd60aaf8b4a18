//! The CLI's shared input and output: opening SimCred, asking yes/no, reading a secret from
//! standard input or a no-echo prompt (capped, whole or not at all), printing a secret or JSON,
//! opening the browser, and the lines every verb group prints the same way.

use anyhow::{bail, Context, Result};
use simcred_core::{Secret, Simcred};
use std::io::{IsTerminal, Read, Write};

/// Opens SimCred: its profiles and stores.
pub fn open() -> Result<Simcred> {
    Ok(Simcred::open()?)
}

/// Asks a yes/no question on the terminal (no is the default); refuses without a terminal.
pub fn confirm(question: &str) -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!("{question} Refusing without a terminal to ask on: pass --yes");
    }
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes"))
}

/// Prints a secret alone on standard output (a newline only for a terminal, so
/// `$(simcred key get P)` and pipes get the bare value).
pub fn print_secret(secret: &Secret) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(secret.expose().as_bytes())?;
    if std::io::stdout().is_terminal() {
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

/// Prints `value` as pretty JSON on standard output.
pub fn print_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// The most SimCred reads from standard input: 64 KiB, far more than any key or password.
const STDIN_CAP: u64 = 64 * 1024;

/// Reads all of standard input, refusing (rather than truncating) more than [`STDIN_CAP`]
/// bytes or text that is not UTF-8. `what` names it in messages ("the key").
pub fn read_stdin_capped(what: &str) -> Result<String> {
    let mut buf = Vec::new();
    std::io::stdin()
        .take(STDIN_CAP + 1)
        .read_to_end(&mut buf)
        .with_context(|| format!("cannot read {what} from standard input"))?;
    if buf.len() as u64 > STDIN_CAP {
        bail!(
            "{what} on standard input is longer than {} KiB; SimCred stores keys whole or not at all, so nothing was stored",
            STDIN_CAP / 1024
        );
    }
    String::from_utf8(buf).map_err(|_| {
        anyhow::anyhow!("{what} on standard input is not UTF-8 text; nothing was stored")
    })
}

/// Reads a secret from standard input (piped) or a no-echo prompt (terminal). Surrounding
/// white space is trimmed; a line break, NUL or other control character inside is refused.
pub fn read_secret(prompt: &str) -> Result<Secret> {
    let raw = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(prompt).context("cannot read the key from the terminal")?
    } else {
        read_stdin_capped("the key")?
    };
    let secret = Secret::from_user_input(&raw).ok_or_else(|| {
        anyhow::anyhow!("the key is empty; pipe it on standard input (e.g. `pbpaste | simcred key add ...`) or type it at the prompt")
    })?;
    if let Some(why) = secret.defect() {
        bail!(
            "the key {why}, so it is not one key; nothing was stored. Pipe or paste the key alone"
        );
    }
    Ok(secret)
}

/// Reads one secret line from standard input, or from a no-echo prompt on a terminal.
pub fn read_value(what: &str) -> Result<Secret> {
    let raw = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("{what} (input hidden): "))?
    } else {
        read_stdin_capped(what)?
    };
    let s = Secret::from_user_input(&raw).ok_or_else(|| {
        anyhow::anyhow!("{what} is empty; pipe it on standard input or type it at the prompt")
    })?;
    if s.expose().chars().any(char::is_control) {
        bail!("{what} has a line break or control character inside it; pass it alone");
    }
    Ok(s)
}

/// Prints what aftercare did (unless `quiet`) and what it could not do (always), one line each.
pub fn report_aftercare(r: simcred_core::aftercare::Report, quiet: bool) {
    if !quiet {
        for n in &r.notes {
            eprintln!("simcred: note: {n}");
        }
    }
    for p in &r.problems {
        eprintln!("simcred: warning: {p}");
    }
}

/// Opens an http(s) URL in the user's browser (the `open` crate); false when none could be
/// started. Takes a checked [`url::Url`] so that nothing else can reach the opener.
pub fn open_browser(url: &simcred_core::http::OpenableUrl) -> bool {
    open::that_detached(url.as_str()).is_ok()
}

/// "3 min ago" for an RFC 3339 time (the time itself when it cannot be read).
pub fn ago(when: &str) -> String {
    simcred_core::status::ago_now(when).unwrap_or_else(|| when.to_string())
}
