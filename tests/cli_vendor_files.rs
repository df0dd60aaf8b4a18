//! Export to and import from the vendors' own files (the Python clients' view of them is in
//! tests/interop): atomic 0600 writes, merging, refusing to clobber, malformed input left alone.

use simcred_tests::{import_into, secret, Env};
use std::fs;

#[cfg(unix)]
fn mode(p: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn dlubal_export_merges_and_import_round_trips() {
    let env = Env::new();
    let ini = env.xdg_config().join("Dlubal/api/config.ini");
    fs::create_dir_all(ini.parent().unwrap()).unwrap();
    fs::write(
        &ini,
        "[api_keys]\nforeign = ak-foreign-value\ndefault = ak-foreign-value\n\n[other]\nx = 1\n",
    )
    .unwrap();
    let p = env.name("rfem");
    env.run(&["profile", "add", &p, "--service", "dlubal"]).ok();
    let k1 = secret("ak-");
    let k2 = secret("ak-");
    env.run_in(&["key", "add", &p, "p1"], &k1).ok();
    env.run_in(&["key", "add", &p, "p2", "--default"], &k2).ok();
    env.run(&["export", &p]).ok();
    let text = fs::read_to_string(&ini).unwrap();
    assert_eq!(
        text,
        format!("[api_keys]\nforeign = ak-foreign-value\ndefault = {k2}\np1 = {k1}\np2 = {k2}\n\n[other]\nx = 1\n")
    );
    #[cfg(unix)]
    assert_eq!(mode(&ini), 0o600);

    // A different value under the same name is not clobbered without --force.
    fs::write(
        &ini,
        text.replace(&format!("p1 = {k1}"), "p1 = ak-changed-by-hand"),
    )
    .unwrap();
    let before = fs::read(&ini).unwrap();
    let e = env.run(&["export", &p]);
    e.fails();
    assert!(e.stderr.contains("different values for p1"), "{e:?}");
    assert_eq!(fs::read(&ini).unwrap(), before);
    env.run(&["export", &p, "--force"]).ok();

    // Import into a fresh user: all keys, the one copied to `default` is the default.
    let env2 = Env::new();
    let ini2 = env2.xdg_config().join("Dlubal/api/config.ini");
    fs::create_dir_all(ini2.parent().unwrap()).unwrap();
    fs::copy(&ini, &ini2).unwrap();
    let prof = env2.name("imp");
    let out = env2.run(&import_into("dlubal", &prof, "--keep-plaintext"));
    out.ok();
    assert!(out.stderr.contains("Plaintext copies remain in"), "{out:?}");
    assert_eq!(env2.run(&["key", "get", &prof]).stdout, k2);
    assert_eq!(
        env2.run(&["key", "get", &prof, "foreign"]).stdout,
        "ak-foreign-value"
    );
    // Again: nothing duplicated.
    let out = env2.run(&import_into("dlubal", &prof, "--remove-plaintext"));
    out.ok();
    assert!(out.stdout.contains("already stored"), "{out:?}");
    let left = fs::read_to_string(&ini2).unwrap();
    assert_eq!(left, "[api_keys]\n\n[other]\nx = 1\n");
    assert_eq!(env2.run(&["key", "get", &prof, "p1"]).stdout, k1);
}

#[test]
fn modelon_export_and_import() {
    let env = Env::new();
    let p = env.name("impact");
    env.run(&["profile", "add", &p, "--service", "modelon"])
        .ok();
    let k = secret("mk-");
    env.run_in(&["key", "add", &p], &k).ok();
    env.run(&["export", &p]).ok();
    let f = env.home().join(".impact/api.key");
    assert_eq!(fs::read_to_string(&f).unwrap(), k);
    #[cfg(unix)]
    assert_eq!(mode(&f), 0o600);
    let meta = env.run(&["key", "list", &p, "--json"]).stdout;
    assert!(meta.contains(".impact/api.key"), "{meta}");

    let env2 = Env::new();
    plant_api_key(&env2, &k);
    let prof = env2.name("m");
    let other = secret("mk-env-");
    let out = env2.run_with(
        &["import", "--profile", &prof, "--json"],
        None,
        &[
            ("MODELON_IMPACT_CLIENT_API_KEY", &other),
            ("MODELON_IMPACT_CLIENT_URL", "https://impact.example.com/"),
        ],
    );
    out.ok();
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    // The variable wins (as in the vendor's client); the file's different key is not forced in.
    assert_eq!(v[0]["action"], "imported");
    assert_eq!(v[0]["source"], "$MODELON_IMPACT_CLIENT_API_KEY");
    assert_eq!(v[1]["action"], "skipped");
    assert_eq!(env2.run(&["key", "get", &prof]).stdout, other);
    let show = env2.run(&["profile", "show", &prof, "--json"]).stdout;
    assert!(show.contains("https://impact.example.com/"), "{show}");
}

#[test]
fn malformed_vendor_file_is_reported_with_line_and_kept() {
    let env = Env::new();
    let ini = env.xdg_config().join("Dlubal/api/config.ini");
    fs::create_dir_all(ini.parent().unwrap()).unwrap();
    let bad = "[api_keys]\na = ak-1\nthis line has no delimiter\n";
    fs::write(&ini, bad).unwrap();
    let p = env.name("rfem");
    env.run(&["profile", "add", &p, "--service", "dlubal"]).ok();
    env.run_in(&["key", "add", &p, "x"], "ak-1234567890").ok();
    for args in [
        vec!["export", p.as_str()],
        vec!["import", "--service", "dlubal"],
    ] {
        let e = env.run(&args);
        e.fails();
        assert!(e.stderr.contains(&format!("{}:3:", ini.display())), "{e:?}");
    }
    assert_eq!(fs::read_to_string(&ini).unwrap(), bad);
}

#[test]
fn remove_plaintext_removes_every_copy_of_a_duplicated_value() {
    let env = Env::new();
    let ini = env.xdg_config().join("Dlubal/api/config.ini");
    fs::create_dir_all(ini.parent().unwrap()).unwrap();
    let v = secret("ak-same-");
    fs::write(
        &ini,
        format!("[api_keys]\none = {v}\ntwo = {v}\ndefault = {v}\n"),
    )
    .unwrap();
    let prof = env.name("dup");
    env.run(&import_into("dlubal", &prof, "--remove-plaintext"))
        .ok();
    assert_eq!(fs::read_to_string(&ini).unwrap(), "[api_keys]\n");
    assert_eq!(env.run(&["key", "get", &prof]).stdout, v);
}

/// Issue 23: after `import --remove-plaintext` empties an exported `config.ini` of its keys, the
/// profile no longer records that file as an export, so `audit` does not report the emptied file
/// as still holding "the exported key" (it did, in the same breath as "removed the plaintext").
#[test]
fn import_removing_plaintext_leaves_no_export_for_audit_to_report() {
    let env = Env::new();
    let ini = env.xdg_config().join("Dlubal/api/config.ini");
    let p = env.name("rfem");
    let k = secret("ak-");
    env.run(&["profile", "add", &p, "--service", "dlubal"]).ok();
    env.run_in(&["key", "add", &p, "first"], &k).ok();
    env.run(&["export", &p]).ok();
    env.run(&["profile", "remove", "--yes", &p]).ok();
    let out = env.run(&["import", "--service", "dlubal", "--remove-plaintext"]);
    out.ok();
    assert!(out.stdout.contains("imported: dlubal/first"), "{out:?}");
    assert!(!fs::read_to_string(&ini).unwrap().contains(&k));
    let audit = env.run(&["audit", "--json"]);
    assert_eq!(audit.stdout.trim(), "[]", "{audit:?}");
    assert_eq!(audit.code, 0, "{audit:?}");
    let list = env.run(&["key", "list", "dlubal", "--json"]);
    list.ok();
    assert!(!list.stdout.contains("config.ini"), "{list:?}");
}

/// Modelon's `~/.impact/api.key` holding `key`, as the vendor's client writes it.
fn plant_api_key(env: &Env, key: &str) {
    fs::create_dir_all(env.home().join(".impact")).unwrap();
    fs::write(env.home().join(".impact/api.key"), format!("{key}\n")).unwrap();
}

/// `import --service modelon --profile PROFILE [EXTRA…] --keep-plaintext --json`, its rows.
fn import_modelon(env: &Env, profile: &str, extra: &[&str]) -> serde_json::Value {
    let args = [
        &["import", "--service", "modelon", "--profile", profile][..],
        extra,
        &["--keep-plaintext", "--json"],
    ]
    .concat();
    let out = env.run(&args);
    out.ok();
    serde_json::from_str(&out.stdout).unwrap()
}

/// Issue 23: import gave a Modelon key from `~/.impact/api.key` the cloud's URL whatever server
/// it belonged to (and a check would then have sent it there). The file does not say its server,
/// so import asks: skipped with a note until the server or an existing profile is named.
#[test]
fn a_modelon_key_whose_file_does_not_say_its_server_is_never_bound_to_a_guessed_one() {
    let env = Env::new();
    let k = secret("mk-");
    plant_api_key(&env, &k);
    let p = env.name("acme");

    let v = import_modelon(&env, &p, &[]);
    assert_eq!(v[0]["action"], "skipped", "{v}");
    let note = v[0]["note"].as_str().unwrap();
    assert!(
        note.contains("does not say which Modelon Impact server") && note.contains("--set url=URL"),
        "{note}"
    );
    assert!(!note.contains(&k));
    assert!(
        env.run(&["profile", "list", "--json"]).stdout.trim() == "[]",
        "no profile was made"
    );

    // Named: the new profile is bound to that server.
    let v = import_modelon(&env, &p, &["--set", "url=https://impact.acme.example/"]);
    assert_eq!(v[0]["action"], "imported", "{v}");
    let show = env.run(&["profile", "show", &p, "--json"]).stdout;
    assert!(
        show.contains("https://impact.acme.example/") && !show.contains("impact.modelon.cloud"),
        "{show}"
    );
    assert_eq!(env.run(&["key", "get", &p]).stdout, k);

    // Into an existing profile: it joins, with that profile's server; no URL needed.
    let env2 = Env::new();
    plant_api_key(&env2, &k);
    let mine = env2.name("mine");
    env2.run(&[
        "profile",
        "add",
        &mine,
        "--service",
        "modelon",
        "--url",
        "https://impact.mine.example/",
    ])
    .ok();
    let v = import_modelon(&env2, &mine, &[]);
    assert_eq!(
        (v[0]["action"].as_str(), v[0]["profile"].as_str()),
        (Some("imported"), Some(mine.as_str())),
        "{v}"
    );
    assert_eq!(env2.run(&["key", "get", &mine]).stdout, k);
}

/// Issue 23: import said where keys went only after putting them there. `--dry-run` says, per
/// key, the profile it joins or makes and the server, and writes nothing — no profile, no
/// secret, no export record; `--profile SERVICE=NAME` names the profile of each service, and
/// the real run then does what the dry run said.
#[test]
fn import_dry_run_says_what_it_would_join_or_make_and_writes_nothing() {
    let env = Env::new();
    let mk = secret("mk-");
    plant_api_key(&env, &mk);
    let ini = env.xdg_config().join("Dlubal/api/config.ini");
    fs::create_dir_all(ini.parent().unwrap()).unwrap();
    let dk = secret("ak-");
    fs::write(&ini, format!("[api_keys]\np1 = {dk}\ndefault = {dk}\n")).unwrap();
    let mine = env.name("impact");
    env.run(&[
        "profile",
        "add",
        &mine,
        "--service",
        "modelon",
        "--url",
        "https://impact.mine.example/",
    ])
    .ok();
    let rfem = env.name("rfem");
    let toml = env.config_dir().join("profiles.toml");
    let before = fs::read(&toml).unwrap();
    let (modelon_to, dlubal_to) = (format!("modelon={mine}"), format!("dlubal={rfem}"));
    let plan_args = [
        "import",
        "--profile",
        &modelon_to,
        "--profile",
        &dlubal_to,
        "--dry-run",
    ];

    let out = env.run(&plan_args);
    out.ok();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{out:?}");
    assert!(
        lines.iter().any(
            |l| l.starts_with(&format!("would import: {mine}/api-key from "))
                && l.ends_with("→ this computer's keyring (joins the existing profile)")
        ),
        "{out:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("would import: {rfem}/p1 from "))
                && l.ends_with("→ this computer's keyring (new profile)")),
        "{out:?}"
    );
    assert_eq!(
        fs::read(&toml).unwrap(),
        before,
        "a dry run writes no profile"
    );
    assert!(env
        .run(&["key", "get", &mine])
        .fails()
        .stderr
        .contains("no key"));
    assert_eq!(
        fs::read_to_string(env.home().join(".impact/api.key")).unwrap(),
        format!("{mk}\n")
    );
    assert!(!out.stdout.contains(&mk) && !out.stdout.contains(&dk));

    // --json says the same, marked as a plan; a new Modelon profile names its server.
    let v: serde_json::Value = serde_json::from_str(
        &env.run(&[
            "import",
            "--service",
            "modelon",
            "--profile",
            "modelon=brandnew",
            "--set",
            "url=https://impact.acme.example/",
            "--dry-run",
            "--json",
        ])
        .stdout,
    )
    .unwrap();
    assert_eq!(
        (
            &v[0]["action"],
            &v[0]["new_profile"],
            &v[0]["server"],
            &v[0]["planned"]
        ),
        (
            &serde_json::json!("imported"),
            &serde_json::json!(true),
            &serde_json::json!("https://impact.acme.example/"),
            &serde_json::json!(true)
        ),
        "{v}"
    );
    assert_eq!(fs::read(&toml).unwrap(), before);

    // A second, different key for that new single-key profile: the plan skips it, as the real
    // run would (not "would import" twice).
    let other = secret("mk-");
    let out = env.run_with(
        &[
            "import",
            "--service",
            "modelon",
            "--profile",
            "modelon=brandnew",
            "--set",
            "url=https://impact.acme.example/",
            "--dry-run",
        ],
        None,
        &[("MODELON_IMPACT_CLIENT_API_KEY", &other)],
    );
    out.ok();
    assert_eq!(
        out.stdout
            .lines()
            .map(|l| l.split(':').next().unwrap())
            .collect::<Vec<_>>(),
        ["would import", "would skip"],
        "{out:?}"
    );
    assert!(
        out.stdout.contains("already has a different key"),
        "{out:?}"
    );
    assert!(!out.stdout.contains(&other));

    // The real run does what the plan said.
    let real: Vec<&str> = plan_args[..5].to_vec();
    let out = env.run(&[&real[..], &["--keep-plaintext"]].concat());
    out.ok();
    assert!(
        out.stdout.contains(&format!("imported: {rfem}/p1 from "))
            && out.stdout.contains("(new profile)"),
        "{out:?}"
    );
    assert_eq!(env.run(&["key", "get", &mine]).stdout, mk);
    assert_eq!(env.run(&["key", "get", &rfem, "p1"]).stdout, dk);

    // A service named twice, or one without vendor files, is refused before anything is read.
    let e = env.run(&["import", "--profile", "modelon=a", "--profile", "modelon=b"]);
    e.fails();
    assert!(e.stderr.contains("modelon is named twice"), "{e:?}");
    let e = env.run(&["import", "--profile", "nosuch=a", "--dry-run"]);
    e.fails();
    assert!(
        e.stderr.contains("is not a service with vendor files"),
        "{e:?}"
    );
}
