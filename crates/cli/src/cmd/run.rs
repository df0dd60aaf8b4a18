//! `simcred run PROFILE -- CMD`: runs a command with the profile's credentials in its
//! environment (or vendor files handed over in a private directory), optionally masking its
//! output, and puts back afterwards what the command changed in the vendors' files.

use crate::ioutil::{open, report_aftercare};
#[cfg(not(unix))]
use anyhow::Context;
use anyhow::{bail, Result};
use clap::Args;

#[derive(Args)]
pub struct RunArgs {
    pub profile: String,
    /// The key to use (default: the profile's default key)
    #[arg(long)]
    pub key: Option<String>,
    /// Pass the command's output through with every secret handed to it replaced by ***
    /// (as it comes, also a secret split over writes; on a terminal the command gets a
    /// pseudo-terminal of its own; under GitHub Actions also print ::add-mask:: for each
    /// secret first)
    #[arg(long)]
    pub mask: bool,
    /// Give the client its own config file with the offline token instead of an access token,
    /// so it refreshes by itself and a job outlives any token (services that hand over files:
    /// see below)
    #[arg(long)]
    pub files: bool,
    /// Say nothing when SimCred put back a vendor file the command wrote a key to (or
    /// cleaned up after an earlier run that was killed); problems are still reported
    #[arg(long, short)]
    pub quiet: bool,
    /// With --files: hand over the offline token of this client (SimAI: `sdk` for a
    /// server-side optimisation on a model with coreml 3.16–3.17, `com.ansys.simai.sdk`,
    /// the SDK's own and the default, for 3.18–3.19). Without a token of it, run stops
    /// before the command starts and says how to get one
    #[arg(long, requires = "files", value_name = "CLIENT_ID")]
    pub client: Option<String>,
    /// The command and its arguments, after --
    #[arg(last = true, required = true)]
    pub command: Vec<String>,
}

/// Runs `simcred run`.
pub fn run(a: RunArgs) -> Result<i32> {
    run_child(
        &a.profile,
        a.key.as_deref(),
        a.mask,
        a.files,
        a.quiet,
        a.client.as_deref(),
        &a.command,
    )
}

fn run_child(
    profile: &str,
    key: Option<&str>,
    mask: bool,
    files: bool,
    quiet: bool,
    client: Option<&str>,
    command: &[String],
) -> Result<i32> {
    let sc = open()?;
    // Runs killed before they could clean up: their files first, then this run.
    report_aftercare(sc.recover_runs(), quiet);
    let simcred_core::handoff::RunEnv {
        vars: env,
        handoff,
        note,
        secrets,
        unset,
        aftercare,
    } = sc.run_handoff_for(profile, key, files, client)?;
    if let Some(n) = note {
        eprintln!("simcred: note: {n}");
    }
    let Some(program) = command.first() else {
        bail!("no command to run: give it after --");
    };
    let mut cmd = std::process::Command::new(program);
    cmd.args(&command[1..]);
    for k in &unset {
        cmd.env_remove(k);
    }
    for (k, v) in &env {
        cmd.env(k, v);
    }
    if mask && std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        // The runner masks these in its own log too.
        for s in &secrets {
            println!("::add-mask::{}", s.expose());
        }
    }
    let Some(h) = handoff else {
        if mask {
            return crate::child::run_and_wait(cmd, program, Some(&secrets), |_| {});
        }
        return exec(cmd, program);
    };
    // Something to do after the child: stay its parent, then put files back and clean up.
    let code = crate::child::run_and_wait(cmd, program, mask.then_some(&secrets[..]), |pid| {
        if let Err(e) = h.child_started(pid) {
            eprintln!("simcred: warning: {e}");
        }
    });
    if let Some(a) = aftercare {
        report_aftercare(a.finish(), quiet);
    }
    if let Err(e) = h.close() {
        eprintln!("simcred: warning: {e}");
    }
    code
}

/// Replaces this process with `cmd`: exit code, standard streams and signals are the child's.
fn exec(mut cmd: std::process::Command, program: &str) -> Result<i32> {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let err = cmd.exec();
        bail!("cannot run {program}: {err}");
    }
    #[cfg(not(unix))]
    {
        // Windows has no exec: SimCred waits, and lets Ctrl-C reach the child alone.
        #[cfg(windows)]
        crate::signals::let_console_interrupts_pass();
        let status = cmd
            .status()
            .with_context(|| format!("cannot run {program}"))?;
        Ok(status.code().unwrap_or(1))
    }
}
