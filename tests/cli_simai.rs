//! SimAI and generic OIDC sign-in through the built CLI against the sandbox's Keycloak-style
//! realm and SimAI API over loopback HTTP, with the real Secret Service.

use simcred_sandbox::{Fault, Sandbox, SandboxOptions, SimaiOptions};
use simcred_tests::jwt::azp_of;
use simcred_tests::{password_sign_in, poll, Env};
use std::process::{Child, Stdio};
use std::time::Duration;

const USER: &str = "demo@example.com";
const PASSWORD: &str = "demo-password";
const TOTP: &str = "482913";

fn sandbox(simai: SimaiOptions) -> Sandbox {
    Sandbox::start_with(
        SandboxOptions {
            port: 0,
            modelon_keys: vec![],
        },
        simai,
    )
    .expect("start sandbox")
}

fn fast() -> SimaiOptions {
    SimaiOptions {
        device_interval: 1,
        ..Default::default()
    }
}

fn simai_profile(env: &Env, sb: &Sandbox) -> String {
    env.simai_profile("sim", &sb.simai_api_url())
}

/// A login running in the background; its stderr goes to a file the test can read while it runs.
struct Login {
    child: Child,
    err: std::path::PathBuf,
}

fn spawn_login(env: &Env, args: &[&str]) -> Login {
    let err = env
        .home()
        .join(format!("login-{}.err", env.outputs.lock().unwrap().len()));
    let child = env
        .command()
        .args(args)
        .arg("--no-browser")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .expect("spawn login");
    Login { child, err }
}

impl Login {
    /// The user code the CLI printed.
    fn user_code(&self) -> String {
        poll("the user code on stderr", Duration::from_secs(10), || {
            let text = std::fs::read_to_string(&self.err).ok()?;
            let line = text.lines().find(|l| l.starts_with("Your code: "))?;
            Some(line["Your code: ".len()..].trim().to_string())
        })
    }

    fn finish(self, env: &Env) -> simcred_tests::Out {
        let o = self.child.wait_with_output().unwrap();
        let out = simcred_tests::Out {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into(),
            stderr: std::fs::read_to_string(&self.err).unwrap(),
        };
        env.outputs.lock().unwrap().push(out.clone());
        out
    }
}

fn state(env: &Env) -> String {
    let v: serde_json::Value =
        serde_json::from_str(&env.run(&["status", "--json"]).stdout).unwrap();
    v["profiles"][0]["state"].as_str().unwrap().to_string()
}

#[test]
fn device_login_approved_denied_and_expired() {
    let sb = sandbox(fast());
    let env = Env::new();
    let p = simai_profile(&env, &sb);
    assert_eq!(state(&env), "signed out");

    let login = spawn_login(&env, &["login", &p]);
    let code = login.user_code();
    assert!(sb.approve_simai_device(&code));
    let out = login.finish(&env);
    out.ok();
    assert!(
        out.stderr.contains("/auth/realms/simai/device?user_code="),
        "{out:?}"
    );
    assert!(out.stdout.contains("Signed in"), "{out:?}");
    assert_eq!(state(&env), "signed in");
    let tok = env.run(&["token", &p]);
    tok.ok();
    assert_eq!(tok.stdout.split('.').count(), 3, "a JWT: {tok:?}");

    // Denied in the browser: a sentence, nothing stored.
    let env2 = Env::new();
    let p2 = simai_profile(&env2, &sb);
    let login = spawn_login(&env2, &["offline-token", &p2]);
    assert!(sb.deny_simai_device(&login.user_code()));
    let out = login.finish(&env2);
    out.fails();
    assert!(
        out.stderr.contains("the sign-in was denied in the browser"),
        "{out:?}"
    );
    assert_eq!(state(&env2), "signed out");
    assert!(sb.simai_consents().is_empty());
}

#[test]
fn device_code_expiry_and_slow_down_forever() {
    let sb = sandbox(SimaiOptions {
        device_interval: 1,
        device_expires_in: 2,
        ..Default::default()
    });
    let env = Env::new();
    let p = simai_profile(&env, &sb);
    let login = spawn_login(&env, &["login", &p]);
    let out = login.finish(&env);
    out.fails();
    assert!(
        out.stderr
            .contains("the code expired before the sign-in was approved"),
        "{out:?}"
    );

    // A server that answers slow_down forever: the client never polls faster than the
    // interval, and adds 5 s each time.
    let sb = sandbox(SimaiOptions {
        device_interval: 1,
        device_expires_in: 8,
        ..Default::default()
    });
    sb.set_simai_slow_down_forever(true);
    let env = Env::new();
    let p = simai_profile(&env, &sb);
    let out = spawn_login(&env, &["login", &p]).finish(&env);
    out.fails();
    assert!(out.stderr.contains("expired"), "{out:?}");
    let polls = sb.simai_token_requests();
    assert!(
        !polls.is_empty() && polls.len() <= 2,
        "{} polls in 8 s",
        polls.len()
    );
    for w in polls.windows(2) {
        assert!(
            w[1] - w[0] >= Duration::from_secs(6),
            "polled after {:?}",
            w[1] - w[0]
        );
    }
}

#[test]
fn password_totp_offline_token_cache_consents_and_logout() {
    let sb = sandbox(SimaiOptions {
        totp: Some(TOTP.into()),
        ..fast()
    });
    let env = Env::new();
    let p = simai_profile(&env, &sb);
    let args = ["offline-token", &p, "--password", "--username", USER];
    let out = env.run_in(&args, &format!("{PASSWORD}\n000000\n"));
    out.fails();
    assert!(
        out.stderr
            .contains("password or one-time code (TOTP) is wrong"),
        "{out:?}"
    );
    let out = env.run_in(&args, &format!("{PASSWORD}\n"));
    assert!(out.stderr.contains("is wrong"), "missing TOTP: {out:?}");
    assert_eq!(state(&env), "signed out");
    env.run_in(&args, &format!("{PASSWORD}\n{TOTP}\n")).ok();
    assert!(
        state(&env).starts_with("offline token (created"),
        "{}",
        state(&env)
    );
    let show = env.run(&["profile", "show", &p, "--json"]).stdout;
    assert!(
        show.contains(USER),
        "the user name is kept for next time: {show}"
    );

    // The access token is cached in the keyring until shortly before it expires.
    let n = sb.simai_token_requests().len();
    let t1 = env.run(&["token", &p]).ok().stdout.clone();
    let t2 = env.run(&["token", &p]).ok().stdout.clone();
    assert_eq!(t1, t2);
    assert_eq!(sb.simai_token_requests().len(), n, "served from the cache");
    let t3 = env.run(&["token", &p, "--refresh"]).ok().stdout.clone();
    assert_ne!(t3, t1);
    assert_eq!(sb.simai_token_requests().len(), n + 1);
    // --json for tools that fetch a token themselves: the cached token, its type and expiry.
    let j: serde_json::Value =
        serde_json::from_str(&env.run(&["token", &p, "--json"]).ok().stdout).unwrap();
    assert_eq!(j["access_token"], t3.as_str());
    assert_eq!(j["token_type"], "Bearer");
    let exp = j["expires_at"].as_str().unwrap();
    assert!(exp.ends_with('Z') && exp.contains('T'), "RFC 3339: {exp}");

    // run hands the child a fresh access token and nothing else.
    let out = env.run_sh(&p, "printf %s \"$SIMAI_ACCESS_TOKEN\"");
    assert_eq!(out.stdout, t3);
    // The sandbox's tokens live minutes, not hours: run says when the child's token runs out.
    assert!(out.stderr.contains("expires in"), "{out:?}");

    // Consents: listed with Bearer + X-Org; revoking ours marks the local token revoked.
    let list: serde_json::Value =
        serde_json::from_str(&env.run(&["consents", "list", &p, "--json"]).ok().stdout).unwrap();
    assert_eq!(list[0]["client_id"], "com.ansys.simai.sdk");
    assert_eq!(list[0]["stored_here"], true);
    let out = env.run(&["consents", "revoke", &p, "com.ansys.simai.sdk", "--yes"]);
    out.ok();
    assert!(out.stdout.contains("now deleted"), "{out:?}");
    assert!(sb.simai_consents().is_empty());
    let st = env.run(&["status"]);
    assert_eq!(st.code, 1, "{st:?}");
    assert!(st.stdout.contains("offline token revoked"), "{st:?}");
    let out = env.run(&["token", &p]);
    out.fails();
    assert!(out.stderr.contains("offline-token"), "{out:?}");

    // Sign in again, then log out: revoked remotely, deleted locally.
    env.run_in(&args, &format!("{PASSWORD}\n{TOTP}\n")).ok();
    assert_eq!(sb.simai_consents().len(), 1);
    let out = env.run(&["consents", "revoke", &p, "no.such.client", "--yes"]);
    out.fails();
    assert!(
        out.stderr
            .contains("No offline token found for client no.such.client"),
        "{out:?}"
    );
    let out = env.run(&["logout", &p]);
    out.ok();
    assert!(
        out.stdout.contains("revoked at the identity provider"),
        "{out:?}"
    );
    assert_eq!(sb.simai_consents().iter().map(|c| c.1).sum::<usize>(), 0);
    assert_eq!(state(&env), "signed out");
}

#[test]
fn faults_give_sentences_and_keep_the_old_token() {
    let sb = sandbox(fast());
    let env = Env::new();
    let p = simai_profile(&env, &sb);
    let args = password_sign_in(&p, USER);
    let cases = [
        (Fault::ServerError, "answered 500"),
        (Fault::Html, "HTML page"),
        (Fault::Garbage, "not JSON"),
        (Fault::Reset, "closed the connection"),
        (Fault::Hang, "no answer from 127.0.0.1"),
        (
            Fault::Redirect,
            "redirected to https://evil.example.invalid",
        ),
    ];
    for (fault, expect) in cases {
        sb.set_fault(fault);
        let out = env.run_with(
            &args,
            Some(&format!("{PASSWORD}\n")),
            &[("SIMCRED_TIMEOUT", "1")],
        );
        out.fails();
        assert!(out.stderr.contains(expect), "{fault:?}: {out:?}");
        assert!(!out.stderr.contains("panicked"), "{out:?}");
        assert_eq!(state(&env), "signed out", "nothing stored after {fault:?}");
    }
    sb.set_fault(Fault::None);
    env.run_in(&args, &format!("{PASSWORD}\n")).ok();
    // A refresh that fails for transport reasons keeps the offline token.
    sb.set_fault(Fault::ServerError);
    let out = env.run(&["token", &p, "--refresh"]);
    out.fails();
    assert!(out.stderr.contains("500"), "{out:?}");
    sb.set_fault(Fault::None);
    env.run(&["token", &p, "--refresh"]).ok();
}

#[test]
fn generic_oidc_profile_uses_discovery() {
    let sb = sandbox(fast());
    let env = Env::new();
    let p = env.name("oidc");
    let e = env.run(&["profile", "add", &p, "--service", "oidc"]);
    assert!(e.stderr.contains("issuer"), "{e:?}");
    env.run(&[
        "profile",
        "add",
        &p,
        "--service",
        "oidc",
        "--issuer",
        &sb.simai_realm_url(),
        "--client-id",
        "com.ansys.simai.sdk",
        "--scope",
        "openid",
    ])
    .ok();
    let login = spawn_login(&env, &["offline-token", &p]);
    assert!(sb.approve_simai_device(&login.user_code()));
    login.finish(&env).ok();
    assert_eq!(sb.simai_consents().len(), 1);
    let out = env.run_sh(&p, "test -n \"$OIDC_ACCESS_TOKEN\"");
    out.ok();
    env.run(&["logout", &p]).ok();
    assert_eq!(sb.simai_consents().iter().map(|c| c.1).sum::<usize>(), 0);
}

#[test]
fn legacy_offline_token_imported_from_the_sdk_config_refreshes_with_client_sdk() {
    let sb = sandbox(fast());
    let env = Env::new();
    let p = env.name("legacy");
    let token = sb.mint_legacy_offline_token();
    let conf = env.xdg_config().join("ansys_simai.conf");
    std::fs::write(
        &conf,
        format!(
            "# my SDK config\n[\"{p}\"]\norganization = \"demo-org\"\nurl = \"{}\"\noffline_token = \"{token}\"\n",
            sb.simai_api_url()
        ),
    )
    .unwrap();
    let out = env.run(&["import", "--service", "simai", "--keep-plaintext", "--json"]);
    out.ok();
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v[0]["action"], "imported", "{out:?}");
    assert_eq!(v[0]["profile"], p.as_str());
    // The sandbox, like Keycloak, refuses to refresh an `azp: sdk` token with another client.
    let t = env.run(&["token", &p]);
    t.ok();
    assert_eq!(t.stdout.split('.').count(), 3);
    let list: serde_json::Value =
        serde_json::from_str(&env.run(&["consents", "list", &p, "--json"]).ok().stdout).unwrap();
    let sdk = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client_id"] == "sdk")
        .expect("the legacy consent is listed");
    assert_eq!(sdk["stored_here"], true);
    let out = env.run(&["import", "--service", "simai", "--remove-plaintext"]);
    out.ok();
    assert!(out.stdout.contains("already stored"), "{out:?}");
    let left = std::fs::read_to_string(&conf).unwrap();
    assert!(!left.contains("offline_token"), "{left}");
    assert!(left.contains("# my SDK config") && left.contains("organization = \"demo-org\""));
    env.run(&["token", &p, "--refresh"]).ok();
}

#[test]
fn offline_tokens_are_kept_per_client_and_revoking_one_consent_removes_only_its_token() {
    let sb = sandbox(fast());
    let env = Env::new();
    let p = simai_profile(&env, &sb);
    let login = |client: Option<&str>| {
        let mut args = password_sign_in(&p, USER).to_vec();
        if let Some(c) = client {
            args.extend(["--client", c]);
        }
        env.run_in(&args, &format!("{PASSWORD}\n"))
    };
    // The SDK's own client by default: the layout of before (`offline`, keyring `default`).
    login(None).ok();
    let show = env
        .run(&["profile", "show", &p, "--json"])
        .ok()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_str(&show).unwrap();
    let names: Vec<&str> = v["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"offline"), "{show}");
    // A second token, of the legacy client `sdk`, beside it: nothing of the first is lost.
    login(Some("sdk")).ok();
    let mut consents = sb.simai_consents();
    consents.sort();
    assert_eq!(
        consents,
        [
            ("com.ansys.simai.sdk".to_string(), 1),
            ("sdk".to_string(), 1)
        ]
    );
    let st = env.status_json();
    let clients: Vec<&str> = st["profiles"][0]["offline_tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["client_id"].as_str().unwrap())
        .collect();
    assert_eq!(clients, ["com.ansys.simai.sdk", "sdk"], "{st}");
    let text = env.run(&["status"]).ok().stdout.clone();
    assert!(
        text.contains("offline tokens of clients com.ansys.simai.sdk, sdk"),
        "{text}"
    );
    // Each token refreshes with its own client (the sandbox, like Keycloak, insists).
    env.run(&["token", &p, "--refresh"]).ok();
    let list: serde_json::Value =
        serde_json::from_str(&env.run(&["consents", "list", &p, "--json"]).ok().stdout).unwrap();
    for c in list.as_array().unwrap() {
        assert_eq!(c["stored_here"], true, "{list}");
    }
    // Only the clients there are.
    let out = login(Some("nope"));
    out.fails();
    assert!(
        out.stderr.contains("has no client \"nope\"")
            && out.stderr.contains("com.ansys.simai.sdk and sdk"),
        "{out:?}"
    );

    // Revoking the consent of `sdk` removes that token, and only that one.
    let out = env.run(&["consents", "revoke", &p, "sdk", "--yes"]);
    out.ok();
    assert!(
        out.stdout.contains("of client sdk") && out.stdout.contains("--client sdk"),
        "{out:?}"
    );
    assert_eq!(
        sb.simai_consents(),
        [("com.ansys.simai.sdk".to_string(), 1)]
    );
    let st = env.status_json();
    let tokens = st["profiles"][0]["offline_tokens"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(tokens[0]["client_id"], "com.ansys.simai.sdk");
    assert_eq!(tokens[0]["status"], "valid");
    assert_eq!(tokens[1]["client_id"], "sdk");
    assert_eq!(tokens[1]["status"], "revoked");
    let text = env.run(&["status"]).stdout;
    assert!(text.contains("sdk (revoked)"), "{text}");
    // The SDK's own token still works, refreshed with its own client.
    let t = env.run(&["token", &p, "--refresh"]);
    t.ok();
    assert_eq!(azp_of(t.stdout.trim()), "com.ansys.simai.sdk");
    let list: serde_json::Value =
        serde_json::from_str(&env.run(&["consents", "list", &p, "--json"]).ok().stdout).unwrap();
    assert_eq!(list[0]["client_id"], "com.ansys.simai.sdk");
    assert_eq!(list[0]["stored_here"], true);
    // A new one of `sdk`, then logout ends both.
    login(Some("sdk")).ok();
    env.run(&["logout", &p]).ok();
    assert_eq!(sb.simai_consents().iter().map(|c| c.1).sum::<usize>(), 0);
    assert_eq!(state(&env), "signed out");
    assert!(env.status_json()["profiles"][0]["offline_tokens"]
        .as_array()
        .unwrap()
        .is_empty());
}
