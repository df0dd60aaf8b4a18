//! Named API keys and profiles through the built `simcred` binary and the real Secret Service.

use simcred_tests::{secret, Env};
use std::fs;

#[test]
fn dlubal_named_keys_full_cycle() {
    let env = Env::new();
    let p = env.name("rfem");
    env.run(&["profile", "add", &p, "--service", "dlubal"]).ok();
    let k1 = secret("ak-");
    let k2 = secret("ak-");
    // Whitespace and newlines pasted around the key are trimmed.
    env.run_in(&["key", "add", &p, "Project_1"], &format!("  {k1}\r\n\n"))
        .ok();
    env.run_in(&["key", "add", &p, "project_2"], &k2).ok();

    let list = env.run(&["key", "list", &p]);
    list.ok();
    assert!(list.stdout.contains("project_1 (default)"), "{list:?}");
    assert!(list.stdout.contains(&k2[k2.len() - 4..]));
    assert!(!list.stdout.contains(&k1) && !list.stdout.contains(&k2));

    // The default key when KEYNAME is omitted, alone on stdout.
    assert_eq!(env.run(&["key", "get", &p]).ok().stdout, k1);
    assert_eq!(env.run(&["key", "get", &p, "project_2"]).stdout, k2);

    env.run(&["key", "default", &p, "project_2"]).ok();
    assert_eq!(env.run(&["key", "get", &p]).stdout, k2);

    env.run(&["key", "rename", &p, "project_2", "second"]).ok();
    assert_eq!(env.run(&["key", "get", &p, "second"]).stdout, k2);
    assert_eq!(
        env.run(&["key", "get", &p]).stdout,
        k2,
        "default follows a rename"
    );

    let json: serde_json::Value =
        serde_json::from_str(&env.run(&["key", "list", &p, "--json"]).stdout).unwrap();
    let names: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["project_1", "second"]);
    assert_eq!(json[1]["default"], true);
    assert_eq!(json[0]["status"], "unverified");

    // Unknown key: the error lists the names that exist.
    let e = env.run(&["key", "get", &p, "nope"]);
    e.fails();
    assert!(e.stderr.contains("project_1, second"), "{e:?}");

    env.run(&["key", "remove", &p, "second", "--yes"]).ok();
    assert_eq!(
        env.run(&["key", "get", &p]).stdout,
        k1,
        "the remaining key becomes the default"
    );
    // The secret is gone from the keyring too: a new key under the old name starts fresh.
    env.run(&["key", "get", &p, "second"]).fails();
    env.run(&["profile", "remove", &p, "--yes"]).ok();
    let e = env.run(&["key", "get", &p]);
    assert!(e.stderr.contains("no profile named"), "{e:?}");
}

#[test]
fn bad_key_input_is_refused() {
    let env = Env::new();
    let p = env.name("d");
    env.run(&["profile", "add", &p, "--service", "dlubal"]).ok();
    let e = env.run_in(&["key", "add", &p, "k"], " \n\t\n");
    e.fails();
    assert!(e.stderr.contains("the key is empty"), "{e:?}");
    let e = env.run_in(&["key", "add", &p, "a/b"], "ak-123456789");
    assert!(e.stderr.contains("\"/\""), "{e:?}");
    let e = env.run_in(&["key", "add", &p, "default"], "ak-123456789");
    assert!(e.stderr.contains("reserved"), "{e:?}");
    let e = env.run_in(&["key", "add", &p], "ak-123456789");
    assert!(e.stderr.contains("need a name"), "{e:?}");
    let e = env.run_in(&["key", "add", &p, "pct"], "ak-12%34");
    assert!(e.stderr.contains("interpolation"), "{e:?}");
    env.run_in(&["key", "add", &p, "k1"], "ak-123456789").ok();
    let e = env.run_in(&["key", "add", &p, "K1"], "ak-999999999");
    assert!(e.stderr.contains("already has a key named \"k1\""), "{e:?}");
    // The refused value did not replace the stored one.
    assert_eq!(env.run(&["key", "get", &p, "k1"]).stdout, "ak-123456789");
}

#[test]
fn profile_verbs_and_comments_survive() {
    let env = Env::new();
    let p = env.name("sim");
    let e = env.run(&["profile", "add", &p, "--service", "simai"]);
    assert!(e.stderr.contains("organization"), "{e:?}");
    env.run(&[
        "profile",
        "add",
        &p,
        "--service",
        "simai",
        "--organization",
        "acme",
        "--set",
        "workspace=ws1",
    ])
    .ok();
    let file = env.config_dir().join("profiles.toml");
    let mut text = fs::read_to_string(&file).unwrap();
    text.push_str("# my own note\n");
    text = text.replace(
        "workspace = \"ws1\"",
        "workspace = \"ws1\" # keep me\nmine = [1, 2]",
    );
    fs::write(&file, &text).unwrap();
    env.run(&[
        "profile",
        "edit",
        &p,
        "--set",
        "project=pr",
        "--unset",
        "workspace",
    ])
    .ok();
    let after = fs::read_to_string(&file).unwrap();
    assert!(after.contains("# my own note"));
    assert!(after.contains("mine = [1, 2]"));
    assert!(after.contains("project = \"pr\""));
    assert!(!after.contains("workspace"));
    let e = env.run(&["profile", "edit", &p, "--set", "colour=red"]);
    assert!(
        e.stderr.contains("not a Ansys SimAI setting") || e.stderr.contains("colour"),
        "{e:?}"
    );
    let e = env.run(&["profile", "edit", &p, "--set", "url=http://example.com/"]);
    assert!(e.stderr.contains("refusing plain http"), "{e:?}");
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        after,
        "a refused edit writes nothing"
    );

    let show: serde_json::Value =
        serde_json::from_str(&env.run(&["profile", "show", &p, "--json"]).ok().stdout).unwrap();
    assert_eq!(show["settings"]["organization"], "acme");
    assert_eq!(show["service"], "simai");
    let list: serde_json::Value =
        serde_json::from_str(&env.run(&["profile", "list", "--json"]).stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let e = env.run(&["profile", "show", "nope"]);
    assert!(
        e.stderr.contains(&format!("the profiles are: {p}")),
        "{e:?}"
    );
    let e = env.run(&["profile", "add", &p, "--service", "dlubal"]);
    assert!(e.stderr.contains("already exists"), "{e:?}");
    env.run(&["profile", "remove", &p, "--yes"]).ok();
    assert!(env
        .run(&["profile", "list"])
        .stdout
        .contains("No profiles yet"));
}

#[test]
fn malformed_profiles_file_is_reported_and_left_alone() {
    let env = Env::new();
    fs::create_dir_all(env.config_dir()).unwrap();
    let file = env.config_dir().join("profiles.toml");
    let text = "# notes\n[profiles.a]\nservice = \"dlubal\"\n\n[profiles.b]\nservice = dlubal\n";
    fs::write(&file, text).unwrap();
    for args in [
        vec!["profile", "list"],
        vec!["status"],
        vec!["profile", "add", "c", "--service", "dlubal"],
    ] {
        let e = env.run(&args);
        e.fails();
        assert!(
            e.stderr.contains(&format!("{}:6:", file.display())),
            "{args:?}: {e:?}"
        );
    }
    let e = env.run_in(&["key", "add", "a", "k"], "ak-1234567890");
    e.fails();
    assert_eq!(fs::read(&file).unwrap(), text.as_bytes());
}

#[test]
fn two_processes_adding_keys_at_once_lose_nothing() {
    let env = Env::new();
    let p = env.name("par");
    env.run(&["profile", "add", &p, "--service", "dlubal"]).ok();
    std::thread::scope(|s| {
        for t in 0..4 {
            let env = &env;
            let p = &p;
            s.spawn(move || {
                for i in 0..5 {
                    env.run_in(
                        &["key", "add", p, &format!("k{t}_{i}")],
                        &format!("ak-value-{t}-{i}-xyz"),
                    )
                    .ok();
                }
            });
        }
    });
    let json: serde_json::Value =
        serde_json::from_str(&env.run(&["key", "list", &p, "--json"]).stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 20);
    assert_eq!(
        env.run(&["key", "get", &p, "k3_4"]).stdout,
        "ak-value-3-4-xyz"
    );
}

#[test]
fn status_names_the_backend_and_flags_problems() {
    let env = Env::new();
    let out = env.run(&["status"]);
    out.ok();
    assert!(out.stdout.contains("Secret Service"), "{out:?}");
    let json: serde_json::Value =
        serde_json::from_str(&env.run(&["status", "--json"]).stdout).unwrap();
    assert!(json["backend"].as_str().unwrap().contains("Secret Service"));
    assert!(json["backend_error"].is_null());
}

#[test]
fn no_keyring_gives_a_sentence_not_a_hang() {
    let env = Env::new();
    let p = env.name("nk");
    env.run(&["profile", "add", &p, "--service", "dlubal"]).ok();
    let out = env.run_with(
        &["key", "add", &p, "k"],
        Some("ak-1234567890"),
        &[("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")],
    );
    out.fails();
    assert!(out.stderr.contains("no keyring is reachable"), "{out:?}");
    assert!(out.stderr.contains("gnome-keyring-daemon"), "{out:?}");
    // Nothing half-written: the profile has no key.
    assert!(env.run(&["key", "list", &p]).stdout.contains("No keys"));
    let st = env.run_with(
        &["status"],
        None,
        &[("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")],
    );
    assert_eq!(st.code, 1);
    assert!(st.stdout.contains("NOT reachable"), "{st:?}");
}
