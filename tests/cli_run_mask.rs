//! `simcred run --mask` keeps the child's terminal behaviour: output passes as it comes (a
//! prompt without newline, a `\r` progress bar), a secret split over two writes is still
//! masked, stdin passes through, and when SimCred's own output is a terminal the child gets a
//! pseudo-terminal of its own (its size, size changes, raw mode restored afterwards).
#![cfg(unix)]

use simcred_tests::{secret, Env};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The child: says what it sees, asks for a name without a newline, draws a `\r` progress bar
/// and prints the key in two writes. Each step after the first waits for a line on stdin, so
/// the test decides when the next bytes come.
const CHILD: &str = r#"
import os, signal, sys, termios, time
def say(s):
    sys.stdout.write(s)
    sys.stdout.flush()
def gate():
    line = sys.stdin.readline()
    if not line:
        sys.exit(3)
    return line.strip()
say(f"tty: in={os.isatty(0)} out={os.isatty(1)} err={os.isatty(2)}\n")
if os.isatty(1):
    c, r = os.get_terminal_size(1)
    say(f"size: {c}x{r}\n")
    seen = []
    signal.signal(signal.SIGWINCH, lambda *_: seen.append(1))
    say("resize-me\n")
    end = time.monotonic() + 20
    while not seen and time.monotonic() < end:
        time.sleep(0.02)
    c, r = os.get_terminal_size(1)
    say(f"after winch: {c}x{r}\n" if seen else "no winch\n")
say("Name? ")
name = gate()
say(f"hello {name}\n")
for p in (10, 50, 100):
    say(f"\rprogress {p:3d}%")
    gate()
say("\n")
key = os.environ["MODELON_IMPACT_CLIENT_API_KEY"]
if os.isatty(0):
    # Like a password prompt: the line that lets the second half come is not echoed (an echo
    # between the halves would split the key on the screen too).
    a = termios.tcgetattr(0)
    a[3] &= ~termios.ECHO
    termios.tcsetattr(0, termios.TCSANOW, a)
half = len(key) // 2
say("key=" + key[:half])
gate()
say(key[half:] + " done\n")
sys.stderr.write("err " + key + "\n")
sys.stderr.flush()
"#;

/// A terminal for SimCred: runs ARGV on a fresh pseudo-terminal (100x40, its controlling
/// terminal) and relays the test's stdin and stdout to it. Notes on stderr: the terminal's
/// modes when the prompt shows and after SimCred ended; on "resize-me" it resizes to 120x50;
/// with RELAY_TERM_ON=TEXT it sends SimCred a SIGTERM when TEXT shows.
const RELAY: &str = r#"
import fcntl, os, select, signal, struct, sys, termios
argv = sys.argv[1:]
m, s = os.openpty()
fcntl.ioctl(s, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
pid = os.fork()
if pid == 0:
    os.close(m)
    os.setsid()
    fcntl.ioctl(s, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(s, fd)
    os.close(s)
    os.execvp(argv[0], argv)
def note(t):
    sys.stderr.write(t + "\n")
    sys.stderr.flush()
def modes(tag):
    a = termios.tcgetattr(s)
    note(f"{tag}: icanon={int(bool(a[3] & termios.ICANON))} echo={int(bool(a[3] & termios.ECHO))}")
term_on = os.environ.get("RELAY_TERM_ON", "").encode()
seen = b""
checked = resized = termed = False
status = None
stdin_open = True
while True:
    fds = [m] + ([0] if stdin_open else [])
    r, _, _ = select.select(fds, [], [], 0.05)
    if m in r:
        data = os.read(m, 65536)
        os.write(1, data)
        seen += data
        if not checked and b"Name? " in seen:
            modes("during")
            checked = True
        if not resized and b"resize-me" in seen:
            fcntl.ioctl(m, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 120, 0, 0))
            resized = True
        if term_on and not termed and term_on in seen:
            os.kill(pid, signal.SIGTERM)
            termed = True
    if 0 in r:
        data = os.read(0, 65536)
        if data:
            os.write(m, data)
        else:
            stdin_open = False
    if status is None:
        p, st = os.waitpid(pid, os.WNOHANG)
        if p:
            status = st
    if status is not None and m not in r:
        break
modes("after")
sys.exit(os.waitstatus_to_exitcode(status))
"#;

/// What a process printed so far on one stream, read as it comes.
#[derive(Clone)]
struct Stream(Arc<Mutex<Vec<u8>>>);

impl Stream {
    fn start(mut from: impl Read + Send + 'static) -> Stream {
        let s = Stream(Arc::new(Mutex::new(Vec::new())));
        let buf = s.0.clone();
        std::thread::spawn(move || {
            let mut b = [0u8; 4096];
            while let Ok(n) = from.read(&mut b) {
                if n == 0 {
                    break;
                }
                buf.lock().unwrap().extend_from_slice(&b[..n]);
            }
        });
        s
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// Waits until `needle` has been printed (or fails after 20 s, showing what came).
    fn wait_for(&self, needle: &str) {
        let end = Instant::now() + Duration::from_secs(20);
        loop {
            let text = self.text();
            if text.contains(needle) {
                return;
            }
            assert!(
                Instant::now() < end,
                "{needle:?} did not come as it was printed; the output so far: {text:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn write_script(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// A Modelon profile with a fresh key, and the child script.
fn setup(env: &Env) -> (String, String, PathBuf) {
    let k = secret("mk-");
    let p = env.modelon_profile("impact", "https://impact.example.com/", &k);
    let child = write_script(env.home(), "child.py", CHILD);
    (p, k, child)
}

fn send(stdin: &mut ChildStdin, line: &str) {
    stdin.write_all(line.as_bytes()).unwrap();
    stdin.flush().unwrap();
}

/// Drives the child from the name prompt to its end, checking that every piece arrives before
/// the child is given its next line; returns the exit code.
fn drive(mut child: Child, out: &Stream, key: &str) -> i32 {
    let mut stdin = child.stdin.take().unwrap();
    out.wait_for("Name? ");
    assert!(!out.text().contains("hello"));
    send(&mut stdin, "alice\n");
    out.wait_for("hello alice");
    for p in ["10", "50", "100"] {
        out.wait_for(&format!("\rprogress {p:>3}%"));
        send(&mut stdin, "\n");
    }
    // The first half of the key is held back (it could still become the key); what comes
    // before it is not.
    out.wait_for("key=");
    let half = key.len() / 2;
    assert!(!out.text().contains(&key[..half]), "{:?}", out.text());
    send(&mut stdin, "\n");
    out.wait_for("key=*** done");
    let status = child.wait().unwrap();
    status.code().unwrap_or(-1)
}

fn assert_no_key(text: &str, key: &str) {
    let half = key.len() / 2;
    assert!(!text.contains(&key[..half]), "first half shown: {text:?}");
    assert!(!text.contains(&key[half..]), "second half shown: {text:?}");
}

#[test]
fn through_pipes_output_comes_as_it_is_written_and_split_keys_are_masked() {
    let env = Env::new();
    let (p, key, script) = setup(&env);
    let mut cmd = env.command();
    cmd.args(["run", &p, "--mask", "--", "python3", "-u"])
        .arg(&script);
    let (child, out, err) = spawn_streams(cmd);
    out.wait_for("tty: in=False out=False err=False\n");
    let code = drive(child, &out, &key);
    assert_eq!(code, 0, "{:?} {:?}", out.text(), err.text());
    err.wait_for("err ***\n");
    // stdout and stderr stay apart.
    assert!(!out.text().contains("err "), "{:?}", out.text());
    assert_no_key(&out.text(), &key);
    assert_no_key(&err.text(), &key);
}

/// Starts `cmd` with every stream piped, its stdout and stderr read as they come.
fn spawn_streams(mut cmd: std::process::Command) -> (Child, Stream, Stream) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = Stream::start(child.stdout.take().unwrap());
    let err = Stream::start(child.stderr.take().unwrap());
    (child, out, err)
}

/// Runs `simcred ARGS` on a pseudo-terminal of its own (through the relay).
fn on_a_terminal(env: &Env, args: &[&str], extra: &[(&str, &str)]) -> (Child, Stream, Stream) {
    let relay = write_script(env.home(), "relay.py", RELAY);
    // The relay runs simcred with the Env's variables (HOME, config dirs).
    let simcred = env.command();
    let mut cmd = std::process::Command::new("python3");
    cmd.arg(&relay).arg(simcred.get_program()).args(args);
    for (k, v) in simcred.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    for (k, v) in extra {
        cmd.env(k, v);
    }
    spawn_streams(cmd)
}

#[test]
fn on_a_terminal_the_child_gets_one_too_and_the_terminal_is_restored() {
    let env = Env::new();
    let (p, key, script) = setup(&env);
    let script = script.display().to_string();
    let (child, out, err) = on_a_terminal(
        &env,
        &["run", &p, "--mask", "--", "python3", "-u", &script],
        &[],
    );
    out.wait_for("tty: in=True out=True err=True");
    // The child's terminal has SimCred's size, and follows when it changes.
    out.wait_for("size: 100x40");
    out.wait_for("after winch: 120x50");
    let code = drive(child, &out, &key);
    let text = out.text();
    assert_eq!(code, 0, "{text:?} {:?}", err.text());
    // On a terminal stderr shares it, masked as well.
    out.wait_for("err ***");
    assert_no_key(&text, &key);
    assert_no_key(&out.text(), &key);
    // SimCred's terminal is raw while the child runs and as before afterwards.
    err.wait_for("during: icanon=0 echo=0");
    err.wait_for("after: icanon=1 echo=1");
}

#[test]
fn a_terminated_run_on_a_terminal_passes_the_signal_on_and_restores_the_terminal() {
    let env = Env::new();
    let (p, _key, script) = setup(&env);
    let script = script.display().to_string();
    let (mut child, out, err) = on_a_terminal(
        &env,
        &["run", &p, "--mask", "--", "python3", "-u", &script],
        &[("RELAY_TERM_ON", "Name? ")],
    );
    out.wait_for("Name? ");
    let status = child.wait().unwrap();
    // SIGTERM went on to the child, whose end (128 + 15) is SimCred's.
    assert_eq!(
        status.code(),
        Some(143),
        "{:?} {:?}",
        out.text(),
        err.text()
    );
    drop(child.stdin.take());
    err.wait_for("during: icanon=0 echo=0");
    err.wait_for("after: icanon=1 echo=1");
}
