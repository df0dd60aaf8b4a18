//! `simcred status --check` asks every service now, over loopback HTTP to the sandbox with the
//! real Secret Service: a key or token the server no longer takes turns red, a server that is
//! down is reported beside the credential's last known state (not instead of it), and the
//! account the service names is shown.

use simcred_sandbox::{Fault, Sandbox, SandboxOptions, SimaiOptions};
use simcred_tests::{password_sign_in, secret, Env};

const USER: &str = "demo@example.com";
const PASSWORD: &str = "demo-password";

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

fn profile<'a>(st: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    st["profiles"]
        .as_array()
        .and_then(|a| a.iter().find(|p| p["name"] == name))
        .unwrap_or_else(|| panic!("{name} not in {st}"))
}

#[test]
fn modelon_valid_then_unreachable_then_invalid() {
    let key = secret("mk-");
    let sb = Sandbox::start(SandboxOptions {
        port: 0,
        modelon_keys: vec![key.clone()],
    })
    .expect("sandbox");
    let env = Env::new();
    let p = env.modelon_profile("impact", &sb.modelon_url(), &key);
    // A Dlubal profile whose application is not running: a closed port on this computer.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let d = env.name("rfem");
    env.run(&[
        "profile",
        "add",
        &d,
        "--service",
        "dlubal",
        "--set",
        &format!("port={closed}"),
    ])
    .ok();
    env.run_in(&["key", "add", &d, "project_1"], &secret("ak-"))
        .ok();

    // Stored only: nothing asked yet.
    let st = json(&env.run(&["status", "--json"]).stdout);
    assert!(profile(&st, &p)["checked"].is_null());

    let out = env.run(&["status", "--check"]);
    out.ok();
    assert!(
        out.stdout.contains("valid — demo-user, checked just now"),
        "{out:?}"
    );
    assert!(
        out.stdout.contains(&format!(
            "RFEM is not running on 127.0.0.1:{closed} (nothing accepts connections there)"
        )),
        "Dlubal's application is asked, and its absence named: {out:?}"
    );
    let st = json(&env.run(&["status", "--json"]).stdout);
    assert_eq!(profile(&st, &p)["account"], "demo-user");
    // No verdict on the key: it stays unverified, the failed attempt beside it.
    assert_eq!(profile(&st, &d)["condition"]["status"], "unverified");
    assert!(profile(&st, &d)["unreachable"].is_string(), "{st}");

    // Down: the key stays valid as last checked; the failed attempt is its own line.
    sb.set_fault(Fault::Reset);
    let out = env.run(&["status", "--check"]);
    assert_eq!(
        out.code, 0,
        "an unreachable server is no verdict on the key: {out:?}"
    );
    assert!(out.stdout.contains("valid — demo-user"), "{out:?}");
    assert!(
        out.stdout
            .contains("the service did not answer when last asked (just now)"),
        "the failed attempt's time in words, not an RFC 3339 stamp: {out:?}"
    );
    let st = json(&env.run(&["status", "--json"]).stdout);
    let mine = profile(&st, &p);
    assert_eq!(mine["condition"]["status"], "valid");
    assert!(mine["unreachable"].is_string(), "{mine}");
    let out = env.run(&["key", "check", &p]);
    assert!(
        out.stdout.contains("unreachable — ") && out.stdout.contains("the key stays valid"),
        "{out:?}"
    );

    // Back, and the key was regenerated meanwhile: now invalid, and status exits 1.
    sb.set_fault(Fault::None);
    sb.regenerate_modelon_key();
    let out = env.run(&["status", "--check"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains(&format!("! {p}")), "{out:?}");
    let st = json(&env.run(&["status", "--json"]).stdout);
    assert!(profile(&st, &p)["unreachable"].is_null());
}

#[test]
fn simai_account_and_a_server_that_forgot_the_session() {
    let simai = || SimaiOptions {
        device_interval: 1,
        ..Default::default()
    };
    let sb = Sandbox::start_with(
        SandboxOptions {
            port: 0,
            modelon_keys: vec![],
        },
        simai(),
    )
    .expect("sandbox");
    let port = sb.addr().port();
    let env = Env::new();
    let p = env.simai_profile("sim", &sb.simai_api_url());
    env.run_in(&password_sign_in(&p, USER), &format!("{PASSWORD}\n"))
        .ok();
    let out = env.run(&["status", "--check"]);
    out.ok();
    assert!(out.stdout.contains(USER), "the account is named: {out:?}");

    // The server restarts and forgets every token: status --check finds out and says so,
    // instead of showing the stored "offline token" in green.
    drop(sb);
    let _sb = Sandbox::start_with(
        SandboxOptions {
            port,
            modelon_keys: vec![],
        },
        simai(),
    )
    .expect("sandbox on the same port");
    let out = env.run(&["status", "--check"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains(&format!("! {p}")), "{out:?}");
    assert!(out.stdout.contains("offline token revoked"), "{out:?}");
}
