//! `simcred key copy`: the key reaches the X clipboard and is cleared after the timeout, but
//! only if the clipboard still holds it. Needs an X display (scripts/test.sh starts Xvfb).

use simcred_tests::{poll, secret, Env};
use std::process::Command;
use std::time::Duration;

fn clipboard() -> Option<String> {
    let out = Command::new("xclip")
        .args(["-selection", "clipboard", "-o"])
        .output()
        .expect("xclip is installed by scripts/install-deps.sh");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn set_clipboard(text: &str) -> std::process::Child {
    use std::io::Write;
    let mut c = Command::new("xclip")
        .args(["-selection", "clipboard", "-i", "-quiet"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    c.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    // xclip -quiet stays in the foreground serving the selection until killed.
    c
}

#[test]
fn copy_then_clear_only_if_unchanged() {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "this test needs an X display; run it through scripts/test.sh"
    );
    let env = Env::new();
    let p = env.name("clip");
    env.run(&["profile", "add", &p, "--service", "dlubal"]).ok();
    let k = secret("ak-");
    env.run_in(&["key", "add", &p, "k"], &k).ok();

    let out = env.run(&["key", "copy", &p, "--clear-after", "2"]);
    out.ok();
    assert!(out.stderr.contains("cleared in 2 s"), "{out:?}");
    assert!(!out.stderr.contains(&k));
    assert_eq!(clipboard().as_deref(), Some(k.as_str()));
    // Cleared once the timeout passes.
    poll(
        "the clipboard to be cleared",
        Duration::from_secs(15),
        || match clipboard() {
            Some(t) if t == k => None,
            _ => Some(()),
        },
    );

    // Copied again, then the user copies something else: it is left alone.
    env.run(&["key", "copy", &p, "--clear-after", "2"]).ok();
    assert_eq!(clipboard().as_deref(), Some(k.as_str()));
    let mut xclip = set_clipboard("user text");
    poll(
        "the user's text on the clipboard",
        Duration::from_secs(5),
        || (clipboard().as_deref() == Some("user text")).then_some(()),
    );
    // Wait past the deadline by watching for the helper process to end.
    poll(
        "the clipboard helper to exit",
        Duration::from_secs(15),
        || {
            let ps = Command::new("pgrep")
                .args(["-f", "__serve-clipboard"])
                .output()
                .unwrap();
            (!ps.status.success()).then_some(())
        },
    );
    assert_eq!(clipboard().as_deref(), Some("user text"));
    let _ = xclip.kill();
    let _ = xclip.wait();
}
