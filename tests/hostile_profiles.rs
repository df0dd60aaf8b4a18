//! Issue 8, files and the keyring: every valid TOML shape of profiles.toml (inline tables,
//! dotted keys) works or is refused with its line and left unchanged, malformed shapes are
//! refused without printing their control characters, and two config dirs sharing one keyring
//! never share (or delete) each other's secrets; secrets stored by the old version are
//! migrated, not copied.

use simcred_tests::hostile::{assert_no_panic, assert_terminal_safe};
use simcred_tests::{secret, Env, Out};
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

fn profiles_path(env: &Env) -> std::path::PathBuf {
    env.config_dir().join("profiles.toml")
}

fn write_profiles(env: &Env, text: &str) {
    std::fs::create_dir_all(env.config_dir()).unwrap();
    std::fs::write(profiles_path(env), text).unwrap();
}

fn read_profiles(env: &Env) -> Vec<u8> {
    std::fs::read(profiles_path(env)).unwrap()
}

/// The line a `profiles.toml:LINE:` message names, if it names one.
fn error_line(stderr: &str) -> Option<usize> {
    let i = stderr.find("profiles.toml:")? + "profiles.toml:".len();
    let digits: String = stderr[i..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (!digits.is_empty() && stderr[i + digits.len()..].starts_with(':'))
        .then(|| digits.parse().ok())
        .flatten()
}

/// Runs a command on a hand-written file: it works, or fails naming `profiles.toml:LINE:` and
/// leaves the file as it was. Never a panic.
fn works_or_refuses(env: &Env, args: &[&str], stdin: Option<&str>) -> Out {
    let before = read_profiles(env);
    let out = env.run_with(args, stdin, &[]);
    let what = args.join(" ");
    assert_no_panic(&what, &out);
    if out.code != 0 {
        assert!(
            error_line(&out.stderr).is_some(),
            "`{what}` failed without naming profiles.toml:LINE: {out:#?}"
        );
        assert_eq!(
            read_profiles(env),
            before,
            "`{what}` failed but changed the file"
        );
    }
    out
}

/// The key verbs on profile `p` of a hand-written file.
fn exercise_keys(env: &Env, p: &str) {
    works_or_refuses(env, &["profile", "list"], None);
    works_or_refuses(env, &["profile", "list", "--json"], None);
    works_or_refuses(env, &["status"], None);
    let value = secret("ak-shape-");
    let add = works_or_refuses(env, &["key", "add", p, "two"], Some(&value));
    if add.code == 0 {
        assert_eq!(env.run(&["key", "get", p, "two"]).ok().stdout, value);
        works_or_refuses(env, &["key", "default", p, "two"], None);
        let rn = works_or_refuses(env, &["key", "rename", p, "two", "three"], None);
        let now = if rn.code == 0 { "three" } else { "two" };
        assert_eq!(env.run(&["key", "get", p, now]).ok().stdout, value);
        works_or_refuses(env, &["key", "list", p], None);
        works_or_refuses(env, &["key", "remove", p, now, "--yes"], None);
    }
    works_or_refuses(env, &["status"], None);
    works_or_refuses(
        env,
        &["profile", "edit", p, "--set", "description=by hand"],
        None,
    );
    works_or_refuses(env, &["profile", "show", p], None);
    works_or_refuses(env, &["profile", "show", p, "--json"], None);
}

#[test]
fn inline_tables_and_dotted_keys_work_or_are_refused_with_their_line() {
    // Profiles as inline tables.
    let env = Env::new();
    let rfem = env.name("rfem");
    write_profiles(
        &env,
        &format!(
            "[profiles]\n{rfem} = {{ service = \"dlubal\", default_key = \"one\", keys = {{ one = {{ created = \"2026-01-01T00:00:00Z\", last4 = \"\", status = \"unverified\" }} }} }}\n"
        ),
    );
    let list = works_or_refuses(&env, &["profile", "list"], None);
    assert!(list.code != 0 || list.stdout.contains(&rfem), "{list:#?}");
    exercise_keys(&env, &rfem);

    // Dotted keys at the top level.
    let env = Env::new();
    let d = env.name("dotted");
    let m = env.name("dotted-m");
    write_profiles(
        &env,
        &format!(
            "# written by hand\nprofiles.{d}.service = \"dlubal\"\nprofiles.{m}.service = \"modelon\"\nprofiles.{m}.url = \"http://127.0.0.1:9/\"\n"
        ),
    );
    exercise_keys(&env, &d);
    works_or_refuses(&env, &["profile", "edit", &m, "--set", "timeout=3"], None);
    works_or_refuses(&env, &["profile", "show", &m], None);

    // A [profiles.x.keys] table whose keys are inline tables.
    let env = Env::new();
    let x = env.name("x");
    write_profiles(
        &env,
        &format!(
            "[profiles.{x}]\nservice = \"dlubal\"\ndefault_key = \"one\"\n\n[profiles.{x}.keys]\none = {{ created = \"2026-01-01T00:00:00Z\", last4 = \"\", status = \"unverified\" }}\n"
        ),
    );
    exercise_keys(&env, &x);
    works_or_refuses(&env, &["key", "default", &x, "one"], None);
    assert_terminal_safe("output", &env.all_output());
}

/// Every command on a malformed file fails naming `profiles.toml:LINE:`, prints no control
/// character, and leaves the file byte-identical.
fn assert_refused(what: &str, text: &str, line: usize) {
    let env = Env::new();
    write_profiles(&env, text);
    let runs: [(&[&str], Option<&str>); 7] = [
        (&["profile", "list"], None),
        (&["status"], None),
        (&["status", "--json"], None),
        (&["profile", "add", "new", "--service", "dlubal"], None),
        (&["key", "add", "d", "k"], Some("ak-not-stored-1234")),
        (&["key", "get", "d", "k"], None),
        (&["profile", "edit", "d", "--set", "description=x"], None),
    ];
    for (args, stdin) in runs {
        let out = env.run_with(args, stdin, &[]);
        let cmd = args.join(" ");
        assert_no_panic(&format!("{what}: {cmd}"), &out);
        out.fails();
        assert_eq!(
            error_line(&out.stderr),
            Some(line),
            "{what}: `{cmd}` should name profiles.toml:{line}: {out:#?}"
        );
        assert_eq!(
            read_profiles(&env),
            text.as_bytes(),
            "{what}: `{cmd}` changed the file"
        );
    }
    assert_terminal_safe(what, &env.all_output());
}

#[test]
fn malformed_shapes_are_refused_with_their_line_and_left_unchanged() {
    let cases: [(&str, &str, usize); 13] = [
        ("profiles is an array", "profiles = [1, 2]\n", 1),
        ("profiles is a string", "# x\nprofiles = \"rfem\"\n", 2),
        (
            "a profile is a string",
            "[profiles]\nok = { service = \"dlubal\" }\nfoo = \"bar\"\n",
            3,
        ),
        ("a slash in a name", "[profiles.\"a/b\"]\nservice = \"dlubal\"\n", 1),
        (
            "an escape in a name",
            "[profiles.\"x\\u001b[2J\\u001b]0;t\\u0007\"]\nservice = \"dlubal\"\n",
            1,
        ),
        (
            "a C1 CSI in a name",
            "[profiles.\"a\\u009b2Jb\"]\nservice = \"dlubal\"\n",
            1,
        ),
        (
            "keys is an array",
            "[profiles.d]\nservice = \"dlubal\"\nkeys = [1]\n",
            3,
        ),
        (
            "a key is a string",
            "[profiles.d]\nservice = \"dlubal\"\n\n[profiles.d.keys]\none = \"x\"\n",
            5,
        ),
        (
            "an escape in a key name",
            "[profiles.d]\nservice = \"dlubal\"\n\n[profiles.d.keys.\"k\\u001b]52;c;eA==\\u0007\"]\ncreated = \"x\"\n",
            4,
        ),
        (
            "keyring_id is a number",
            "keyring_id = 5\n[profiles.d]\nservice = \"dlubal\"\n",
            1,
        ),
        (
            "keyring_id is empty",
            "\nkeyring_id = \"\"\n[profiles.d]\nservice = \"dlubal\"\n",
            2,
        ),
        (
            "keyring_id holds an escape",
            "keyring_id = \"a\\u001b[2Jb\"\n[profiles.d]\nservice = \"dlubal\"\n",
            1,
        ),
        (
            "keyring_id is a table",
            "[keyring_id]\na = 1\n[profiles.d]\nservice = \"dlubal\"\n",
            1,
        ),
    ];
    for (what, text, line) in cases {
        assert_refused(what, text, line);
    }
    // A raw control character is not TOML: refused with its line, and not echoed either.
    let env = Env::new();
    let text =
        "[profiles.a]\nservice = \"dlubal\"\n[profiles.\"x\u{1b}[2J\"]\nservice = \"dlubal\"\n";
    write_profiles(&env, text);
    let out = env.run(&["profile", "list"]);
    assert_no_panic("raw ESC", &out);
    out.fails();
    assert_eq!(error_line(&out.stderr), Some(3), "{out:#?}");
    assert_terminal_safe("raw ESC", &env.all_output());
    assert_eq!(read_profiles(&env), text.as_bytes());
}

#[test]
fn a_bidi_override_in_a_profile_name_is_refused_and_not_printed() {
    assert_refused(
        "a bidi override in a name",
        "\n[profiles.\"a\\u202eb\"]\nservice = \"dlubal\"\n",
        2,
    );
    assert_refused(
        "a bidi isolate in a key name",
        "[profiles.d]\nservice = \"dlubal\"\n[profiles.d.keys.\"a\\u2066b\"]\ncreated = \"x\"\n",
        3,
    );
}

// ---------------------------------------------------------------------------------------------
// 8. Two config dirs do not share secrets; old entries are migrated.
// ---------------------------------------------------------------------------------------------

static N: AtomicUsize = AtomicUsize::new(0);

/// A profile name shared by two config dirs, unique to this test run.
fn shared_name(base: &str) -> String {
    format!(
        "{base}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

#[test]
fn two_config_dirs_do_not_share_secrets() {
    let name = shared_name("same");
    let a = Env::new();
    let b = Env::new();
    let (va, vb) = (secret("ak-dir-a-"), secret("ak-dir-b-"));
    for (env, v) in [(&a, &va), (&b, &vb)] {
        env.run(&["profile", "add", &name, "--service", "dlubal"])
            .ok();
        env.run_in(&["key", "add", &name, "k"], v).ok();
    }
    assert_eq!(a.run(&["key", "get", &name, "k"]).ok().stdout, va);
    assert_eq!(b.run(&["key", "get", &name, "k"]).ok().stdout, vb);
    // Removing the profile in one dir deletes its secrets, not the other's.
    b.run(&["profile", "remove", &name, "--yes"]).ok();
    assert_eq!(a.run(&["key", "get", &name, "k"]).ok().stdout, va);
    // Key removal too.
    b.run(&["profile", "add", &name, "--service", "dlubal"])
        .ok();
    b.run_in(&["key", "add", &name, "k"], &vb).ok();
    b.run(&["key", "remove", &name, "k", "--yes"]).ok();
    assert_eq!(a.run(&["key", "get", &name, "k"]).ok().stdout, va);
    a.run(&["profile", "remove", &name, "--yes"]).ok();
}

fn secret_tool(args: &[&str], stdin: Option<&str>) -> std::process::Output {
    let mut c = Command::new("secret-tool")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("secret-tool (scripts/install-deps.sh installs it)");
    {
        let mut si = c.stdin.take().unwrap();
        if let Some(s) = stdin {
            si.write_all(s.as_bytes()).unwrap();
        }
    }
    c.wait_with_output().unwrap()
}

#[test]
fn secrets_of_the_old_layout_are_migrated_not_copied() {
    let name = shared_name("legacy");
    let user = format!("{name}/api-key/k");
    let value = secret("ak-legacy-");
    let st = secret_tool(
        &[
            "store",
            "--label=legacy",
            "service",
            "simcred",
            "username",
            &user,
        ],
        Some(&value),
    );
    assert!(st.status.success(), "secret-tool store: {st:?}");
    let lookup = || secret_tool(&["lookup", "service", "simcred", "username", &user], None);
    assert_eq!(String::from_utf8_lossy(&lookup().stdout), value);

    // profiles.toml as the old version wrote it: no store id anywhere.
    let env = Env::new();
    write_profiles(
        &env,
        &format!(
            "# SimCred profiles. No secrets are kept here: they live in the OS keyring.\n\n[profiles.{name}]\nservice = \"dlubal\"\ndefault_key = \"k\"\n\n[profiles.{name}.keys.k]\ncreated = \"2026-01-01T00:00:00Z\"\nlast4 = \"{}\"\nstatus = \"unverified\"\n",
            &value[value.len() - 4..]
        ),
    );
    assert_eq!(env.run(&["key", "get", &name, "k"]).ok().stdout, value);
    let left = lookup();
    assert!(
        left.stdout.is_empty(),
        "the old entry is still there (copied, not migrated): {left:?}"
    );
    assert_eq!(env.run(&["key", "get", &name, "k"]).ok().stdout, value);
    assert_eq!(env.run(&["key", "get", &name]).ok().stdout, value);
    // Another config dir with the same profile name does not get it.
    let other = Env::new();
    other
        .run(&["profile", "add", &name, "--service", "dlubal"])
        .ok();
    other.run(&["key", "get", &name, "k"]).fails();
    env.run(&["profile", "remove", &name, "--yes"]).ok();
}
