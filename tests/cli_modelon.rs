//! Modelon Impact keys checked against the loopback sandbox over real HTTP: valid, invalid,
//! JupyterHub front, every fault, and regenerate-and-replace.

use simcred_sandbox::{Fault, Sandbox, SandboxOptions};
use simcred_tests::{secret, Env};

fn sandbox(keys: &[&str]) -> Sandbox {
    Sandbox::start(SandboxOptions {
        port: 0,
        modelon_keys: keys.iter().map(|k| k.to_string()).collect(),
    })
    .expect("start sandbox")
}

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

#[test]
fn check_valid_invalid_and_hub() {
    let good = secret("mk-");
    let sb = sandbox(&[&good]);
    let env = Env::new();
    let p = env.modelon_profile("impact", &sb.modelon_url(), &good);
    let out = env.run(&["key", "check", &p]);
    out.ok();
    assert!(
        out.stdout
            .contains("valid — user demo-user, license impact-pro"),
        "{out:?}"
    );
    let st = json(&env.run(&["status", "--json"]).ok().stdout);
    assert_eq!(st["profiles"][0]["state"], "valid");
    assert!(st["profiles"][0]["keys"][0]["checked"].is_string());

    // Behind a JupyterHub front, the API is found under the user's server.
    let h = env.modelon_profile("hub", &sb.modelon_hub_url(), &good);
    let out = env.run(&["key", "check", &h, "--json"]);
    out.ok();
    assert_eq!(json(&out.stdout)["key"]["status"], "valid");

    // The key dies when a new one is generated: check says invalid, status exits 1.
    sb.regenerate_modelon_key();
    let out = env.run(&["key", "check", &p]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout
            .contains("invalid — the server rejected the key (401: Invalid API key)"),
        "{out:?}"
    );
    let st = env.run(&["status"]);
    assert_eq!(st.code, 1, "{st:?}");
    assert!(st.stdout.contains(&format!("! {p}")), "{st:?}");
    let out = env.run(&["key", "check", &h]);
    assert!(out.stdout.contains("invalid"), "{out:?}");
}

#[test]
fn faults_become_one_line_reasons() {
    let good = secret("mk-");
    let sb = sandbox(&[&good]);
    let env = Env::new();
    let p = env.modelon_profile("impact", &sb.modelon_url(), &good);
    let cases = [
        (Fault::Html, "HTML page"),
        (Fault::ServerError, "answered 500: internal error"),
        (Fault::Garbage, "not JSON"),
        (Fault::Reset, "closed the connection"),
        (Fault::Hang, "no answer from 127.0.0.1"),
    ];
    for (fault, expect) in cases {
        sb.set_fault(fault);
        let out = env.run_with(&["key", "check", &p], None, &[("SIMCRED_TIMEOUT", "1")]);
        assert_eq!(
            out.code, 0,
            "unreachable is not a verdict on the key: {out:?}"
        );
        assert!(out.stdout.contains("unreachable — "), "{fault:?}: {out:?}");
        assert!(out.stdout.contains(expect), "{fault:?}: {out:?}");
        assert_eq!(out.stdout.lines().count(), 1, "{out:?}");
        assert!(!out.stderr.contains("panicked"), "{out:?}");
    }
    sb.set_fault(Fault::None);
    env.run(&["key", "check", &p]).ok();

    // Nothing listening at all.
    let dead = env.name("dead");
    let url = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/", l.local_addr().unwrap())
    };
    env.run(&[
        "profile",
        "add",
        &dead,
        "--service",
        "modelon",
        "--url",
        &url,
    ])
    .ok();
    env.run_in(&["key", "add", &dead], &good).ok();
    let out = env.run(&["key", "check", &dead]);
    // Issue 23: a server on this computer that is not running, said in words, with its port.
    assert!(
        out.stdout.contains(&format!(
            "could not connect to {}: nothing is running there on this computer",
            url.trim_start_matches("http://").trim_end_matches('/')
        )),
        "{out:?}"
    );
}

#[test]
fn replace_keeps_the_old_key_until_the_new_one_checks_out() {
    let old = secret("mk-");
    let sb = sandbox(&[&old]);
    let env = Env::new();
    let p = env.modelon_profile("impact", &sb.modelon_url(), &old);
    let e = env.run_in(&["key", "add", &p], "mk-another-one");
    assert!(e.stderr.contains("one API key per server"), "{e:?}");
    let keyfile = env.home().join(".impact/api.key");
    env.run(&["export", &p]).ok();
    assert_eq!(std::fs::read_to_string(&keyfile).unwrap(), old);

    // A mistyped new key is refused and the old one kept.
    let out = env.run_in(&["key", "replace", &p], "mk-typo-typo-typo");
    out.fails();
    assert!(out.stderr.contains("old one is kept"), "{out:?}");
    assert_eq!(env.run(&["key", "get", &p]).stdout, old);

    // Regenerate on the server, replace: checked, swapped, re-exported.
    let new = sb.regenerate_modelon_key();
    let out = env.run_in(&["key", "replace", &p], &format!("{new}\n"));
    out.ok();
    assert!(out.stdout.contains("[valid]"), "{out:?}");
    assert!(out.stdout.contains("Re-exported to"), "{out:?}");
    assert_eq!(env.run(&["key", "get", &p]).stdout, new);
    assert_eq!(std::fs::read_to_string(&keyfile).unwrap(), new);
}

#[test]
fn the_profile_proxy_is_used() {
    // A remote server is reached through the profile's proxy, which wins over HTTPS_PROXY: the
    // proxy is asked to CONNECT and never sees the key. (Loopback never goes through a proxy:
    // tests/hostile_proxy.rs.)
    use simcred_tests::hostile::Recorder;
    let good = secret("mk-");
    let env = Env::new();
    let l1 = Recorder::start();
    let l2 = Recorder::start();
    let p = env.add_profile(
        "proxied",
        "modelon",
        &[
            "--url",
            "https://impact.example.invalid/",
            "--set",
            &format!("https_proxy={}", l1.url()),
        ],
    );
    env.run_in(&["key", "add", &p], &good).ok();
    let out = env.run_with(
        &["key", "check", &p],
        None,
        &[
            ("HTTPS_PROXY", &l2.url()),
            ("NO_PROXY", ""),
            ("no_proxy", ""),
            ("SIMCRED_TIMEOUT", "5"),
        ],
    );
    assert!(out.stdout.contains("unreachable"), "{out:?}");
    assert!(out.stdout.contains("proxy"), "{out:?}");
    l1.settle(std::time::Duration::from_secs(10));
    let seen = l1.received_text();
    assert!(
        seen.contains("CONNECT impact.example.invalid:443"),
        "the profile proxy got {seen:?}"
    );
    assert!(!seen.contains(&good), "the proxy saw the key");
    assert_eq!(l2.connections(), 0, "the environment's proxy was used");
    let e = env.run(&[
        "profile",
        "edit",
        &p,
        "--set",
        "tls_ca_bundle=/nonexistent/ca.pem",
    ]);
    assert!(
        e.stderr
            .contains("tls_ca_bundle: /nonexistent/ca.pem is not a file"),
        "{e:?}"
    );
}
