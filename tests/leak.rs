//! The leak test: after a full run of the CLI, no secret appears in any file it wrote (other
//! than the explicit exports), in any output (other than `key get`'s stdout), or in argv.

use simcred_sandbox::{Sandbox, SandboxOptions};
use simcred_tests::{files_under, secret, Env};

#[test]
fn secrets_appear_nowhere_they_should_not() {
    let good = secret("mk-leak-");
    let bad = secret("mk-wrong-");
    let dl1 = secret("ak-leak-");
    let dl2 = secret("ak-leak-");
    let sb = Sandbox::start(SandboxOptions {
        port: 0,
        modelon_keys: vec![good.clone()],
    })
    .unwrap();
    let env = Env::new();
    let m = env.name("m");
    let d = env.name("d");
    let impact_export = env.home().join("exports/api.key");
    let ini_export = env.home().join("exports/config.ini");
    // Every verb, including failing ones, so error texts are covered too.
    env.run(&[
        "profile",
        "add",
        &m,
        "--service",
        "modelon",
        "--url",
        &sb.modelon_url(),
    ])
    .ok();
    env.run(&["profile", "add", &d, "--service", "dlubal"]).ok();
    env.run_in(&["key", "add", &m], &good).ok();
    env.run_in(&["key", "add", &d, "one"], &dl1).ok();
    env.run_in(&["key", "add", &d, "two"], &dl2).ok();
    env.run_in(&["key", "add", &d, "one"], &dl2).fails();
    env.run(&["key", "list", &d]).ok();
    env.run(&["key", "list", &d, "--json"]).ok();
    env.run(&["profile", "show", &m, "--json"]).ok();
    env.run(&["profile", "list", "--json"]).ok();
    env.run(&["key", "check", &m]).ok();
    env.run(&["key", "check", &d, "two"]).ok();
    env.run_in(&["key", "replace", &m], &bad).fails();
    env.run(&["key", "default", &d, "two"]).ok();
    env.run(&["key", "rename", &d, "one", "first"]).ok();
    env.run(&["status"]).ok();
    env.run(&["status", "--json"]).ok();
    env.run(&["export", &m, "--path", impact_export.to_str().unwrap()])
        .ok();
    env.run(&["export", &d, "--path", ini_export.to_str().unwrap()])
        .ok();
    env.run(&["run", &m, "--", "true"]).ok();
    env.run(&["import", "--keep-plaintext"]).ok();
    env.run(&["key", "remove", &d, "first", "--yes"]).ok();
    let printed = env.all_output();
    // `key get` prints the secret on purpose; it is run after the scan of outputs.
    assert_eq!(env.run(&["key", "get", &m]).stdout, good);

    let secrets = [&good, &bad, &dl1, &dl2];
    for s in secrets {
        assert!(
            !printed.contains(s.as_str()),
            "a secret was printed:\n{printed}"
        );
    }
    let exports = [impact_export.clone(), ini_export.clone()];
    let mut scanned = 0;
    for f in files_under(env.home()) {
        if exports.contains(&f) {
            continue;
        }
        let bytes = std::fs::read(&f).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for s in secrets {
            assert!(
                !text.contains(s.as_str()),
                "secret found in {}",
                f.display()
            );
        }
        scanned += 1;
    }
    assert!(scanned >= 1, "profiles.toml at least was scanned");
    // The explicit exports do hold the keys, and only those.
    assert_eq!(std::fs::read_to_string(&impact_export).unwrap(), good);
    let ini = std::fs::read_to_string(&ini_export).unwrap();
    assert!(ini.contains(&dl2) && ini.contains(&dl1));
}

#[test]
fn secrets_never_in_argv() {
    // The only way to hand simcred a secret is stdin or the prompt: no flag takes one.
    let env = Env::new();
    for verb in [
        vec!["key", "add", "--help"],
        vec!["key", "replace", "--help"],
    ] {
        let help = env.run(&verb).ok().stdout.clone();
        assert!(help.contains("standard input"), "{help}");
        assert!(
            !help.contains("--value") && !help.contains("--secret"),
            "{help}"
        );
    }
}

#[test]
fn sign_in_secrets_appear_nowhere_they_should_not() {
    use simcred_sandbox::SimaiOptions;
    const PASSWORD: &str = "demo-password";
    const TOTP: &str = "739104";
    let sb = Sandbox::start_with(
        SandboxOptions {
            port: 0,
            modelon_keys: vec![],
        },
        SimaiOptions {
            totp: Some(TOTP.into()),
            device_interval: 1,
            ..Default::default()
        },
    )
    .unwrap();
    let env = Env::new();
    let p = env.simai_profile("sim", &sb.simai_api_url());
    let login = [
        "offline-token",
        &p,
        "--password",
        "--username",
        "demo@example.com",
    ];
    env.run_in(&login, &format!("{PASSWORD}\n000000\n")).fails();
    env.run_in(&login, &format!("{PASSWORD}\n{TOTP}\n")).ok();
    env.run(&["status"]).ok();
    env.run(&["status", "--json"]).ok();
    env.run(&["consents", "list", &p]).ok();
    env.run(&["consents", "list", &p, "--json"]).ok();
    env.run(&["run", &p, "--", "true"]).ok();
    env.run(&["export", &p]).ok();
    let sdk_export = env.home().join("exports/simai.conf");
    env.run(&[
        "export",
        &p,
        "--include-secret",
        "--path",
        sdk_export.to_str().unwrap(),
    ])
    .ok();
    env.run(&["profile", "show", &p, "--json"]).ok();
    let printed = env.all_output();
    // `token` prints the access token on purpose; collected after the scan of outputs.
    let access = [
        env.run(&["token", &p]).ok().stdout.clone(),
        env.run(&["token", &p, "--refresh"]).ok().stdout.clone(),
    ];
    let conf = std::fs::read_to_string(&sdk_export).unwrap();
    let offline = conf
        .lines()
        .find_map(|l| l.strip_prefix("offline_token = \""))
        .map(|l| l.trim_end_matches('"').to_string())
        .expect("the explicit export holds the offline token");
    let secrets: Vec<&str> = vec![PASSWORD, TOTP, &offline, &access[0], &access[1]];
    for s in &secrets {
        assert!(
            !printed.contains(s),
            "a sign-in secret was printed:\n{printed}"
        );
    }
    let mut scanned = 0;
    for f in files_under(env.home()) {
        if f == sdk_export {
            continue;
        }
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        for s in &secrets {
            assert!(!text.contains(s), "a sign-in secret is in {}", f.display());
        }
        scanned += 1;
    }
    assert!(
        scanned >= 2,
        "profiles.toml and the SDK config were scanned"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&sdk_export).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn echoing_servers_and_proxies_leak_nothing() {
    use simcred_tests::hostile::{Recorder, Reply, Server};
    let echoed = secret("mk-echoed-");
    let proxied = secret("mk-proxied-");
    let looped = secret("mk-looped-");
    let env = Env::new();

    // A server that answers every check by echoing the key it was sent, in each error shape.
    let s = Server::start();
    let m = env.modelon_profile("echo", &format!("{}/", s.url()), &echoed);
    for status in [401, 403, 500] {
        s.route_fn("GET", "/api/users/me", move |r| {
            let k = r.header("impact-api-key").unwrap_or("");
            Reply::json_value(
                status,
                &serde_json::json!({"error": {"message": format!("the key {k} is not valid")}}),
            )
        });
        env.run(&["key", "check", &m]);
        env.run(&["key", "check", &m, "--json"]);
        env.run(&["status"]);
        env.run(&["status", "--json"]);
        env.run(&["key", "list", &m, "--json"]);
        env.run(&["profile", "show", &m, "--json"]);
    }
    assert!(
        s.requests()
            .iter()
            .any(|r| r.header("impact-api-key") == Some(echoed.as_str())),
        "the echoing server was reached"
    );

    // A remote server behind HTTPS_PROXY: the proxy is asked to CONNECT and sees no key. A
    // loopback server with HTTPS_PROXY set: the proxy sees nothing at all.
    let proxy = Recorder::start();
    let r = env.add_profile(
        "remote",
        "modelon",
        &["--url", "https://impact.example.invalid/"],
    );
    env.run_in(&["key", "add", &r], &proxied).ok();
    let sb = Sandbox::start(SandboxOptions {
        port: 0,
        modelon_keys: vec![looped.clone()],
    })
    .unwrap();
    let l = env.modelon_profile("loop", &sb.modelon_url(), &looped);
    let url = proxy.url();
    let vars = [
        ("HTTPS_PROXY", url.as_str()),
        ("HTTP_PROXY", url.as_str()),
        ("NO_PROXY", ""),
        ("no_proxy", ""),
        ("SIMCRED_TIMEOUT", "5"),
    ];
    env.run_with(&["key", "check", &r], None, &vars);
    env.run_with(&["key", "check", &l], None, &vars);
    env.run_with(&["status"], None, &vars);
    env.run_with(&["run", &r, "--", "true"], None, &vars).ok();
    proxy.settle(std::time::Duration::from_secs(10));
    let seen = proxy.received_text();
    assert!(
        seen.contains("CONNECT impact.example.invalid:443"),
        "the proxy was used for the remote server: {seen:?}"
    );

    let printed = env.all_output();
    let secrets = [&echoed, &proxied, &looped];
    for s in secrets {
        assert!(
            !printed.contains(s.as_str()),
            "a secret was printed:\n{printed}"
        );
        assert!(!seen.contains(s.as_str()), "the proxy saw a secret: {seen}");
    }
    for f in files_under(env.home()) {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        for s in secrets {
            assert!(
                !text.contains(s.as_str()),
                "secret found in {}",
                f.display()
            );
        }
    }
}
