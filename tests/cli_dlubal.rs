//! Dlubal keys checked with the application over gRPC (`key check`, `status --check`), against
//! the sandbox's RFEM/RSTAB services on loopback, with the real Secret Service: valid with the
//! plan and this month's request count, invalid, restricted by the plan, an application that is
//! not running, TLS with and without the CA file; and a key is never sent unasked.

use simcred_sandbox::{Sandbox, SandboxOptions};
use simcred_tests::{json, profile_in, secret, Env};

const LIMITED_SENTENCE: &str = "the limits defined in your subscription plan have been exceeded";

struct Keys {
    good: String,
    limited: String,
}

fn sandbox() -> (Sandbox, Keys) {
    let keys = Keys {
        good: secret("ak-"),
        limited: secret("ak-"),
    };
    let sb = Sandbox::start(SandboxOptions::default()).expect("sandbox");
    sb.add_dlubal_key(&keys.good);
    sb.add_dlubal_limited_key(&keys.limited);
    (sb, keys)
}

/// A Dlubal profile (named from `base`) for the application on `port` with `more` settings,
/// holding `key` as `main`.
fn profile(env: &Env, base: &str, port: u16, more: &[&str], key: &str) -> String {
    let port = format!("port={port}");
    let mut args = vec!["--set", port.as_str()];
    for m in more {
        args.extend(["--set", m]);
    }
    let p = env.add_profile(base, "dlubal", &args);
    env.run_in(&["key", "add", &p, "main"], key).ok();
    p
}

#[test]
fn a_good_key_is_valid_with_the_plan_and_this_months_requests() {
    let (sb, keys) = sandbox();
    let env = Env::new();
    let p = profile(&env, "d1", sb.dlubal_port(), &[], &keys.good);

    let out = env.run(&["key", "check", &p]);
    out.ok();
    assert!(
        out.stdout
            .contains(&format!("{p}/main: valid — accepted by RFEM")),
        "{out:?}"
    );
    assert!(out.stdout.contains(" API requests this month"), "{out:?}");
    assert!(!out.stdout.contains(&keys.good) && !out.stderr.contains(&keys.good));

    let r = json(&env.run(&["key", "check", &p, "--json"]).stdout);
    assert_eq!(r["key"]["status"], "valid", "{r}");
    let usage = r["key"]["usage"].as_str().unwrap_or_default().to_string();
    assert!(usage.contains("of 10,000 API requests this month"), "{r}");
    assert!(usage.starts_with("plan "), "{r}");

    // status and key list show what the last check said, without asking again.
    let asked = sb.dlubal_requests();
    let st = env.run(&["status"]);
    st.ok();
    assert!(st.stdout.contains("API requests this month"), "{st:?}");
    let st = env.status_json();
    assert!(
        profile_in(&st, &p)["usage"]
            .as_str()
            .is_some_and(|u| u.contains("API requests this month")),
        "{st}"
    );
    let list = env.run(&["key", "list", &p]);
    assert!(list.stdout.contains("API requests this month"), "{list:?}");
    assert_eq!(
        sb.dlubal_requests(),
        asked,
        "status and key list ask nothing"
    );

    // RSTAB is another service at the same place: the product setting picks it.
    env.run(&["profile", "edit", &p, "--set", "product=rstab"])
        .ok();
    let out = env.run(&["key", "check", &p]);
    out.ok();
    assert!(out.stdout.contains("accepted by RSTAB"), "{out:?}");
}

#[test]
fn bad_and_limited_keys_are_told_apart() {
    let (sb, keys) = sandbox();
    let env = Env::new();
    let bad = profile(&env, "d2", sb.dlubal_port(), &[], &secret("ak-"));
    let out = env.run(&["key", "check", &bad]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout.contains("invalid — RFEM on 127.0.0.1:"),
        "{out:?}"
    );
    assert!(
        out.stdout
            .contains("API key is invalid or in incorrect format."),
        "{out:?}"
    );

    let limited = profile(&env, "d3", sb.dlubal_port(), &[], &keys.limited);
    let out = env.run(&["key", "check", &limited]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("restricted — "), "{out:?}");
    assert!(out.stdout.contains(LIMITED_SENTENCE), "{out:?}");
    let st = env.run(&["status"]);
    assert_eq!(st.code, 1, "a restricted key needs attention: {st:?}");
    assert_eq!(
        profile_in(&env.status_json(), &limited)["condition"]["status"],
        "restricted"
    );
}

#[test]
fn a_stopped_application_is_named_and_the_key_keeps_its_state() {
    let (sb, keys) = sandbox();
    let port = sb.dlubal_port();
    let env = Env::new();
    let p = profile(&env, "d4", port, &[], &keys.good);
    env.run(&["key", "check", &p]).ok();
    drop(sb);
    let out = env.run(&["key", "check", &p]);
    assert!(
        out.stdout.contains(&format!(
            "unreachable — RFEM is not running on 127.0.0.1:{port}"
        )),
        "{out:?}"
    );
    assert!(out.stdout.contains("the key stays valid"), "{out:?}");
}

#[test]
fn over_tls_the_ca_file_is_what_makes_the_application_trusted() {
    let (sb, keys) = sandbox();
    let env = Env::new();
    let ca = env.home().join("dlubal-ca.pem");
    std::fs::write(&ca, sb.dlubal_ca_pem()).unwrap();
    let tls = format!("tls_ca_bundle={}", ca.display());
    let p = profile(&env, "d5", sb.dlubal_tls_port(), &[&tls], &keys.good);
    let out = env.run(&["key", "check", &p]);
    out.ok();
    assert!(out.stdout.contains("valid — accepted by RFEM"), "{out:?}");
    let r = json(&env.run(&["key", "check", &p, "--json"]).stdout);
    assert_eq!(r["key"]["status"], "valid", "{r}");
    assert!(r["unreachable"].is_null(), "{r}");

    // The system's authorities do not know the sandbox's own CA: a sentence, no verdict.
    env.run(&["profile", "edit", &p, "--set", "tls_ca_bundle=system"])
        .ok();
    let out = env.run(&["key", "check", &p]);
    assert!(
        out.stdout
            .contains("unreachable — could not connect to 127.0.0.1:"),
        "{out:?}"
    );
    assert!(
        out.stdout
            .contains("certificate authority this computer does not trust"),
        "{out:?}"
    );
    let r = json(&env.run(&["key", "check", &p, "--json"]).stdout);
    assert_eq!(r["key"]["status"], "valid", "the last answer stands: {r}");
    let why = r["unreachable"].as_str().unwrap_or_default();
    assert!(
        why.contains("certificate authority this computer does not trust"),
        "{r}"
    );

    // Plain gRPC to the TLS port, and TLS to the plain port: a sentence each, no verdict.
    env.run(&["profile", "edit", &p, "--set", "tls_ca_bundle="])
        .ok();
    let out = env.run(&["key", "check", &p]);
    assert!(out.stdout.contains("unreachable — "), "{out:?}");
    let q = profile(&env, "d6", sb.dlubal_port(), &[&tls], &keys.good);
    let out = env.run(&["key", "check", &q]);
    assert!(out.stdout.contains("unreachable — "), "{out:?}");
    assert!(!out.stdout.contains("panicked") && !out.stderr.contains("panicked"));
}

#[test]
fn a_key_is_sent_only_when_someone_asks() {
    let (sb, keys) = sandbox();
    let env = Env::new();
    let p = profile(&env, "d7", sb.dlubal_port(), &[], &keys.good);
    env.run(&["key", "get", &p]).ok();
    env.run(&["key", "list", &p]).ok();
    env.run(&["status"]).ok();
    env.run(&["profile", "show", &p]).ok();
    env.run_sh(&p, "true").ok();
    // A replace stores the new key as an add does (Modelon's is checked first; Dlubal's is not).
    env.run_in(&["key", "replace", &p, "main"], &keys.good).ok();
    assert_eq!(
        sb.dlubal_requests(),
        0,
        "nothing above asks the application"
    );
    env.run(&["status", "--check"]).ok();
    assert_eq!(
        sb.dlubal_requests(),
        2,
        "status --check: get_application_info, then get_subscription_info"
    );
}

#[test]
fn plain_grpc_to_another_computer_is_warned_about() {
    let env = Env::new();
    let p = env.name("rfem");
    let out = env.run(&[
        "profile",
        "add",
        &p,
        "--service",
        "dlubal",
        "--set",
        "host=10.9.8.7",
    ]);
    out.ok();
    assert!(
        out.stderr
            .contains("checks its keys with RFEM at 10.9.8.7:9000 over plain gRPC"),
        "{out:?}"
    );
    assert!(out.stderr.contains("travels unencrypted"), "{out:?}");
    let st = env.status_json();
    let problems = profile_in(&st, &p)["problems"].to_string();
    assert!(problems.contains("over plain gRPC"), "{st}");
    // Settings that cannot work are refused with what to write instead.
    let bad = env.run(&["profile", "edit", &p, "--set", "port=99999"]);
    bad.fails();
    assert!(bad.stderr.contains("1 to 65535"), "{bad:?}");
    let bad = env.run(&["profile", "edit", &p, "--set", "product=rfem5"]);
    bad.fails();
    assert!(bad.stderr.contains("rfem, rstab, rsection"), "{bad:?}");
}
