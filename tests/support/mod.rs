//! Shared helpers for the integration suite (`tests/main.rs`, one module per topic): run the
//! built `simcred` binary in a private HOME/config dir and keep everything it printed, so the
//! leak tests can scan it; find the files that hold a secret; start and kill runs; and, in the
//! submodules, the servers the topics talk to.
//!
//! The suite expects the real Secret Service on the session bus (`scripts/test.sh` starts a
//! private `dbus-run-session` with an unlocked `gnome-keyring-daemon`).

pub mod hostile;
pub mod jwt;
pub mod oidc;
pub mod openbao;
pub mod proxy;

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
    /// The exit code and the (lossily decoded) streams of a finished process.
    pub fn of(o: &std::process::Output) -> Out {
        Out {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

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

    /// Starts `simcred ARGS` with `env` added and every stream piped; the caller writes its
    /// stdin (or drops it) and waits.
    pub fn spawn_with(&self, args: &[&str], env: &[(&str, &str)]) -> std::process::Child {
        self.command()
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn simcred")
    }

    /// Starts `simcred ARGS` with `env` added and `stdin` written to it (then closed); every
    /// stream piped.
    pub fn spawn_in(
        &self,
        args: &[&str],
        stdin: &str,
        env: &[(&str, &str)],
    ) -> std::process::Child {
        let mut c = self.spawn_with(args, env);
        c.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
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
        let out = Out::of(&child.wait_with_output().expect("wait simcred"));
        self.outputs.lock().unwrap().push(out.clone());
        out
    }

    /// Runs `simcred ARGS` from directory `dir` (no stdin), as a user working in a project.
    pub fn run_at(&self, dir: &Path, args: &[&str]) -> Out {
        let out = Out::of(
            &self
                .command()
                .args(args)
                .current_dir(dir)
                .stdin(Stdio::null())
                .output()
                .expect("run simcred"),
        );
        self.outputs.lock().unwrap().push(out.clone());
        out
    }

    /// `profile add NAME --service SERVICE MORE…`, which must succeed, for a name unique to
    /// this Env made from `base`; returns the name.
    pub fn add_profile(&self, base: &str, service: &str, more: &[&str]) -> String {
        let p = self.name(base);
        let mut args = vec!["profile", "add", &p, "--service", service];
        args.extend_from_slice(more);
        self.run(&args).ok();
        p
    }

    /// Creates a Modelon Impact profile for `url` holding `key`; returns its (unique) name.
    pub fn modelon_profile(&self, base: &str, url: &str, key: &str) -> String {
        let p = self.add_profile(base, "modelon", &["--url", url]);
        self.run_in(&["key", "add", &p], key).ok();
        p
    }

    /// Creates a SimAI profile (organization `demo-org`, the sandbox's) for `api_url`; returns
    /// its (unique) name.
    pub fn simai_profile(&self, base: &str, api_url: &str) -> String {
        self.add_profile(
            base,
            "simai",
            &["--organization", "demo-org", "--url", api_url],
        )
    }

    /// Gives `run` a private runtime dir (`HOME/run`, 0700) for its hand-over, so the test can
    /// see what is left in it; returns it.
    pub fn use_runtime_dir(&mut self) -> PathBuf {
        let d = self.home().join("run");
        std::fs::create_dir_all(&d).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o700)).unwrap();
        }
        self.extra_env
            .push(("XDG_RUNTIME_DIR".into(), d.display().to_string()));
        d
    }

    /// A Dlubal profile holding `key` under the name `key_name`; returns its (unique) name.
    pub fn dlubal_profile(&self, base: &str, key_name: &str, key: &str) -> String {
        let p = self.name(base);
        self.run(&["profile", "add", &p, "--service", "dlubal"])
            .ok();
        self.run_in(&["key", "add", &p, key_name], key).ok();
        p
    }

    /// The offline token a profile holds, through an explicit export (the one way it is
    /// shown) to a file removed at once.
    pub fn offline_token(&self, p: &str) -> String {
        let path = self.home().join(format!("exports/{p}.conf"));
        self.run(&[
            "export",
            p,
            "--include-secret",
            "--path",
            path.to_str().unwrap(),
        ])
        .ok();
        let conf = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        conf.lines()
            .find_map(|l| l.strip_prefix("offline_token = \""))
            .map(|l| l.trim_end_matches('"').to_string())
            .expect("the export holds the offline token")
    }

    /// What `status --json` prints (whatever its exit code), which must be JSON.
    pub fn status_json(&self) -> serde_json::Value {
        json(&self.run(&["status", "--json"]).stdout)
    }

    /// `simcred run PROFILE -- sh -c SCRIPT`.
    pub fn run_sh(&self, profile: &str, script: &str) -> Out {
        self.run(&["run", profile, "--", "sh", "-c", script])
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

/// The arguments of `import --service SERVICE --profile PROFILE PLAINTEXT`, where PLAINTEXT
/// is `--remove-plaintext` or `--keep-plaintext`.
pub fn import_into<'a>(service: &'a str, profile: &'a str, plaintext: &'a str) -> [&'a str; 6] {
    [
        "import",
        "--service",
        service,
        "--profile",
        profile,
        plaintext,
    ]
}

/// The arguments of `offline-token PROFILE --password --username USER --no-totp`.
pub fn password_sign_in<'a>(profile: &'a str, user: &'a str) -> [&'a str; 6] {
    [
        "offline-token",
        profile,
        "--password",
        "--username",
        user,
        "--no-totp",
    ]
}

/// `s` as JSON, or a panic that shows it.
pub fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

/// The entry of profile `name` in a `status --json` answer `st`.
pub fn profile_in<'a>(st: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    st["profiles"]
        .as_array()
        .and_then(|a| a.iter().find(|p| p["name"] == name))
        .unwrap_or_else(|| panic!("{name} not in {st}"))
}

/// The `state` of profile `name` in a `status --json` answer `st`.
pub fn state_in(st: &serde_json::Value, name: &str) -> String {
    profile_in(st, name)["state"].as_str().unwrap().to_string()
}

/// Every file below `dir` whose bytes contain `needle`.
pub fn files_holding(dir: &Path, needle: &str) -> Vec<PathBuf> {
    files_under(dir)
        .into_iter()
        .filter(|f| {
            std::fs::read(f)
                .map(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
                .unwrap_or(false)
        })
        .collect()
}

/// A free TCP port on `ip`.
pub fn free_port(ip: std::net::IpAddr) -> u16 {
    std::net::TcpListener::bind((ip, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Writes `script` as an executable called each of `names` into `dir` (made if missing), and
/// returns the PATH that finds them first.
#[cfg(unix)]
pub fn commands_on_path(dir: &Path, names: &[&str], script: &str) -> String {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir).unwrap();
    for name in names {
        let f = dir.join(name);
        std::fs::write(&f, script).unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// The first child process of `pid` (from /proc), if it has one now.
#[cfg(unix)]
pub fn first_child(pid: u32) -> Option<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// SIGKILLs SimCred (`child`, a `simcred run` whose command is running) and then its orphaned
/// command, and waits until both are gone.
#[cfg(unix)]
pub fn kill_run_and_its_command(mut child: std::process::Child) {
    let grandchild = first_child(child.id());
    child.kill().unwrap();
    child.wait().unwrap();
    if let Some(g) = grandchild {
        kill_and_wait(g);
    }
}

/// Starts `simcred ARGS` (a `run` whose command prints "started" when it is ready) with
/// stdout piped, and waits for that line.
pub fn start_until_started(env: &Env, args: &[&str]) -> std::process::Child {
    use std::io::BufRead;
    let mut child = env
        .command()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line, "started\n");
    child
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
