//! The kernel keyring as a store for headless machines (`kind = "kernel"`): with no D-Bus
//! session at all, a profile in it works for every verb, its key is in the user's kernel
//! keyring and in no file, `status` says what survives and does not fail for the missing Secret
//! Service; a profile moves from the OS keyring to it and back with its key.

use simcred_tests::{files_holding, secret, Env, Out};
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
    assert!(files_holding(env.home(), &key).is_empty());
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

/// A user other than root, made up for one test: `keyctl` and `simcred` run as it, so its
/// user keyring (and quota) is its own and no other test's keys are touched. Its keys are
/// cleared on drop.
struct Throwaway {
    uid: u32,
}

impl Throwaway {
    /// `None` (with a note) when this process cannot run commands as another user.
    fn new() -> Option<Throwaway> {
        use std::os::unix::fs::MetadataExt;
        if std::fs::metadata("/proc/self").map(|m| m.uid()).ok() != Some(0) {
            eprintln!("NOTE: not root: the real-quota test needs a user of its own; the errno mapping is unit-tested in crates/secrets/src/kernel.rs");
            return None;
        }
        // Far above any real user, different for every test process.
        let uid = 3_000_000_000 + std::process::id();
        let t = Throwaway { uid };
        t.keyctl(&["clear", "@u"], "").then_some(t)
    }

    fn as_user(&self, mut c: Command) -> Command {
        use std::os::unix::process::CommandExt;
        c.uid(self.uid).gid(self.uid).env_remove("KEYCTL");
        c
    }

    /// `keyctl ARGS` as this user, `stdin` piped in; whether it succeeded.
    fn keyctl(&self, args: &[&str], stdin: &str) -> bool {
        use std::io::Write;
        let mut c = self.as_user(Command::new("keyctl"));
        let Ok(mut child) = c
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
        else {
            return false;
        };
        let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
        child.wait().map(|s| s.success()).unwrap_or(false)
    }

    /// Adds keys to this user's keyring until even a one-byte key no longer fits.
    fn fill_quota(&self) {
        let mut n = 0;
        for size in [4096, 512, 64, 8, 1] {
            let payload = "x".repeat(size);
            while self.keyctl(&["padd", "user", &format!("fill-{n}"), "@u"], &payload) {
                n += 1;
                assert!(
                    n < 1000,
                    "the user keyring took 1000 keys without filling up"
                );
            }
        }
    }

    /// `simcred ARGS` of `env` as this user, without a session bus.
    fn simcred(&self, env: &Env, args: &[&str], stdin: &str) -> Out {
        use std::io::Write;
        let mut c = self.as_user(env.command());
        let mut child = c
            .args(args)
            .envs(HEADLESS.iter().copied())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("simcred as the throwaway user");
        let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
        Out::of(&child.wait_with_output().unwrap())
    }
}

impl Drop for Throwaway {
    fn drop(&mut self) {
        self.keyctl(&["clear", "@u"], "");
    }
}

/// Issue 17 item 12: a user keyring whose quota is used up (a real one: a made-up user's, its
/// keys added with `keyctl` until not even one byte fits) is reported as full, with how to make
/// room, not as a kernel keyring that cannot be reached; once there is room, the key goes in.
#[test]
fn a_full_user_keyring_says_so_and_how_to_make_room() {
    let Some(user) = Throwaway::new() else { return };
    let env = Env::new();
    let p = env.name("rfem");
    // The throwaway user owns its HOME and config dir.
    assert!(Command::new("chown")
        .args(["-R", &format!("{0}:{0}", user.uid)])
        .arg(env.home())
        .status()
        .unwrap()
        .success());
    user.simcred(&env, &["store", "add", "k", "--kind", "kernel"], "")
        .ok();
    user.simcred(
        &env,
        &["profile", "add", &p, "--service", "dlubal", "--store", "k"],
        "",
    )
    .ok();
    user.fill_quota();
    let key = secret("ak-");
    let full = user.simcred(&env, &["key", "add", &p, "main"], &key);
    full.fails();
    for want in ["quota", "kernel.keys.maxbytes", "sysctl", "keyctl show @u"] {
        assert!(full.stderr.contains(want), "{want}: {full:?}");
    }
    assert!(!full.stderr.contains("keyctl system call"), "{full:?}");
    assert!(!full.stderr.contains(&key), "{full:?}");
    // Nothing was stored half-way: no key, no metadata.
    let listed = user.simcred(&env, &["key", "list", &p], "");
    assert!(!listed.stdout.contains("main"), "{listed:?}");
    // Room made, as the sentence says: the key goes in.
    assert!(user.keyctl(&["clear", "@u"], ""));
    // The kernel gives the quota back when its key collector has run, a moment after the clear:
    // until then the add is refused with the same sentence, and nothing is stored.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let added = user.simcred(&env, &["key", "add", &p, "main"], &key);
        if added.code == 0 {
            break;
        }
        assert!(added.stderr.contains("quota"), "{added:?}");
        assert!(
            std::time::Instant::now() < deadline,
            "the quota was not given back 20 s after `keyctl clear @u`: {added:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(
        user.simcred(&env, &["key", "get", &p], "")
            .ok()
            .stdout
            .trim(),
        key
    );
}
