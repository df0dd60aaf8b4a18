//! Profiles per project: a `.simcred.toml` in a project directory (found from a subdirectory
//! upwards) names the profile per service, so `key get`, `token` and `run` need no profile
//! name there; a profile it names that does not exist, or a malformed file, is an error that
//! names the file and line, and the file is never written.

use simcred_tests::{secret, Env};
use std::fs;

/// A project directory `proj` with a `.simcred.toml` of `text` and a subdirectory to work in.
fn project(env: &Env, text: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let proj = env.home().join("proj");
    let sub = proj.join("src/notebooks");
    fs::create_dir_all(&sub).unwrap();
    let file = proj.join(".simcred.toml");
    fs::write(&file, text).unwrap();
    (file, sub)
}

#[test]
fn a_subdirectory_uses_the_projects_profiles() {
    let env = Env::new();
    let mkey = secret("mk-");
    let m = env.modelon_profile("impact", "http://127.0.0.1:9/", &mkey);
    let dkey = secret("ak-");
    let d = env.dlubal_profile("rfem", "main", &dkey);
    let (file, sub) = project(
        &env,
        &format!("# this project's servers\n[profiles]\nmodelon = \"{m}\"\ndlubal = \"{d}\"\n"),
    );
    let before = fs::read(&file).unwrap();

    // Two services with keys: key get must be told which one.
    let e = env.run_at(&sub, &["key", "get"]);
    e.fails();
    assert!(
        e.stderr.contains("names profiles for modelon and dlubal"),
        "{e:?}"
    );
    let got = env.run_at(&sub, &["key", "get", "--service", "modelon"]);
    assert_eq!(got.ok().stdout.trim(), mkey);

    // run with no profile hands over every profile the project names.
    let out = env.run_at(
        &sub,
        &["run", "--", "sh", "-c", "echo \"m=$MODELON_IMPACT_CLIENT_API_KEY\"; cat \"$XDG_CONFIG_HOME/Dlubal/api/config.ini\""],
    );
    out.ok();
    assert!(out.stdout.contains(&format!("m={mkey}")), "{out:?}");
    assert!(out.stdout.contains(&format!("main = {dkey}")), "{out:?}");
    // --service picks one of them.
    let only = env.run_at(
        &sub,
        &[
            "run",
            "--service",
            "modelon",
            "--",
            "sh",
            "-c",
            "echo \"m=$MODELON_IMPACT_CLIENT_API_KEY\" \"x=${XDG_CONFIG_HOME:-}\"",
        ],
    );
    assert!(only.ok().stdout.contains(&format!("m={mkey}")), "{only:?}");

    let status = env.run_at(&sub, &["status"]);
    assert!(
        status
            .stdout
            .contains(&format!("Project: {}", file.display())),
        "{status:?}"
    );
    assert!(
        status.stdout.contains(&format!("modelon → {m}")),
        "{status:?}"
    );
    assert_eq!(
        fs::read(&file).unwrap(),
        before,
        "the project file was written"
    );
}

#[test]
fn an_unknown_profile_or_a_bad_line_names_the_file_and_line() {
    let env = Env::new();
    let m = env.modelon_profile("impact", "http://127.0.0.1:9/", &secret("mk-"));
    let (file, sub) = project(
        &env,
        &format!("[profiles]\nmodelon = \"{m}\"\ndlubal = \"nobody-has-this\"\n"),
    );
    let e = env.run_at(&sub, &["key", "get", "--service", "dlubal"]);
    e.fails();
    let at = format!("{}:3: ", file.display());
    assert!(
        e.stderr.contains(&at) && e.stderr.contains("nobody-has-this"),
        "{e:?}"
    );
    // status says so too, and needs attention.
    let s = env.run_at(&sub, &["status"]);
    assert!(s.stdout.contains(&at), "{s:?}");

    fs::write(&file, "[profiles]\nmodelon = \"a\"\nansys = \"b\"\n").unwrap();
    let before = fs::read(&file).unwrap();
    let e = env.run_at(&sub, &["key", "get"]);
    e.fails();
    assert!(
        e.stderr.contains(&format!("{}:3: ", file.display())) && e.stderr.contains("not a service"),
        "{e:?}"
    );
    assert_eq!(fs::read(&file).unwrap(), before);
}

#[test]
fn without_a_project_file_a_profile_must_be_named() {
    let env = Env::new();
    let dir = env.home().join("elsewhere");
    fs::create_dir_all(&dir).unwrap();
    let e = env.run_at(&dir, &["key", "get"]);
    e.fails();
    assert!(
        e.stderr.contains("no profile named, and no .simcred.toml"),
        "{e:?}"
    );
    let e = env.run_at(&dir, &["run", "--", "true"]);
    e.fails();
    assert!(e.stderr.contains(".simcred.toml"), "{e:?}");
}
