//! `simcred run`: credentials reach the child's environment only; exit code and streams pass.

use simcred_tests::{
    files_holding, files_under, kill_and_wait, kill_run_and_its_command, poll, secret,
    start_until_started, Env, Out,
};

#[test]
fn run_sets_vendor_variables_for_the_child_only() {
    let env = Env::new();
    let k = secret("mk-");
    let p = env.modelon_profile("impact", "https://impact.example.com/", &k);
    let out = env.run_in(
        &["run", &p, "--", "sh", "-c", "printf '%s|%s|' \"$MODELON_IMPACT_CLIENT_API_KEY\" \"$MODELON_IMPACT_CLIENT_URL\"; cat; echo err >&2; exit 7"],
        "from-stdin",
    );
    assert_eq!(out.code, 7);
    assert_eq!(
        out.stdout,
        format!("{k}|https://impact.example.com/|from-stdin")
    );
    assert_eq!(out.stderr, "err\n");

    let d = env.name("rfem");
    env.run(&["profile", "add", &d, "--service", "dlubal"]).ok();
    env.run_in(&["key", "add", &d, "p1"], "ak-11112222333").ok();
    let out = env.run_sh(&d, "echo $DLUBAL_API_KEY_NAME=$DLUBAL_API_KEY");
    assert_eq!(out.stdout, "p1=ak-11112222333\n");

    let out = env.run(&["run", &d, "--", "/nonexistent/cmd"]);
    out.fails();
    assert!(
        out.stderr.contains("cannot run /nonexistent/cmd"),
        "{out:?}"
    );
}

#[test]
fn a_file_only_client_gets_its_file_privately_and_the_user_file_stays() {
    let mut env = Env::new();
    let rt = env.use_runtime_dir();
    // The user's own (stale) Dlubal file and another tool's config.
    let user_ini = env.xdg_config().join("Dlubal/api/config.ini");
    std::fs::create_dir_all(user_ini.parent().unwrap()).unwrap();
    std::fs::write(
        &user_ini,
        "[api_keys]\nold = ak-stale-0000\ndefault = ak-stale-0000\n",
    )
    .unwrap();
    std::fs::create_dir_all(env.xdg_config().join("othertool")).unwrap();
    std::fs::write(
        env.xdg_config().join("othertool/tool.conf"),
        "colour = blue\n",
    )
    .unwrap();
    let before = std::fs::read(&user_ini).unwrap();

    let k = secret("ak-");
    let d = env.dlubal_profile("rfem", "p1", &k);
    let out = env.run_sh(&d, "cat \"$XDG_CONFIG_HOME/Dlubal/api/config.ini\" \"$XDG_CONFIG_HOME/othertool/tool.conf\"; exit 3");
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stdout.contains(&format!("p1 = {k}")), "{out:?}");
    assert!(out.stdout.contains(&format!("default = {k}")), "{out:?}");
    assert!(!out.stdout.contains("ak-stale"), "{out:?}");
    assert!(
        out.stdout.contains("colour = blue"),
        "the other config is seen: {out:?}"
    );
    assert_eq!(
        std::fs::read(&user_ini).unwrap(),
        before,
        "the user's file changed"
    );
    // Nothing holding the key is left anywhere.
    assert!(files_holding(&rt, &k).is_empty());
    assert!(files_holding(env.home(), &k).is_empty());
    assert_eq!(
        std::fs::read_dir(&rt).unwrap().count(),
        0,
        "run dir left behind"
    );
}

#[cfg(unix)]
#[test]
fn a_killed_run_is_cleaned_at_the_next_run() {
    let mut env = Env::new();
    let rt = env.use_runtime_dir();
    let k = secret("ak-");
    let d = env.dlubal_profile("rfem", "p1", &k);
    let child = start_until_started(
        &env,
        &["run", &d, "--", "sh", "-c", "echo started; exec sleep 30"],
    );
    assert!(
        !files_holding(&rt, &k).is_empty(),
        "the handoff exists while the child runs"
    );
    // SIGKILL SimCred (no chance to clean up), then its orphaned child.
    kill_run_and_its_command(child);
    assert!(
        !files_holding(&rt, &k).is_empty(),
        "a killed run leaves its dir"
    );
    env.run(&["run", &d, "--", "true"]).ok();
    assert!(
        files_holding(&rt, &k).is_empty(),
        "the next run removed the stale dir"
    );
}

#[test]
fn mask_replaces_every_handed_secret_in_the_output() {
    let env = Env::new();
    let k = secret("mk-");
    let p = env.modelon_profile("impact", "https://impact.example.com/", &k);
    let script = "printf 'key=%s\\n\\033[31mred %s\\033[0m\\n' \"$MODELON_IMPACT_CLIENT_API_KEY\" \"$MODELON_IMPACT_CLIENT_API_KEY\"; printf 'no newline %s' \"$MODELON_IMPACT_CLIENT_API_KEY\" >&2; exit 5";
    let out = env.run_with(&["run", &p, "--mask", "--", "sh", "-c", script], None, &[]);
    assert_eq!(out.code, 5, "{out:?}");
    assert_eq!(
        out.stdout, "key=***\n\x1b[31mred ***\x1b[0m\n",
        "colours kept, key masked"
    );
    assert_eq!(out.stderr, "no newline ***");
    // Under GitHub Actions the runner is told to mask it too, before anything else.
    let out = env.run_with(
        &[
            "run",
            &p,
            "--mask",
            "--",
            "sh",
            "-c",
            "echo $MODELON_IMPACT_CLIENT_API_KEY",
        ],
        None,
        &[("GITHUB_ACTIONS", "true")],
    );
    assert_eq!(out.stdout, format!("::add-mask::{k}\n***\n"));
}

/// A Modelon profile holding a fresh key, with `run`'s private directory in a runtime dir of
/// the test's own; returns (env, profile, key, runtime dir).
fn modelon_env() -> (Env, String, String, std::path::PathBuf) {
    let mut env = Env::new();
    let rt = env.use_runtime_dir();
    let k = secret("mk-");
    let p = env.modelon_profile("impact", "https://impact.example.com/", &k);
    (env, p, k, rt)
}

/// What the Modelon client (4.14.1, `interactive=True`) does after a successful login: it
/// writes the key it used to `~/.impact/api.key` with a plain `open('w')` (0644 by the umask).
const MODELON_SAVES_ITS_KEY: &str = r#"umask 022; mkdir -p "$HOME/.impact" && printf '%s' "$MODELON_IMPACT_CLIENT_API_KEY" > "$HOME/.impact/api.key""#;

fn notes(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        // A prompt without a newline may come first on the line.
        .filter(|l| l.contains("simcred: note:"))
        .collect()
}

/// Issue 18 item 1: the key file a Modelon client writes during `run` is gone afterwards when
/// it was not there before, with the directory it made, and `run` says so in one line.
#[test]
fn modelon_key_file_written_during_run_is_removed() {
    let (env, p, k, rt) = modelon_env();
    let key_file = env.home().join(".impact/api.key");
    let out = env.run(&[
        "run",
        &p,
        "--",
        "sh",
        "-c",
        &format!(
            "{MODELON_SAVES_ITS_KEY}; test -s \"$HOME/.impact/api.key\" && echo written; exit 4"
        ),
    ]);
    assert_eq!(out.code, 4, "{out:?}");
    assert_eq!(out.stdout, "written\n", "{out:?}");
    assert!(!key_file.exists(), "the key file stayed: {out:?}");
    assert!(!env.home().join(".impact").exists(), "{out:?}");
    assert!(files_holding(env.home(), &k).is_empty());
    assert!(files_holding(&rt, &k).is_empty());
    assert_eq!(std::fs::read_dir(&rt).unwrap().count(), 0, "run dir left");
    let n = notes(&out.stderr);
    assert_eq!(n.len(), 1, "{out:?}");
    assert!(n[0].contains(&key_file.display().to_string()), "{out:?}");
    assert!(n[0].contains("removed it"), "{out:?}");
    assert!(!out.stderr.contains(&k), "{out:?}");

    // --quiet: the same clean-up, no word.
    let out = env.run(&[
        "run",
        &p,
        "--quiet",
        "--",
        "sh",
        "-c",
        MODELON_SAVES_ITS_KEY,
    ]);
    out.ok();
    assert!(!key_file.exists());
    assert_eq!(out.stderr, "", "{out:?}");
}

/// Issue 18 item 1: a key file that held another key is put back byte for byte (mode too),
/// also when the client wrote a key typed at its prompt (after a 401), and when the child was
/// killed by a signal after writing.
#[cfg(unix)]
#[test]
fn modelon_key_file_that_held_another_key_comes_back_byte_for_byte() {
    use std::os::unix::fs::PermissionsExt;
    let (env, p, k, _rt) = modelon_env();
    let key_file = env.home().join(".impact/api.key");
    std::fs::create_dir_all(key_file.parent().unwrap()).unwrap();
    let theirs = b"mk-theirs-0000\n".to_vec();
    std::fs::write(&key_file, &theirs).unwrap();
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o640)).unwrap();
    let same = || {
        assert_eq!(std::fs::read(&key_file).unwrap(), theirs);
        assert_eq!(
            std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777,
            0o640
        );
    };

    let out = env.run(&["run", &p, "--", "sh", "-c", MODELON_SAVES_ITS_KEY]);
    out.ok();
    same();
    let n = notes(&out.stderr);
    assert_eq!(n.len(), 1, "{out:?}");
    assert!(n[0].contains("put back"), "{out:?}");

    // The client's 401 path: it prompts, reads a key from stdin and saves that one.
    let typed = secret("mk-typed-");
    let out = env.run_in(
        &[
            "run",
            &p,
            "--",
            "sh",
            "-c",
            r#"printf 'Enter Modelon Impact API key: ' >&2; read -r k; printf '%s' "$k" > "$HOME/.impact/api.key""#,
        ],
        &format!("{typed}\n"),
    );
    out.ok();
    same();
    assert!(files_holding(env.home(), &typed).is_empty());
    let n = notes(&out.stderr);
    assert_eq!(n.len(), 1, "{out:?}");
    assert!(n[0].contains("simcred key replace"), "{out:?}");
    assert!(!out.stderr.contains(&typed), "{out:?}");

    // Killed by a signal right after writing: exit 128 + 9, and the file is back.
    let out = env.run_sh(&p, &format!("{MODELON_SAVES_ITS_KEY}; kill -KILL $$"));
    assert_eq!(out.code, 137, "{out:?}");
    same();
    assert!(files_holding(env.home(), &k).is_empty());
}

/// Issue 18 item 1, Dlubal's backstop: a client that wrote the user's real `config.ini` (not
/// the overlay's) gets it put back; the overlay keeps the key away from it in the first place.
#[test]
fn dlubal_real_config_written_during_run_is_put_back() {
    let mut env = Env::new();
    let rt = env.use_runtime_dir();
    let k = secret("ak-");
    let d = env.dlubal_profile("rfem", "p1", &k);
    let real = env.xdg_config().join("Dlubal/api/config.ini");
    let write_real = format!(
        r#"mkdir -p "$(dirname "{0}")"; printf '[api_keys]\np1 = %s\ndefault = %s\n' "$DLUBAL_API_KEY" "$DLUBAL_API_KEY" > "{0}""#,
        real.display()
    );
    // Not there before: removed, with the directories made for it.
    let out = env.run(&["run", &d, "--", "sh", "-c", &write_real]);
    out.ok();
    assert!(!real.exists(), "{out:?}");
    assert!(!env.xdg_config().join("Dlubal").exists(), "{out:?}");
    assert_eq!(notes(&out.stderr).len(), 1, "{out:?}");
    // There before: byte for byte.
    std::fs::create_dir_all(real.parent().unwrap()).unwrap();
    let before = b"[connection]\nport = 9000\n\n[api_keys]\nold = ak-stale\n".to_vec();
    std::fs::write(&real, &before).unwrap();
    let out = env.run(&["run", &d, "--", "sh", "-c", &write_real]);
    out.ok();
    assert_eq!(std::fs::read(&real).unwrap(), before, "{out:?}");
    assert!(files_holding(env.home(), &k).is_empty());
    assert!(files_holding(&rt, &k).is_empty());
}

/// Starts `simcred run PROFILE -- sh -c SCRIPT; echo started; exec sleep 30` and waits for
/// "started".
#[cfg(unix)]
fn start_run(env: &Env, profile: &str, script: &str) -> std::process::Child {
    let script = format!("{script}; echo started; exec sleep 30");
    start_until_started(env, &["run", profile, "--", "sh", "-c", &script])
}

/// Issue 18 item 1: when SimCred itself is killed, the next `run` or `audit` finds the run's
/// journal and removes (or puts back) the key file, and says what it found.
#[cfg(unix)]
#[test]
fn a_killed_modelon_run_is_put_right_by_the_next_run_or_audit() {
    let (env, p, k, rt) = modelon_env();
    let key_file = env.home().join(".impact/api.key");
    for next in ["audit", "run"] {
        let child = start_run(&env, &p, MODELON_SAVES_ITS_KEY);
        kill_run_and_its_command(child);
        assert!(key_file.exists(), "the killed run left the key file");
        let out = if next == "audit" {
            env.run(&["audit"])
        } else {
            env.run(&["run", &p, "--", "true"])
        };
        assert!(!key_file.exists(), "{next} did not remove it: {out:?}");
        assert!(
            out.stderr.contains(&key_file.display().to_string()) && out.stderr.contains("stopped"),
            "{next} did not say what it found: {out:?}"
        );
        assert!(files_holding(env.home(), &k).is_empty());
        assert_eq!(
            std::fs::read_dir(&rt).unwrap().count(),
            0,
            "{next}: run dir left"
        );
    }

    // A file the user wrote after the killed run, holding another key, is left as it is.
    let child = start_run(&env, &p, MODELON_SAVES_ITS_KEY);
    kill_run_and_its_command(child);
    std::fs::write(&key_file, "mk-written-later").unwrap();
    let out = env.run(&["audit"]);
    assert_eq!(
        std::fs::read_to_string(&key_file).unwrap(),
        "mk-written-later",
        "{out:?}"
    );
    assert_eq!(std::fs::read_dir(&rt).unwrap().count(), 0, "run dir left");
}

/// A command still running after its SimCred was killed keeps its files until it ends.
#[cfg(unix)]
#[test]
fn a_command_outliving_its_killed_simcred_keeps_its_files_until_it_ends() {
    let (env, p, k, rt) = modelon_env();
    let key_file = env.home().join(".impact/api.key");
    let mut child = start_run(&env, &p, MODELON_SAVES_ITS_KEY);
    let pid = child.id();
    let grandchild: u32 = poll(
        "the command's pid",
        std::time::Duration::from_secs(10),
        || simcred_tests::first_child(pid),
    );
    // SimCred notes the command's pid just after starting it.
    poll("child.pid", std::time::Duration::from_secs(10), || {
        files_under(&rt)
            .iter()
            .any(|f| f.ends_with("child.pid") && std::fs::metadata(f).is_ok_and(|m| m.len() > 0))
            .then_some(())
    });
    child.kill().unwrap();
    child.wait().unwrap();
    let out = env.run(&["run", &p, "--", "true"]);
    assert!(out.stderr.contains("still running"), "{out:?}");
    assert!(key_file.exists(), "taken from under a running command");
    assert_eq!(std::fs::read_dir(&rt).unwrap().count(), 1);
    kill_and_wait(grandchild);
    let out = env.run(&["run", &p, "--", "true"]);
    assert!(!key_file.exists(), "{out:?}");
    assert!(files_holding(env.home(), &k).is_empty());
    assert_eq!(std::fs::read_dir(&rt).unwrap().count(), 0);
}

/// `simcred ARGS` as a process that cannot override file permissions: as root, under
/// `setpriv` with CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH and CAP_FOWNER dropped from the
/// bounding set (so neither SimCred nor its child has them; root still owns its files and may
/// chmod them), else as it is. Without this, root removes a read-only directory regardless and
/// the test below could not fail.
#[cfg(unix)]
fn run_without_dac_override(env: &Env, args: &[&str]) -> Out {
    let base = env.command();
    // Files this process makes are owned by its effective uid.
    let root = {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(env.home()).unwrap().uid() == 0
    };
    let mut c = if root {
        let mut c = std::process::Command::new("setpriv");
        c.args([
            "--bounding-set",
            "-dac_override,-dac_read_search,-fowner",
            "--",
        ])
        .arg(base.get_program());
        c
    } else {
        std::process::Command::new(base.get_program())
    };
    for (k, v) in base.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    let o = c
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("setpriv (util-linux) runs simcred without CAP_DAC_OVERRIDE");
    Out::of(&o)
}

/// Issue 17 item 10: a command that makes its hand-over directory read-only does not leave the
/// key behind, and a read-only directory left by a killed run is removed by the next run.
#[cfg(unix)]
#[test]
fn a_read_only_handoff_dir_is_still_removed() {
    let mut env = Env::new();
    let rt = env.use_runtime_dir();
    let k = secret("ak-");
    let d = env.dlubal_profile("rfem", "p1", &k);
    // The check: this process really cannot remove a file in a read-only directory.
    let probe = run_without_dac_override(
        &env,
        &[
            "run",
            &d,
            "--",
            "sh",
            "-c",
            "mkdir -p \"$XDG_CONFIG_HOME/probe\" && touch \"$XDG_CONFIG_HOME/probe/f\" && chmod a-w \"$XDG_CONFIG_HOME/probe\" && if rm -f \"$XDG_CONFIG_HOME/probe/f\" 2>/dev/null; then echo removable; else echo kept; fi; chmod u+w \"$XDG_CONFIG_HOME/probe\"",
        ],
    );
    assert_eq!(
        probe.stdout, "kept\n",
        "permissions do not bind here: {probe:?}"
    );

    let out = run_without_dac_override(
        &env,
        &[
            "run",
            &d,
            "--",
            "sh",
            "-c",
            "chmod -R a-w \"$XDG_CONFIG_HOME/Dlubal\"; chmod a-w \"$XDG_CONFIG_HOME\"; exit 3",
        ],
    );
    assert_eq!(out.code, 3, "{out:?}");
    assert!(
        files_holding(&rt, &k).is_empty(),
        "the key stayed in the hand-over dir: {out:?}"
    );
    assert_eq!(std::fs::read_dir(&rt).unwrap().count(), 0, "{out:?}");

    // A killed run's directory, made read-only (and unreadable) by its command.
    let dead = {
        let mut c = std::process::Command::new("true").spawn().unwrap();
        c.wait().unwrap();
        c.id()
    };
    let stale = rt.join(format!(
        "simcred-run-{dead}-0123456789abcdef0123456789abcdef"
    ));
    let ini = stale.join("xdg_config_home/Dlubal/api/config.ini");
    std::fs::create_dir_all(ini.parent().unwrap()).unwrap();
    std::fs::write(&ini, format!("[api_keys]\np1 = {k}\n")).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path, m: u32| {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap()
        };
        mode(ini.parent().unwrap(), 0o500);
        mode(&stale.join("xdg_config_home/Dlubal"), 0o000);
        mode(&stale, 0o500);
    }
    let out = run_without_dac_override(&env, &["run", &d, "--", "true"]);
    out.ok();
    assert!(!stale.exists(), "the stale dir stayed: {out:?}");
    assert_eq!(std::fs::read_dir(&rt).unwrap().count(), 0, "{out:?}");
}
