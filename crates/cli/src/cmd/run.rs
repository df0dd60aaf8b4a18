//! `simcred run [PROFILE] -- CMD`: runs a command with the profile's credentials in its
//! environment (or vendor files handed over in a private directory), optionally masking its
//! output, and puts back afterwards what the command changed in the vendors' files.

use crate::ioutil::{open, report_aftercare};
#[cfg(not(unix))]
use anyhow::Context;
use anyhow::{bail, Result};
use clap::Args;

#[derive(Args)]
pub struct RunArgs {
    /// The profile (default: the profiles the project's .simcred.toml names, from the current
    /// directory upwards — all of them, each service's credentials together, unless --service)
    pub profile: Option<String>,
    /// With no profile named: only the project file's profile of this service
    #[arg(long, conflicts_with = "profile", value_parser = crate::registry::service_parser(crate::registry::any))]
    pub service: Option<simcred_core::Service>,
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
    let profiles = match (&a.profile, a.service) {
        (Some(p), _) => vec![p.clone()],
        (None, service) => {
            let all = open()?.project_profiles(service, |_| true)?;
            if all.len() > 1 && (a.key.is_some() || a.files) {
                bail!(
                    "--key and --files take one profile, and the project file names {} ({}); name the profile or --service",
                    all.len(),
                    all.join(", ")
                );
            }
            all
        }
    };
    run_child(
        &profiles,
        a.key.as_deref(),
        a.mask,
        a.files,
        a.quiet,
        a.client.as_deref(),
        &a.command,
    )
}

fn run_child(
    profiles: &[String],
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
    let (mut env, mut handoffs, mut secrets, mut unset, mut aftercares) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    // Each profile's hand-over (a project may name several services); one that fails removes
    // what the others prepared (their hand-overs clean up when dropped).
    for profile in profiles {
        let r = sc.run_handoff_for(profile, key, files, client)?;
        if let Some(n) = r.note {
            eprintln!("simcred: note: {n}");
        }
        env.extend(r.vars);
        handoffs.extend(r.handoff);
        secrets.extend(r.secrets);
        unset.extend(r.unset);
        aftercares.extend(r.aftercare);
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
    if handoffs.is_empty() && aftercares.is_empty() {
        if mask {
            return crate::child::run_and_wait(cmd, program, Some(&secrets), |_| {});
        }
        return exec(cmd, program);
    }
    // Something to do after the child: stay its parent, then put files back and clean up.
    let code = crate::child::run_and_wait(cmd, program, mask.then_some(&secrets[..]), |pid| {
        for h in &handoffs {
            if let Err(e) = h.child_started(pid) {
                eprintln!("simcred: warning: {e}");
            }
        }
    });
    for a in aftercares {
        report_aftercare(a.finish(), quiet);
    }
    for h in handoffs {
        if let Err(e) = h.close() {
            eprintln!("simcred: warning: {e}");
        }
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
