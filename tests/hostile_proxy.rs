//! Issue 8, proxies: loopback traffic never goes through a proxy (from the environment or the
//! profile), remote traffic goes through the profile's proxy before the environment's, NO_PROXY
//! is honoured, and a proxy sees a `CONNECT` but never a key or a password.
//!
//! The proxies are recording listeners on 127.0.0.1 that keep what they were sent and close:
//! the `https://*.example.invalid` profiles never reach anything but them.

use simcred_sandbox::{Sandbox, SandboxOptions};
use simcred_tests::hostile::{assert_no_panic, Recorder};
use simcred_tests::{secret, Env, Out};
use std::time::Duration;

const REMOTE: &str = "https://impact.example.invalid/";
const CONNECT: &str = "CONNECT impact.example.invalid:443";

/// Every proxy variable, upper and lower case.
const PROXY_VARS: [&str; 6] = [
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "ALL_PROXY",
    "https_proxy",
    "http_proxy",
    "all_proxy",
];

fn sandbox(key: &str) -> Sandbox {
    Sandbox::start(SandboxOptions {
        port: 0,
        modelon_keys: vec![key.to_string()],
    })
    .expect("start sandbox")
}

/// Runs `key check P` with `vars` set, no NO_PROXY and a short timeout.
fn check(env: &Env, p: &str, vars: &[(&str, &str)]) -> Out {
    let mut all = vec![("NO_PROXY", ""), ("no_proxy", ""), ("SIMCRED_TIMEOUT", "5")];
    all.extend_from_slice(vars);
    let out = env.run_with(&["key", "check", p], None, &all);
    assert_no_panic(p, &out);
    out
}

fn assert_valid(out: &Out) {
    assert!(
        out.stdout.contains(": valid — user demo-user"),
        "the key should check out directly: {out:#?}"
    );
}

fn assert_untouched(l: &Recorder, what: &str) {
    assert_eq!(
        l.connections(),
        0,
        "{what}: the proxy was used: {}",
        l.received_text()
    );
}

/// The proxy got a CONNECT for the remote host and nothing holding `secret`.
fn assert_connect_only(l: &Recorder, secret: &str, what: &str) {
    assert!(l.connections() > 0, "{what}: the proxy was not used");
    l.settle(Duration::from_secs(10));
    let text = l.received_text();
    assert!(text.contains(CONNECT), "{what}: the proxy got {text:?}");
    for r in l.received() {
        assert!(
            !simcred_tests::hostile::contains_bytes(&r, secret.as_bytes()),
            "{what}: the proxy saw the secret: {:?}",
            String::from_utf8_lossy(&r)
        );
    }
}

#[test]
fn loopback_never_goes_through_an_environment_proxy() {
    let key = secret("mk-envproxy-");
    let sb = sandbox(&key);
    let env = Env::new();
    let p = env.modelon_profile("loop", &sb.modelon_url(), &key);
    let l = Recorder::start();
    let url = l.url();
    let all: Vec<(&str, &str)> = PROXY_VARS.iter().map(|v| (*v, url.as_str())).collect();
    assert_valid(&check(&env, &p, &all));
    assert_untouched(&l, "all proxy variables");
    for v in PROXY_VARS {
        assert_valid(&check(&env, &p, &[(v, &url)]));
        assert_untouched(&l, v);
    }
}

#[test]
fn loopback_never_goes_through_the_profile_proxy() {
    let key = secret("mk-profproxy-");
    let sb = sandbox(&key);
    let env = Env::new();
    let l = Recorder::start();
    let p = env.add_profile(
        "loop-prof",
        "modelon",
        &[
            "--url",
            &sb.modelon_url(),
            "--set",
            &format!("https_proxy={}", l.url()),
        ],
    );
    env.run_in(&["key", "add", &p], &key).ok();
    assert_valid(&check(&env, &p, &[]));
    assert_untouched(&l, "profile https_proxy");
    // The sandbox's hub front too, with the environment's proxies on top.
    let h = env.add_profile(
        "loop-hub",
        "modelon",
        &[
            "--url",
            &sb.modelon_hub_url(),
            "--set",
            &format!("https_proxy={}", l.url()),
        ],
    );
    env.run_in(&["key", "add", &h], &key).ok();
    let url = l.url();
    let out = check(&env, &h, &[("HTTPS_PROXY", &url), ("HTTP_PROXY", &url)]);
    assert!(out.stdout.contains(": valid"), "{out:#?}");
    assert_untouched(&l, "hub behind profile and environment proxies");
}

/// A Modelon profile for the remote URL, optionally with a profile proxy.
fn remote_profile(env: &Env, base: &str, proxy: Option<&str>, key: &str) -> String {
    let p = env.name(base);
    let mut args = vec![
        "profile".to_string(),
        "add".into(),
        p.clone(),
        "--service".into(),
        "modelon".into(),
        "--url".into(),
        REMOTE.into(),
    ];
    if let Some(proxy) = proxy {
        args.push("--set".into());
        args.push(format!("https_proxy={proxy}"));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    env.run(&args).ok();
    env.run_in(&["key", "add", &p], key).ok();
    p
}

#[test]
fn remote_traffic_goes_through_the_profile_proxy_first() {
    let key = secret("mk-remote-");
    let env = Env::new();
    let l1 = Recorder::start();
    let l2 = Recorder::start();
    let p = remote_profile(&env, "remote", Some(&l1.url()), &key);
    let out = check(&env, &p, &[]);
    assert!(out.stdout.contains("unreachable"), "{out:#?}");
    assert!(out.stdout.contains("proxy"), "name the proxy: {out:#?}");
    assert_connect_only(&l1, &key, "profile proxy");

    // The profile's proxy beats the environment's.
    let before = l1.connections();
    let url2 = l2.url();
    let out = check(&env, &p, &[("HTTPS_PROXY", &url2), ("https_proxy", &url2)]);
    assert!(out.stdout.contains("unreachable"), "{out:#?}");
    assert!(l1.connections() > before, "the profile proxy was used");
    assert_untouched(&l2, "environment proxy under a profile proxy");
    assert_connect_only(&l1, &key, "profile proxy over env");
}

#[test]
fn the_environment_proxy_and_no_proxy_are_honoured_for_remote_hosts() {
    let key = secret("mk-envremote-");
    let env = Env::new();
    let p = remote_profile(&env, "env-remote", None, &key);
    for var in ["HTTPS_PROXY", "https_proxy"] {
        let l = Recorder::start();
        let out = check(&env, &p, &[(var, &l.url())]);
        assert!(out.stdout.contains("unreachable"), "{out:#?}");
        assert_connect_only(&l, &key, var);
    }
    for (var, no) in [
        ("NO_PROXY", "impact.example.invalid"),
        ("NO_PROXY", ".example.invalid"),
        ("no_proxy", "impact.example.invalid"),
        ("NO_PROXY", "localhost,impact.example.invalid"),
    ] {
        let l = Recorder::start();
        let url = l.url();
        // `check` clears NO_PROXY first; the later entry wins.
        let out = check(&env, &p, &[("HTTPS_PROXY", &url), (var, no)]);
        assert!(out.stdout.contains("unreachable"), "{out:#?}");
        assert_untouched(&l, &format!("{var}={no}"));
    }
}

#[test]
fn a_sign_in_through_a_proxy_shows_it_no_password() {
    let password = secret("pw-proxy-");
    let env = Env::new();
    let l = Recorder::start();
    let p = env.add_profile(
        "sim-proxy",
        "simai",
        &[
            "--organization",
            "o",
            "--url",
            "https://api.example.invalid/v2/",
            "--set",
            &format!("https_proxy={}", l.url()),
        ],
    );
    let out = env.run_with(
        &["login", &p, "--password", "--username", "u", "--no-totp"],
        Some(&format!("{password}\n")),
        &[("SIMCRED_TIMEOUT", "5")],
    );
    assert_no_panic("login", &out);
    out.fails();
    l.settle(Duration::from_secs(10));
    let text = l.received_text();
    assert!(
        text.contains("CONNECT api.example.invalid:443"),
        "the proxy got {text:?}"
    );
    assert!(!text.contains(&password), "the proxy saw the password");
    assert!(!env.all_output().contains(&password));
}
