//! The kernel keyring as a store for headless machines (`kind = "kernel"`): with no D-Bus
//! session at all, a profile in it works for every verb, its key is in the user's kernel
//! keyring and in no file, `status` says what survives and does not fail for the missing Secret
//! Service; a profile moves from the OS keyring to it and back with its key.

use simcred_tests::{files_under, secret, Env, Out};
use std::process::Command;

/// No session bus: what an SSH session on a compute node or a CI job has.
const HEADLESS: &[(&str, &str)] = &[("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")];

fn headless(env: &Env, args: &[&str], stdin: Option<&str>) -> Out {
    env.run_with(args, stdin, HEADLESS)
}

/// The user keyring's keys whose description holds `needle` (`keyctl`, Debian's keyutils).
fn kernel_keys(needle: &str) -> usize {
    let out = Command::new("keyctl")
        .args(["show", "@u"])
        .output()
        .expect("keyctl (Debian package keyutils)");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains(needle))
        .count()
}

fn files_holding(env: &Env, needle: &str) -> Vec<std::path::PathBuf> {
    files_under(env.home())
        .into_iter()
        .filter(|f| {
            std::fs::read(f)
                .map(|b| String::from_utf8_lossy(&b).contains(needle))
                .unwrap_or(false)
        })
        .collect()
}

#[test]
fn without_a_session_bus_a_kernel_store_profile_works_and_says_what_survives() {
    let env = Env::new();
    let added = headless(&env, &["store", "add", "k", "--kind", "kernel"], None);
    added.ok();
    assert!(added.stdout.contains("at reboot"), "{added:?}");
    let p = env.name("rfem");
    headless(
        &env,
        &["profile", "add", &p, "--service", "dlubal", "--store", "k"],
        None,
    )
    .ok();
    let key = secret("ak-");
    let add = headless(&env, &["key", "add", &p, "main"], Some(&key));
    assert!(
        !add.stderr.contains("keyctl system call"),
        "the kernel keyring is not available on this machine: {add:?}"
    );
    add.ok();
    assert_eq!(
        headless(&env, &["key", "get", &p], None).ok().stdout.trim(),
        key
    );
    // The child of `run` gets it; no file has it; the kernel has one key for it.
    let run = headless(&env, &["run", &p, "--", "env"], None);
    run.ok();
    assert!(run.stdout.contains(&key), "{run:?}");
    assert!(files_holding(&env, &key).is_empty());
    assert_eq!(kernel_keys(&format!("{p}/api-key/main")), 1);

    // Status: where it lives and what survives; the missing Secret Service is no failure here.
    let st = headless(&env, &["status"], None);
    st.ok();
    assert!(st.stdout.contains("[store k]"), "{st:?}");
    assert!(
        st.stdout
            .contains("gone when the last one ends and at reboot"),
        "{st:?}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&headless(&env, &["status", "--json"], None).stdout).unwrap();
    assert!(json["profiles"][0]["survives"]
        .as_str()
        .unwrap()
        .contains("reboot"));
    let login = headless(&env, &["store", "login", "k"], Some("x\n"));
    login.fails();
    assert!(login.stderr.contains("needs no login"), "{login:?}");

    // Deleting the key deletes it in the kernel.
    headless(&env, &["key", "remove", &p, "main", "--yes"], None).ok();
    assert_eq!(kernel_keys(&format!("{p}/api-key/main")), 0);
    // And removing the profile deletes its keys there, not in some other store.
    headless(&env, &["key", "add", &p, "again"], Some(&key)).ok();
    assert_eq!(kernel_keys(&p), 1);
    headless(&env, &["profile", "remove", &p, "--yes"], None).ok();
    assert_eq!(kernel_keys(&p), 0);
}

#[test]
fn a_profile_moves_from_the_os_keyring_to_the_kernel_and_back() {
    let env = Env::new();
    env.run(&["store", "add", "k", "--kind", "kernel"]).ok();
    let p = env.name("impact");
    env.run(&["profile", "add", &p, "--service", "dlubal"]).ok();
    let key = secret("ak-");
    env.run_in(&["key", "add", &p, "main"], &key).ok();

    env.run(&["profile", "move", &p, "--store", "k"]).ok();
    assert_eq!(kernel_keys(&format!("{p}/api-key/main")), 1);
    // Only the secrets moved: the profile is still in profiles.toml, now naming the store.
    let toml = std::fs::read_to_string(env.config_dir().join("profiles.toml")).unwrap();
    assert!(toml.contains(&format!("[profiles.{p}]")), "{toml}");
    assert!(toml.contains("store = \"k\""), "{toml}");
    assert!(!toml.contains(&key));
    assert_eq!(
        headless(&env, &["key", "get", &p], None).ok().stdout.trim(),
        key
    );
    let again = env.run(&["profile", "move", &p, "--store", "k"]);
    again.fails();
    assert!(again.stderr.contains("already in store \"k\""), "{again:?}");

    env.run(&["profile", "move", &p, "--local"]).ok();
    assert_eq!(kernel_keys(&format!("{p}/api-key/main")), 0);
    assert_eq!(env.run(&["key", "get", &p]).ok().stdout.trim(), key);
    let toml = std::fs::read_to_string(env.config_dir().join("profiles.toml")).unwrap();
    assert!(!toml.contains("store = \"k\""), "{toml}");
    env.run(&["profile", "remove", &p, "--yes"]).ok();
}
