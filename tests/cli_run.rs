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
