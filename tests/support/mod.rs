//! Shared helpers for the integration suites: run the built `simcred` binary in a private
//! HOME/config dir and keep everything it printed, so the leak test can scan it.
//!
//! The suites expect the real Secret Service on the session bus (`scripts/test.sh` starts a
//! private `dbus-run-session` with an unlocked `gnome-keyring-daemon`).

pub mod hostile;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The `simcred` binary next to this test executable (`target/debug/simcred`).
pub fn simcred_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("test exe path");
    let dir = exe.parent().and_then(|d| d.parent()).expect("target dir");
    let bin = dir.join(format!("simcred{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is missing: build it first with `cargo build -p simcred-cli` (scripts/test.sh does)",
        bin.display()
    );
    bin
}

/// One run of the CLI.
#[derive(Debug, Clone)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    pub fn ok(&self) -> &Self {
        assert_eq!(self.code, 0, "expected success, got {self:#?}");
        self
    }
    pub fn fails(&self) -> &Self {
        assert_ne!(self.code, 0, "expected failure, got {self:#?}");
        self
    }
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A private user: temp HOME, XDG_CONFIG_HOME and SIMCRED_CONFIG_DIR.
pub struct Env {
    pub dir: tempfile::TempDir,
    /// A prefix unique to this Env, for profile names (the keyring is shared by all tests).
    pub tag: String,
    pub outputs: Mutex<Vec<Out>>,
    pub extra_env: Vec<(String, String)>,
}

impl Default for Env {
    fn default() -> Self {
        Self::new()
    }
}

impl Env {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join(".config")).unwrap();
        let tag = format!(
            "t{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        Env {
            dir,
            tag,
            outputs: Mutex::new(Vec::new()),
            extra_env: Vec::new(),
        }
    }

    /// A profile name unique to this Env.
    pub fn name(&self, base: &str) -> String {
        format!("{base}-{}", self.tag)
    }

    pub fn home(&self) -> &Path {
        self.dir.path()
    }

    pub fn config_dir(&self) -> PathBuf {
        self.dir.path().join("simcred")
    }

    pub fn xdg_config(&self) -> PathBuf {
        self.dir.path().join(".config")
    }

    pub fn command(&self) -> Command {
        let mut c = Command::new(simcred_bin());
        c.env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.xdg_config())
            .env("SIMCRED_CONFIG_DIR", self.config_dir())
            .env_remove("MODELON_IMPACT_CLIENT_API_KEY")
            .env_remove("MODELON_IMPACT_CLIENT_URL");
        for (k, v) in &self.extra_env {
            c.env(k, v);
        }
        c
    }

    /// Runs `simcred ARGS` with `stdin` piped in (empty when `None`).
    pub fn run_with(&self, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Out {
        let mut c = self.command();
        c.args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            c.env(k, v);
        }
        let mut child = c.spawn().expect("spawn simcred");
        {
            let mut si = child.stdin.take().unwrap();
            if let Some(s) = stdin {
                // A simcred that fails before reading its input (a malformed file) closes the
                // pipe early: that is its answer, not the test's failure.
                match si.write_all(s.as_bytes()) {
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                    r => r.unwrap(),
                }
            }
        }
        let o = child.wait_with_output().expect("wait simcred");
        let out = Out {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        };
        self.outputs.lock().unwrap().push(out.clone());
        out
    }

    /// Creates a Modelon Impact profile for `url` holding `key`; returns its (unique) name.
    pub fn modelon_profile(&self, base: &str, url: &str, key: &str) -> String {
        let p = self.name(base);
        self.run(&["profile", "add", &p, "--service", "modelon", "--url", url])
            .ok();
        self.run_in(&["key", "add", &p], key).ok();
        p
    }

    /// Creates a SimAI profile (organization `demo-org`, the sandbox's) for `api_url`; returns
    /// its (unique) name.
    pub fn simai_profile(&self, base: &str, api_url: &str) -> String {
        let p = self.name(base);
        self.run(&[
            "profile",
            "add",
            &p,
            "--service",
            "simai",
            "--organization",
            "demo-org",
            "--url",
            api_url,
        ])
        .ok();
        p
    }

    pub fn run(&self, args: &[&str]) -> Out {
        self.run_with(args, None, &[])
    }

    /// `store add NAME --kind openbao --addr ADDR --prefix PREFIX`, which must succeed.
    pub fn add_openbao_store(&self, name: &str, addr: &str, prefix: &str) {
        self.run(&[
            "store", "add", name, "--kind", "openbao", "--addr", addr, "--prefix", prefix,
        ])
        .ok();
    }

    pub fn run_in(&self, args: &[&str], stdin: &str) -> Out {
        self.run_with(args, Some(stdin), &[])
    }

    /// Every stdout and stderr line the CLI printed in this Env, except the stdout of the
    /// commands listed in `allowed` (e.g. `key get`, which prints the secret on purpose).
    pub fn all_output(&self) -> String {
        let mut s = String::new();
        for o in self.outputs.lock().unwrap().iter() {
            s.push_str(&o.stdout);
            s.push_str(&o.stderr);
        }
        s
    }
}

/// A random-looking secret unique to this call.
pub fn secret(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}{:x}{:04x}{}", t, n, "c0ffee42")
}

/// Polls `f` until it returns `Some`, or panics after `deadline`.
pub fn poll<T>(what: &str, deadline: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let end = Instant::now() + deadline;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Every file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        if let Ok(rd) = std::fs::read_dir(&d) {
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push(p);
                }
            }
        }
    }
    out
}

/// SIGKILLs process `pid` and waits (10 s at most) until it is gone or a zombie waiting for its
/// parent: a `kill` returns before the process has ended, and a run started meanwhile would
/// rightly find its command still running.
#[cfg(unix)]
pub fn kill_and_wait(pid: u32) {
    let _ = std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status();
    poll("the killed process to end", Duration::from_secs(10), || {
        let st = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // /proc/PID/stat: "PID (COMM) STATE …"; gone, or Z (a zombie).
        let state = st
            .rfind(')')
            .map(|i| st[i + 1..].trim_start().starts_with('Z'));
        (st.is_empty() || state == Some(true)).then_some(())
    });
}
