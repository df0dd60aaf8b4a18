//! Vendor files and standard input that are not what they seem (issue 8): symlinks to devices,
//! FIFOs, `/dev/zero`, oversize files, symlinked plaintext, exported files the user deleted,
//! huge or multi-line keys on stdin, and malformed `config.ini` lines holding a key. Each test
//! drives the built binary with a deadline, so a hang fails instead of stalling the suite.

use simcred_tests::{import_into, poll, secret, Env, Out};
use std::fs;
use std::io::Write;
use std::os::unix::fs::{symlink, FileTypeExt};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

/// How long a command that must be refused may take (a hang on a FIFO would be forever).
const DEADLINE: Duration = Duration::from_secs(30);

/// Runs `simcred ARGS` with `stdin` fed from a thread (the CLI may stop reading early), and
/// fails the test if it has not finished within [`DEADLINE`].
fn run_deadline(env: &Env, args: &[&str], stdin: &[u8]) -> Out {
    let mut child = env
        .command()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn simcred");
    let mut si = child.stdin.take().expect("piped stdin");
    let input = stdin.to_vec();
    let feeder = std::thread::spawn(move || {
        // A refusal closes the pipe early: a broken pipe here is expected.
        let _ = si.write_all(&input);
    });
    let status = poll(
        &format!("simcred {args:?} to finish"),
        DEADLINE,
        || match child.try_wait() {
            Ok(Some(s)) => Some(s),
            Ok(None) => None,
            Err(e) => panic!("waiting for simcred: {e}"),
        },
    );
    let _ = feeder.join();
    let mut stdout = String::new();
    let mut stderr = String::new();
    use std::io::Read;
    if let Some(mut o) = child.stdout.take() {
        o.read_to_string(&mut stdout).unwrap();
    }
    if let Some(mut e) = child.stderr.take() {
        e.read_to_string(&mut stderr).unwrap();
    }
    let out = Out {
        code: status.code().unwrap_or(-1),
        stdout,
        stderr,
    };
    env.outputs.lock().unwrap().push(out.clone());
    out
}

/// Like [`run_deadline`], killing the child first if it hangs, so the test fails cleanly.
fn run_or_kill(env: &Env, args: &[&str]) -> Out {
    let mut child = env
        .command()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn simcred");
    let end = std::time::Instant::now() + DEADLINE;
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if std::time::Instant::now() > end {
            let _ = child.kill();
            let _ = child.wait();
            panic!("simcred {args:?} hung for {DEADLINE:?} (a FIFO or device was read)");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let o = child.wait_with_output().expect("output");
    let out = Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    };
    env.outputs.lock().unwrap().push(out.clone());
    out
}

fn api_key(env: &Env) -> PathBuf {
    env.home().join(".impact/api.key")
}

fn dlubal_ini(env: &Env) -> PathBuf {
    env.xdg_config().join("Dlubal/api/config.ini")
}

fn mkfifo(p: &Path) {
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    let st = std::process::Command::new("mkfifo")
        .arg(p)
        .status()
        .unwrap();
    assert!(st.success(), "mkfifo {}", p.display());
}

fn link(target: &Path, at: &Path) {
    fs::create_dir_all(at.parent().unwrap()).unwrap();
    symlink(target, at).unwrap();
}

/// A character device to export to: a private null device (1, 3) in `dir` when `mknod` works,
/// else `/dev/null` when not root (a regression could not replace it then); `None` for root
/// without `mknod`, so a regression never replaces the system's `/dev/null`.
fn scratch_device(dir: &Path) -> Option<PathBuf> {
    let p = dir.join("null-device");
    let made = std::process::Command::new("mknod")
        .arg(&p)
        .args(["c", "1", "3"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if made {
        return Some(p);
    }
    let uid = std::process::Command::new("id").arg("-u").output().unwrap();
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Some(PathBuf::from("/dev/null"));
    }
    eprintln!(
        "NOTE: root without mknod: skipping the export-to-a-device test rather than risk /dev/null"
    );
    None
}

fn is_link_to(at: &Path, target: &Path) -> bool {
    fs::read_link(at).is_ok_and(|t| t == target)
}

fn dlubal_profile(env: &Env, key: &str) -> String {
    let p = env.name("rfem");
    env.run(&["profile", "add", &p, "--service", "dlubal"]).ok();
    env.run_in(&["key", "add", &p, "main"], key).ok();
    p
}

fn exported(env: &Env, profile: &str) -> String {
    let out = env.run(&["key", "list", profile, "--json"]);
    out.ok();
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    v[0]["exported"].to_string()
}

#[test]
fn export_through_a_symlink_to_a_device_is_refused_and_the_device_kept() {
    let env = Env::new();
    let k = secret("mk-");
    let m = env.modelon_profile("impact", "https://impact.example.com/", &k);
    let d = dlubal_profile(&env, &secret("ak-"));
    let Some(dev) = scratch_device(env.home()) else {
        return;
    };
    link(&dev, &api_key(&env));
    link(&dev, &dlubal_ini(&env));
    for (profile, file) in [(&m, api_key(&env)), (&d, dlubal_ini(&env))] {
        for force in [false, true] {
            let mut args = vec!["export", profile.as_str()];
            if force {
                args.push("--force");
            }
            let out = run_or_kill(&env, &args);
            out.fails();
            assert!(
                out.stderr.contains(&*dev.to_string_lossy())
                    && out.stderr.contains("is a device, not a regular file"),
                "{out:?}"
            );
            assert!(is_link_to(&file, &dev), "the link was replaced");
        }
    }
    assert!(
        fs::metadata(&dev).unwrap().file_type().is_char_device(),
        "the device was replaced by a file"
    );
    assert!(!env.all_output().contains(&k));
}

#[test]
fn a_fifo_at_a_vendor_path_is_refused_without_hanging() {
    let env = Env::new();
    let m = env.modelon_profile("impact", "https://impact.example.com/", &secret("mk-"));
    let d = dlubal_profile(&env, &secret("ak-"));
    mkfifo(&api_key(&env));
    mkfifo(&dlubal_ini(&env));
    for args in [
        vec!["export", m.as_str()],
        vec!["export", d.as_str()],
        vec!["import", "--service", "modelon", "--keep-plaintext"],
        vec!["import", "--service", "dlubal", "--keep-plaintext"],
    ] {
        let out = run_or_kill(&env, &args);
        out.fails();
        assert!(out.stderr.contains("is a FIFO"), "{args:?}: {out:?}");
        assert!(out.stderr.contains("not a regular file"), "{out:?}");
    }
    for f in [api_key(&env), dlubal_ini(&env)] {
        assert!(fs::symlink_metadata(&f).unwrap().file_type().is_fifo());
    }
}

#[test]
fn dev_zero_as_api_key_is_refused() {
    let env = Env::new();
    link(Path::new("/dev/zero"), &api_key(&env));
    let out = run_or_kill(
        &env,
        &["import", "--service", "modelon", "--keep-plaintext"],
    );
    out.fails();
    assert!(out.stderr.contains("/dev/zero"), "{out:?}");
    assert!(out.stderr.contains("is a device"), "{out:?}");
}

#[test]
fn an_oversize_config_ini_is_refused_and_kept() {
    let env = Env::new();
    let ini = dlubal_ini(&env);
    fs::create_dir_all(ini.parent().unwrap()).unwrap();
    let mut text = String::from("[api_keys]\n");
    while text.len() < 5 * 1024 * 1024 {
        text.push_str("; padding padding padding padding padding padding padding\n");
    }
    fs::write(&ini, &text).unwrap();
    let d = dlubal_profile(&env, &secret("ak-"));
    for args in [
        vec!["import", "--service", "dlubal", "--keep-plaintext"],
        vec!["export", d.as_str(), "--force"],
    ] {
        let out = run_or_kill(&env, &args);
        out.fails();
        assert!(out.stderr.contains("is larger than 1024 KiB"), "{out:?}");
    }
    assert_eq!(fs::read_to_string(&ini).unwrap(), text);
}

#[test]
fn remove_plaintext_removes_the_file_behind_a_symlinked_api_key() {
    let env = Env::new();
    let k = secret("mk-");
    let real = env.home().join("dotfiles/impact-api.key");
    fs::create_dir_all(real.parent().unwrap()).unwrap();
    fs::write(&real, format!("{k}\n")).unwrap();
    link(&real, &api_key(&env));
    let prof = env.name("m");
    // (The file does not say its server: named, as import asks.)
    let args = import_into("modelon", &prof, "--remove-plaintext");
    let out = run_or_kill(
        &env,
        &[&args[..], &["--set", "url=https://impact.example.com/"]].concat(),
    );
    out.ok();
    assert!(
        !real.exists(),
        "the plaintext behind the link is still there"
    );
    assert!(
        fs::symlink_metadata(api_key(&env)).is_err(),
        "the link is still there"
    );
    assert!(out.stderr.contains("dotfiles/impact-api.key"), "{out:?}");
    assert!(out.stderr.contains(".impact/api.key"), "{out:?}");
    assert_eq!(env.run(&["key", "get", &prof]).stdout, k);
}

#[test]
fn remove_plaintext_rewrites_the_real_config_ini_behind_a_symlink() {
    let env = Env::new();
    let v = secret("ak-");
    let real = env.home().join("dotfiles/config.ini");
    fs::create_dir_all(real.parent().unwrap()).unwrap();
    fs::write(
        &real,
        format!("[api_keys] ; mine\nmain = {v}\n\n[other]\nx = 1\n"),
    )
    .unwrap();
    link(&real, &dlubal_ini(&env));
    let prof = env.name("d");
    let out = run_or_kill(&env, &import_into("dlubal", &prof, "--remove-plaintext"));
    out.ok();
    assert_eq!(
        fs::read_to_string(&real).unwrap(),
        "[api_keys] ; mine\n\n[other]\nx = 1\n"
    );
    assert!(is_link_to(&dlubal_ini(&env), &real));
    assert!(out.stderr.contains("dotfiles/config.ini"), "{out:?}");
    assert_eq!(env.run(&["key", "get", &prof]).stdout, v);
}

#[test]
fn remove_plaintext_fails_while_the_value_is_still_in_the_file() {
    let env = Env::new();
    let v = secret("ak-");
    let ini = dlubal_ini(&env);
    fs::create_dir_all(ini.parent().unwrap()).unwrap();
    fs::write(
        &ini,
        format!("[api_keys]\nmain = {v}\n\n[backup]\nold = {v}\n"),
    )
    .unwrap();
    let prof = env.name("d");
    let out = run_or_kill(&env, &import_into("dlubal", &prof, "--remove-plaintext"));
    out.fails();
    assert!(out.stderr.contains("still in"), "{out:?}");
    assert!(out.stderr.contains("line 4"), "{out:?}");
    assert!(!out.stderr.contains(&v), "{out:?}");
}

#[test]
fn key_replace_does_not_recreate_a_deleted_or_changed_export() {
    let env = Env::new();
    let old = secret("mk-");
    let m = env.modelon_profile("impact", "https://impact.example.com/", &old);
    env.run(&["export", &m]).ok();
    let f = api_key(&env);
    assert!(exported(&env, &m).contains(".impact/api.key"));

    // Still holding the old key: re-exported.
    let new1 = secret("mk-");
    let out = run_deadline(&env, &["key", "replace", &m, "--no-check"], new1.as_bytes());
    out.ok();
    assert!(out.stdout.contains("Re-exported to"), "{out:?}");
    assert_eq!(fs::read_to_string(&f).unwrap(), new1);

    // Deleted by the user: not re-created, and no longer listed.
    fs::remove_file(&f).unwrap();
    let new2 = secret("mk-");
    let out = run_deadline(&env, &["key", "replace", &m, "--no-check"], new2.as_bytes());
    out.ok();
    assert!(
        !f.exists(),
        "key replace re-created a file the user deleted"
    );
    assert!(out.stdout.contains("no longer exists"), "{out:?}");
    assert!(!exported(&env, &m).contains(".impact/api.key"));

    // Changed by hand: left alone.
    env.run(&["export", &m]).ok();
    fs::write(&f, "mk-someone-elses-key-123456").unwrap();
    let out = run_deadline(
        &env,
        &["key", "replace", &m, "--no-check"],
        secret("mk-").as_bytes(),
    );
    out.ok();
    assert_eq!(
        fs::read_to_string(&f).unwrap(),
        "mk-someone-elses-key-123456"
    );
    assert!(
        out.stdout.contains("no longer holds the old key"),
        "{out:?}"
    );
    assert!(!exported(&env, &m).contains(".impact/api.key"));
}

#[test]
fn key_replace_rewrites_a_dlubal_entry_only_while_it_holds_the_old_value() {
    let env = Env::new();
    let old = secret("ak-");
    let d = dlubal_profile(&env, &old);
    env.run(&["export", &d]).ok();
    let ini = dlubal_ini(&env);
    let new = secret("ak-");
    run_deadline(&env, &["key", "replace", &d, "--no-check"], new.as_bytes()).ok();
    let text = fs::read_to_string(&ini).unwrap();
    assert!(text.contains(&format!("main = {new}")), "{text}");
    assert!(!text.contains(&old), "{text}");

    fs::write(&ini, "[api_keys]\nmain = ak-changed-by-hand\n").unwrap();
    let out = run_deadline(
        &env,
        &["key", "replace", &d, "--no-check"],
        secret("ak-").as_bytes(),
    );
    out.ok();
    assert_eq!(
        fs::read_to_string(&ini).unwrap(),
        "[api_keys]\nmain = ak-changed-by-hand\n"
    );
    assert!(out.stdout.contains("Not re-exported"), "{out:?}");
    assert!(!exported(&env, &d).contains("config.ini"));
}

#[test]
fn a_huge_key_on_stdin_is_refused_whole() {
    let env = Env::new();
    let p = env.name("impact");
    env.run(&["profile", "add", &p, "--service", "modelon"])
        .ok();
    let huge = vec![b'k'; 10 * 1024 * 1024];
    let out = run_deadline(&env, &["key", "add", &p], &huge);
    out.fails();
    assert!(out.stderr.contains("longer than 64 KiB"), "{out:?}");
    assert!(out.stderr.contains("whole or not at all"), "{out:?}");
    let list = env.run(&["key", "list", &p, "--json"]);
    assert_eq!(list.stdout.trim(), "[]", "{list:?}");
}

#[test]
fn a_key_with_a_nul_or_line_break_inside_is_refused() {
    let env = Env::new();
    let p = env.name("impact");
    env.run(&["profile", "add", &p, "--service", "modelon"])
        .ok();
    for bad in [
        "mk-abcdef\0ghijkl",
        "mk-abcdef\nmk-ghijkl\n",
        "mk-abc\u{1b}[2Jdef",
    ] {
        let out = run_deadline(&env, &["key", "add", &p], bad.as_bytes());
        out.fails();
        assert!(out.stderr.contains("control character"), "{out:?}");
    }
    assert_eq!(env.run(&["key", "list", &p, "--json"]).stdout.trim(), "[]");
    // Surrounding white space is still trimmed.
    let k = secret("mk-");
    run_deadline(&env, &["key", "add", &p], format!("  {k}\r\n").as_bytes()).ok();
    assert_eq!(env.run(&["key", "get", &p]).stdout, k);
}

#[test]
fn a_malformed_config_ini_is_reported_by_line_without_its_content() {
    let env = Env::new();
    let ini = dlubal_ini(&env);
    fs::create_dir_all(ini.parent().unwrap()).unwrap();
    let pasted = secret("ak-pasted-");
    let text = format!("[api_keys]\nok = ak-1\n{pasted}\n");
    fs::write(&ini, &text).unwrap();
    let d = dlubal_profile(&env, &secret("ak-"));
    for args in [
        vec!["import", "--service", "dlubal", "--keep-plaintext"],
        vec!["export", d.as_str()],
    ] {
        let out = run_or_kill(&env, &args);
        out.fails();
        assert!(
            out.stderr.contains(&format!("{}:3:", ini.display())),
            "{out:?}"
        );
        assert!(out.stderr.contains("expected"), "{out:?}");
        assert!(!out.stderr.contains(&pasted), "{out:?}");
    }
    assert_eq!(fs::read_to_string(&ini).unwrap(), text);
}

#[test]
fn a_comment_after_the_section_header_is_read_as_python_does() {
    let env = Env::new();
    let ini = dlubal_ini(&env);
    fs::create_dir_all(ini.parent().unwrap()).unwrap();
    let v = secret("ak-");
    fs::write(&ini, format!("[api_keys] ; my keys\nMain: {v}\n")).unwrap();
    let prof = env.name("d");
    run_or_kill(&env, &import_into("dlubal", &prof, "--keep-plaintext")).ok();
    assert_eq!(env.run(&["key", "get", &prof, "main"]).stdout, v);
}
