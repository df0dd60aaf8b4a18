//! Smaller hardening edges of issue 8 that a user notices: `profiles.toml` is private, `status`
//! says when the keyring is locked (instead of "reachable"), `key copy` without a display says
//! why, and a closed pipe on stdout is not a panic.

use simcred_tests::{secret, simcred_bin, Env};
use std::process::{Command, Stdio};
use std::time::Duration;

#[cfg(unix)]
#[test]
fn profiles_toml_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    env.run(&["profile", "add", &env.name("d"), "--service", "dlubal"])
        .ok();
    let mode = std::fs::metadata(env.config_dir().join("profiles.toml"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "profiles.toml is {:o}", mode & 0o777);
}

#[test]
fn status_says_when_the_keyring_is_locked() {
    // A keyring of its own, in a session bus of its own, so locking it touches no other test.
    let home = tempfile::tempdir().unwrap();
    let script = format!(
        r#"eval "$(printf pw | gnome-keyring-daemon --unlock --components=secrets)" >/dev/null
# The daemon forks and claims the bus name a moment later; asked before that, the bus would
# start a second, locked keyring whose unlock prompt nobody answers (the test hung so).
i=0
until dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets | grep -q true; do
  i=$((i + 1)); [ "$i" -gt 200 ] && {{ echo "no keyring on the bus" >&2; exit 1; }}
  sleep 0.05
done
printf v | timeout 20 secret-tool store --label=probe service simcred-test username u
SIMCRED_CONFIG_DIR="$HOME/c" "{bin}" status --json > "$HOME/before.json"
secret-tool lock --collection=login >/dev/null 2>&1 || true
SIMCRED_CONFIG_DIR="$HOME/c" SIMCRED_KEYRING_TIMEOUT=5 "{bin}" status > "$HOME/after.txt"
echo done > "$HOME/finished""#,
        bin = simcred_bin().display()
    );
    let mut child = Command::new("dbus-run-session")
        .args(["--", "sh", "-c", &script])
        .env("HOME", home.path())
        // All of it below that HOME: a daemon given the caller's XDG data dir would open (and
        // fail to unlock) the caller's login keyring.
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("GNOME_KEYRING_CONTROL")
        .env_remove("XDG_DATA_HOME")
        .env_remove("XDG_CACHE_HOME")
        .env_remove("XDG_RUNTIME_DIR")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(home.path().join("session.err")).unwrap())
        .spawn()
        .expect("dbus-run-session (scripts/install-deps.sh installs it)");
    let finished = home.path().join("finished");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !finished.exists() {
        if std::time::Instant::now() > deadline || child.try_wait().ok().flatten().is_some() {
            let _ = child.kill();
            panic!(
                "the private keyring session did not finish: {}",
                std::fs::read_to_string(home.path().join("session.err")).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    let before = std::fs::read_to_string(home.path().join("before.json")).unwrap();
    assert!(
        before.contains("\"backend_state\": \"reachable\""),
        "{before}"
    );
    let after = std::fs::read_to_string(home.path().join("after.txt")).unwrap();
    assert!(after.contains("LOCKED"), "{after}");
    assert!(!after.contains("— reachable"), "{after}");
}

#[test]
fn key_copy_without_a_display_says_why() {
    let env = Env::new();
    let p = env.name("d");
    env.run(&["profile", "add", &p, "--service", "dlubal"]).ok();
    env.run_in(&["key", "add", &p, "k"], &secret("ak-")).ok();
    let mut c = env.command();
    let out = c
        .args(["key", "copy", &p, "k"])
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr.contains("DISPLAY is not set"), "{stderr}");
    assert!(!stderr.contains("helper exited"), "{stderr}");
}

#[test]
fn a_closed_stdout_is_not_a_panic() {
    let env = Env::new();
    for i in 0..30 {
        env.run(&[
            "profile",
            "add",
            &env.name(&format!("d{i}")),
            "--service",
            "dlubal",
        ])
        .ok();
    }
    let mut child = env
        .command()
        .args(["profile", "list"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader went away, like `| head -0`
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(out.status.code(), Some(101), "{stderr}");
}
