//! `simcred run`: credentials reach the child's environment only; exit code and streams pass.

use simcred_tests::{secret, Env};

#[test]
fn run_sets_vendor_variables_for_the_child_only() {
    let env = Env::new();
    let p = env.name("impact");
    env.run(&[
        "profile",
        "add",
        &p,
        "--service",
        "modelon",
        "--url",
        "https://impact.example.com/",
    ])
    .ok();
    let k = secret("mk-");
    env.run_in(&["key", "add", &p], &k).ok();
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
    let out = env.run(&[
        "run",
        &d,
        "--",
        "sh",
        "-c",
        "echo $DLUBAL_API_KEY_NAME=$DLUBAL_API_KEY",
    ]);
    assert_eq!(out.stdout, "p1=ak-11112222333\n");

    let out = env.run(&["run", &d, "--", "/nonexistent/cmd"]);
    out.fails();
    assert!(
        out.stderr.contains("cannot run /nonexistent/cmd"),
        "{out:?}"
    );
}

/// A private runtime dir for the handoff, so the test can see what is left in it.
fn runtime_dir(env: &Env) -> std::path::PathBuf {
    let d = env.home().join("run");
    std::fs::create_dir_all(&d).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    d
}

fn files_holding(dir: &std::path::Path, needle: &str) -> Vec<std::path::PathBuf> {
    simcred_tests::files_under(dir)
        .into_iter()
        .filter(|f| {
            std::fs::read(f)
                .map(|b| String::from_utf8_lossy(&b).contains(needle))
                .unwrap_or(false)
        })
        .collect()
}

#[test]
fn a_file_only_client_gets_its_file_privately_and_the_user_file_stays() {
    let mut env = Env::new();
    let rt = runtime_dir(&env);
    env.extra_env
        .push(("XDG_RUNTIME_DIR".into(), rt.display().to_string()));
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

    let d = env.name("rfem");
    env.run(&["profile", "add", &d, "--service", "dlubal"]).ok();
    let k = secret("ak-");
    env.run_in(&["key", "add", &d, "p1"], &k).ok();
    let out = env.run(&[
        "run",
        &d,
        "--",
        "sh",
        "-c",
        "cat \"$XDG_CONFIG_HOME/Dlubal/api/config.ini\" \"$XDG_CONFIG_HOME/othertool/tool.conf\"; exit 3",
    ]);
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
    use std::io::BufRead;
    let mut env = Env::new();
    let rt = runtime_dir(&env);
    env.extra_env
        .push(("XDG_RUNTIME_DIR".into(), rt.display().to_string()));
    let d = env.name("rfem");
    env.run(&["profile", "add", &d, "--service", "dlubal"]).ok();
    let k = secret("ak-");
    env.run_in(&["key", "add", &d, "p1"], &k).ok();
    let mut child = env
        .command()
        .args(["run", &d, "--", "sh", "-c", "echo started; exec sleep 30"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line, "started\n");
    assert!(
        !files_holding(&rt, &k).is_empty(),
        "the handoff exists while the child runs"
    );
    // SIGKILL SimCred (no chance to clean up), then its orphaned child.
    let pid = child.id();
    let grandchild = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .next()
        .and_then(|p| p.parse::<u32>().ok());
    child.kill().unwrap();
    child.wait().unwrap();
    if let Some(g) = grandchild {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &g.to_string()])
            .status();
    }
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
    let p = env.name("impact");
    env.run(&[
        "profile",
        "add",
        &p,
        "--service",
        "modelon",
        "--url",
        "https://impact.example.com/",
    ])
    .ok();
    let k = secret("mk-");
    env.run_in(&["key", "add", &p], &k).ok();
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
