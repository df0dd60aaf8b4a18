//! `simcred run --files` for SimAI: the SDK's own config with the offline token and its token
//! cache, in a private overlay that is gone after the run (and after a killed run, at the next
//! one), through the built CLI against the sandbox and the real Secret Service.

use simcred_sandbox::{Sandbox, SandboxOptions, SimaiOptions};
use simcred_tests::jwt::azp_of;
use simcred_tests::{
    files_holding, files_under, kill_run_and_its_command, secret, start_until_started, Env,
};
use std::path::PathBuf;

fn sandbox() -> Sandbox {
    Sandbox::start_with(
        SandboxOptions {
            port: 0,
            modelon_keys: vec![],
        },
        SimaiOptions::default(),
    )
    .expect("start sandbox")
}

/// An Env with its own runtime dir (0700) and cache dir, and a SimAI profile signed in for an
/// offline token. Returns (env, profile, runtime dir).
fn signed_in(sb: &Sandbox) -> (Env, String, PathBuf) {
    let mut env = Env::new();
    let rt = env.use_runtime_dir();
    env.extra_env.push((
        "XDG_CACHE_HOME".into(),
        env.home().join(".cache").display().to_string(),
    ));
    let p = env.simai_profile("sim", &sb.simai_api_url());
    env.run(&["profile", "edit", &p, "--set", "workspace=demo-ws"])
        .ok();
    sign_in(&env, &p, None);
    (env, p, rt)
}

/// `offline-token P --password` (of `client`, else the default one) as the sandbox's user.
fn sign_in(env: &Env, p: &str, client: Option<&str>) {
    let mut args = vec!["offline-token", p];
    if let Some(c) = client {
        args.extend(["--client", c]);
    }
    args.extend(["--password", "--username", "demo@example.com"]);
    env.run_in(&args, "demo-password\n\n").ok();
}

#[cfg(unix)]
#[test]
fn files_hands_the_sdk_config_and_a_private_cache_and_removes_both() {
    let sb = sandbox();
    let (env, p, rt) = signed_in(&sb);
    let offline = env.offline_token(&p);
    // The user's own SDK config (a stale token) and other caches.
    let user_conf = env.xdg_config().join("ansys_simai.conf");
    std::fs::write(
        &user_conf,
        format!("[{p}]\norganization = \"old\"\noffline_token = \"stale-token\"\n"),
    )
    .unwrap();
    let before = std::fs::read(&user_conf).unwrap();
    let cache = env.home().join(".cache");
    std::fs::create_dir_all(cache.join("othertool")).unwrap();
    std::fs::write(cache.join("othertool/x"), "other cache\n").unwrap();
    std::fs::create_dir_all(cache.join("ansys/other")).unwrap();
    std::fs::write(cache.join("ansys/other/y"), "ansys cache\n").unwrap();

    let script = r#"set -e
c="$XDG_CONFIG_HOME/ansys_simai.conf"; d="$XDG_CACHE_HOME/ansys/pysimai"
echo "conf-mode=$(stat -c %a "$c") dir-mode=$(stat -c %a "$d") cache-mode=$(stat -c %a "$XDG_CACHE_HOME")"
echo "entries=$(ls -A "$d" | wc -l)"
echo "access=${SIMAI_ACCESS_TOKEN-unset}"
cat "$XDG_CACHE_HOME/othertool/x" "$XDG_CACHE_HOME/ansys/other/y"
printf '{"access_token": "cached-by-the-sdk"}' > "$d/tokens-abc.json"
echo "---"; cat "$c"
exit 4"#;
    let out = env.run_with(
        &["run", &p, "--files", "--", "sh", "-c", script],
        None,
        &[("SIMAI_ACCESS_TOKEN", "from-the-parent")],
    );
    assert_eq!(out.code, 4, "{out:?}");
    let (head, conf) = out.stdout.split_once("---\n").unwrap();
    assert!(
        head.contains("conf-mode=600 dir-mode=700 cache-mode=700"),
        "{out:?}"
    );
    assert!(head.contains("entries=0"), "an empty token cache: {out:?}");
    assert!(
        head.contains("access=unset"),
        "the SDK refuses an access token beside the offline token: {out:?}"
    );
    assert!(
        head.contains("other cache\nansys cache\n"),
        "the user's other caches are seen: {out:?}"
    );
    // The profile's table under its own name and as [default], with its settings and token.
    for table in [format!("[{p}]"), "[default]".to_string()] {
        let t = conf
            .split(&table)
            .nth(1)
            .unwrap_or_else(|| panic!("{table}: {conf}"));
        let t = t.split("\n[").next().unwrap();
        assert!(t.contains("organization = \"demo-org\""), "{t}");
        assert!(
            t.contains(&format!("url = \"{}\"", sb.simai_api_url())),
            "{t}"
        );
        assert!(t.contains("workspace = \"demo-ws\""), "{t}");
        assert!(t.contains(&format!("offline_token = \"{offline}\"")), "{t}");
    }
    assert!(!conf.contains("stale-token"));
    // Afterwards: the user's file is byte-identical, no file holds the token, nothing is left.
    assert_eq!(std::fs::read(&user_conf).unwrap(), before);
    assert_eq!(std::fs::read_dir(&rt).unwrap().count(), 0, "run dir left");
    assert!(files_holding(env.home(), &offline).is_empty());
    assert!(files_holding(env.home(), "cached-by-the-sdk").is_empty());
    assert!(!cache.join("ansys/pysimai").exists());
    assert_eq!(
        std::fs::read_to_string(cache.join("ansys/other/y")).unwrap(),
        "ansys cache\n"
    );
    // --mask hides the offline token too.
    let out = env.run(&[
        "run",
        &p,
        "--files",
        "--mask",
        "--",
        "sh",
        "-c",
        "cat \"$XDG_CONFIG_HOME/ansys_simai.conf\"",
    ]);
    assert!(out.stdout.contains("offline_token = \"***\""), "{out:?}");
    assert!(!out.stdout.contains(&offline));
    // Without --files: an access token in the variable, as before.
    let out = env.run_sh(&p, "printf %s \"$SIMAI_ACCESS_TOKEN\"; test -e \"$XDG_CONFIG_HOME/ansys_simai.conf\" && echo ' user-conf'");
    assert!(out.stdout.starts_with("eyJ"), "{out:?}");
    assert!(out.stdout.ends_with(" user-conf\n"), "{out:?}");
}

#[cfg(unix)]
#[test]
fn a_killed_files_run_and_its_sdk_cache_are_cleaned_at_the_next_run() {
    let sb = sandbox();
    let (env, p, rt) = signed_in(&sb);
    let offline = env.offline_token(&p);
    let child = start_until_started(
        &env,
        &[
            "run",
            &p,
            "--files",
            "--",
            "sh",
            "-c",
            "printf x > \"$XDG_CACHE_HOME/ansys/pysimai/tokens-k.json\"; echo started; exec sleep 30",
        ],
    );
    assert_eq!(
        files_holding(&rt, &offline).len(),
        1,
        "the config, while it runs"
    );
    // SIGKILL SimCred: no chance to clean up; then its orphaned child.
    kill_run_and_its_command(child);
    assert!(!files_under(&rt).is_empty(), "left behind");
    env.run(&["run", &p, "--files", "--", "true"]).ok();
    assert!(
        files_under(&rt).is_empty(),
        "the next run removed the stale dir and the SDK's cache in it"
    );
    assert!(files_holding(env.home(), &offline).is_empty());
}

#[test]
fn files_is_refused_where_nothing_is_handed_over_in_files() {
    let env = Env::new();
    let p = env.modelon_profile("impact", "https://impact.example.com/", &secret("mk-"));
    let out = env.run(&["run", &p, "--files", "--", "true"]);
    out.fails();
    assert!(
        out.stderr.contains("do not support run --files")
            && out.stderr.contains("MODELON_IMPACT_CLIENT_API_KEY"),
        "{out:?}"
    );
    // Dlubal's client gets its file anyway: --files changes nothing there.
    let d = env.name("rfem");
    env.run(&["profile", "add", &d, "--service", "dlubal"]).ok();
    env.run_in(&["key", "add", &d, "p1"], "ak-11112222333").ok();
    let out = env.run(&[
        "run",
        &d,
        "--files",
        "--",
        "sh",
        "-c",
        "grep -c ak-11112222333 \"$XDG_CONFIG_HOME/Dlubal/api/config.ini\"",
    ]);
    assert_eq!(out.stdout, "2\n", "{out:?}");
    // A SimAI profile without an offline token says how to get one.
    let sb = sandbox();
    let s = env.simai_profile("sim", &sb.simai_api_url());
    let out = env.run(&["run", &s, "--files", "--", "true"]);
    out.fails();
    assert!(out.stderr.contains("simcred offline-token"), "{out:?}");
}

/// The offline token in the SDK config a `run --files` child sees.
const SHOW_TOKEN: &str = "sed -n 's/^offline_token = \"\\(.*\\)\"$/\\1/p' \"$XDG_CONFIG_HOME/ansys_simai.conf\" | head -1";

#[cfg(unix)]
#[test]
fn files_hands_the_token_of_the_client_the_job_needs_or_stops_before_it_starts() {
    let sb = sandbox();
    let (env, p, _rt) = signed_in(&sb);
    let marker = env.home().join("job-ran");
    let touch = format!("touch '{}'", marker.display());
    // Only the SDK's own client's token: asked for `sdk`, run stops before the command starts,
    // naming the token and the command that gets it.
    let out = env.run(&[
        "run", &p, "--files", "--client", "sdk", "--", "sh", "-c", &touch,
    ]);
    out.fails();
    assert!(!marker.exists(), "the command must not start");
    assert!(
        out.stderr.contains("no offline token of client sdk")
            && out.stderr.contains("only of com.ansys.simai.sdk")
            && out
                .stderr
                .contains(&format!("simcred offline-token {p} --client sdk")),
        "{out:?}"
    );
    assert!(sb.simai_device_requests().is_empty());
    // Not a client of the service; not without --files.
    let out = env.run(&["run", &p, "--files", "--client", "other", "--", "true"]);
    out.fails();
    assert!(out.stderr.contains("has no client \"other\""), "{out:?}");
    let out = env.run(&["run", &p, "--client", "sdk", "--", "true"]);
    out.fails();
    assert!(out.stderr.contains("--files"), "{out:?}");

    // With a token of `sdk` too, each job gets the one it asks for (default: the SDK's own).
    sign_in(&env, &p, Some("sdk"));
    let out = env.run(&[
        "run", &p, "--files", "--client", "sdk", "--", "sh", "-c", SHOW_TOKEN,
    ]);
    out.ok();
    assert_eq!(azp_of(out.stdout.trim()), "sdk");
    assert!(!out.stderr.contains("note"), "{out:?}");
    let out = env.run(&["run", &p, "--files", "--", "sh", "-c", SHOW_TOKEN]);
    out.ok();
    assert_eq!(azp_of(out.stdout.trim()), "com.ansys.simai.sdk");
    assert_eq!(out.stdout.trim(), env.offline_token(&p));
    let out = env.run(&[
        "run",
        &p,
        "--files",
        "--client",
        "com.ansys.simai.sdk",
        "--",
        "sh",
        "-c",
        SHOW_TOKEN,
    ]);
    assert_eq!(azp_of(out.stdout.trim()), "com.ansys.simai.sdk");

    // A profile with only the `sdk` token: a job that names no client gets it, with a warning
    // before it starts saying which token is missing.
    let env2 = Env::new();
    let q = env2.simai_profile("sim", &sb.simai_api_url());
    sign_in(&env2, &q, Some("sdk"));
    let out = env2.run(&[
        "run",
        &q,
        "--files",
        "--",
        "sh",
        "-c",
        &format!("echo started >&2; {SHOW_TOKEN}"),
    ]);
    out.ok();
    assert_eq!(azp_of(out.stdout.trim()), "sdk");
    let warn = out
        .stderr
        .find("no offline token of client com.ansys.simai.sdk")
        .unwrap_or_else(|| panic!("{out:?}"));
    assert!(warn < out.stderr.find("started").unwrap(), "{out:?}");
    assert!(
        out.stderr.contains(&format!(
            "simcred offline-token {q} --client com.ansys.simai.sdk"
        )),
        "{out:?}"
    );
}
