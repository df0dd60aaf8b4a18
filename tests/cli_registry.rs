//! The registry drives the CLI: the made-up vendor of `crates/core/src/providers/example.rs`
//! (one file plus one line in `providers::ALL`, built with the `example-vendor` feature that
//! `scripts/test.sh` turns on) is listed, stores keys, and reaches a child through `run`, with
//! no other edit anywhere.

use simcred_tests::{secret, Env};

#[test]
fn the_example_vendor_flows_through_every_verb() {
    let env = Env::new();
    let help = env.run(&["profile", "add", "--help"]);
    assert!(
        help.stdout.contains("example") && help.stdout.contains("Example Cloud"),
        "the CLI does not list the example vendor; build with --features simcred-core/example-vendor (scripts/test.sh does): {help:?}"
    );
    let p = env.add_profile(
        "ex",
        "example",
        &["--url", "https://api.example.invalid/v1/"],
    );
    let key = secret("ex-");
    let added = env.run_in(&["key", "add", &p, "ci"], &key);
    added.ok();
    assert!(added.stdout.contains("Stored key ci"), "{added:?}");
    // Named keys: a name is needed, like any vendor whose descriptor says so.
    let e = env.run_in(&["key", "add", &p], &secret("ex-"));
    e.fails();
    assert!(e.stderr.contains("need a name"), "{e:?}");
    let out = env.run_sh(&p, "printf '%s|%s' \"$EXAMPLE_API_KEY\" \"$EXAMPLE_URL\"");
    out.ok();
    assert_eq!(out.stdout, format!("{key}|https://api.example.invalid/v1/"));
    let st = env.run(&["status", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&st.stdout).unwrap();
    let mine = v["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == p.as_str())
        .unwrap();
    assert_eq!(mine["service"], "example");
    // It cannot check keys: they are "stored", neither good nor bad.
    assert_eq!(mine["condition"]["kind"], "stored");
    // Its own settings only: a setting of another vendor is refused with the known ones.
    let e = env.run(&["profile", "edit", &p, "--set", "organization=x"]);
    e.fails();
    assert!(e.stderr.contains("not a Example Cloud setting"), "{e:?}");
    assert!(e.stderr.contains("url, https_proxy"), "{e:?}");
}

#[test]
fn service_values_and_import_lists_come_from_the_registry() {
    let env = Env::new();
    let bad = env.run(&["profile", "add", "x", "--service", "aws"]);
    assert_eq!(bad.code, 2, "{bad:?}");
    for id in ["simai", "modelon", "dlubal", "oidc", "example"] {
        assert!(bad.stderr.contains(id), "{id} missing: {bad:?}");
    }
    // `import --service` offers only services with vendor files: the example vendor has none.
    let imp = env.run(&["import", "--service", "example"]);
    assert_eq!(imp.code, 2, "{imp:?}");
    let none = env.run(&["import"]);
    none.ok();
    assert!(
        none.stdout.contains("~/.impact/api.key") && none.stdout.contains("config.ini"),
        "{none:?}"
    );
    let run_help = env.run(&["run", "--help"]);
    assert!(run_help.stdout.contains("EXAMPLE_API_KEY"), "{run_help:?}");
}

#[test]
fn completions_and_man_page_come_from_the_same_definitions() {
    let env = Env::new();
    let bash = env.run(&["completions", "bash"]);
    bash.ok();
    assert!(bash.stdout.contains("_simcred()"), "{bash:?}");
    // The registry's service ids are the completion values of --service.
    assert!(bash.stdout.contains("example"), "{bash:?}");
    for shell in ["zsh", "fish", "powershell"] {
        let out = env.run(&["completions", shell]);
        out.ok();
        assert!(out.stdout.contains("profile"), "{shell}: {out:?}");
    }
    let man = env.run(&["man"]);
    man.ok();
    assert!(
        man.stdout.starts_with(".ie") || man.stdout.contains(".TH simcred 1"),
        "{man:?}"
    );
    assert!(
        man.stdout.contains("Example Cloud"),
        "the services come from the registry"
    );
}
