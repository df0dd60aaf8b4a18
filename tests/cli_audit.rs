//! `simcred audit` finds each kind of plaintext copy in a planted home — the vendors' files,
//! a key an older Dlubal client kept in its package, SimAI SDK configs with an offline token or
//! a password, the SDK's token cache, shell start-up files that export a key, and a file SimCred
//! exported — says what to do with each, exits 1, and never prints a secret; a clean home exits 0.

use simcred_tests::{secret, Env};
use std::fs;

fn write(path: &std::path::Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

#[test]
fn a_clean_home_is_clean() {
    let env = Env::new();
    let out = env.run(&["audit"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("No plaintext credentials found"),
        "{out:?}"
    );
}

#[test]
fn every_kind_of_plaintext_copy_is_found_and_no_secret_printed() {
    let env = Env::new();
    let h = env.home();
    let (mk, ak, old_ak, tok, pw, rc_mk, rc_ak, exported) = (
        secret("mk-"),
        secret("ak-"),
        secret("ak-"),
        secret("tok-"),
        secret("pw-"),
        secret("mk-"),
        secret("ak-"),
        secret("ak-"),
    );
    write(&h.join(".impact/api.key"), &mk);
    write(
        &env.xdg_config().join("Dlubal/api/config.ini"),
        &format!("[api_keys]\nproject_1 = {ak}\ndefault = {ak}\n"),
    );
    write(
        &h.join("venvs/old/lib/python3.11/site-packages/dlubal/api/config.ini"),
        &format!("[api_keys]\nlegacy = {old_ak}\n"),
    );
    write(
        &env.xdg_config().join("ansys_simai.conf"),
        &format!("[work]\norganization = \"acme\"\noffline_token = \"{tok}\"\n"),
    );
    write(
        &h.join(".ansys/simai.conf"),
        &format!("[other]\norganization = \"acme\"\n[other.credentials]\nusername = \"u\"\npassword = \"{pw}\"\n"),
    );
    write(
        &h.join(".cache/ansys/pysimai/tokens-acme.json"),
        "{\"access_token\": \"x\"}",
    );
    write(
        &h.join(".bashrc"),
        &format!("alias ll='ls -l'\nexport MODELON_IMPACT_CLIENT_API_KEY={rc_mk}\n"),
    );
    write(
        &h.join(".zshrc"),
        &format!("# mine\nDLUBAL_API_KEY=\"{rc_ak}\"\n"),
    );
    // A file SimCred exported itself.
    let p = env.name("rfem");
    env.run(&["profile", "add", &p, "--service", "dlubal"]).ok();
    env.run_in(&["key", "add", &p, "ci"], &exported).ok();
    let export_path = h.join("exports/config.ini");
    env.run(&["export", &p, "--path", export_path.to_str().unwrap()])
        .ok();

    let out = env.run(&["audit"]);
    assert_eq!(out.code, 1, "{out:?}");
    for expect in [
        ".impact/api.key",
        "Dlubal/api/config.ini",
        "site-packages/dlubal/api/config.ini",
        "ansys_simai.conf",
        ".ansys/simai.conf",
        "tokens-acme.json",
        ".bashrc:2",
        ".zshrc:2",
        "exports/config.ini",
    ] {
        assert!(
            out.stdout.contains(expect),
            "{expect} not found:\n{}",
            out.stdout
        );
    }
    for s in [&mk, &ak, &old_ak, &tok, &pw, &rc_mk, &rc_ak, &exported] {
        assert!(!out.stdout.contains(s.as_str()) && !out.stderr.contains(s.as_str()));
    }
    let json: serde_json::Value =
        serde_json::from_str(&env.run(&["audit", "--json"]).stdout).unwrap();
    let items = json.as_array().unwrap();
    let advice = |needle: &str| {
        items
            .iter()
            .find(|f| f["path"].as_str().unwrap().contains(needle))
            .map(|f| f["advice"].as_str().unwrap().to_string())
    };
    assert_eq!(advice(".impact/api.key").as_deref(), Some("import"));
    assert_eq!(advice(".bashrc").as_deref(), Some("remove"));
    assert_eq!(advice("tokens-acme.json").as_deref(), Some("remove"));
}

fn audit_json(env: &Env) -> Vec<serde_json::Value> {
    let out = env.run(&["audit", "--json"]);
    serde_json::from_str::<serde_json::Value>(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {out:?}"))
        .as_array()
        .unwrap()
        .clone()
}

fn finding<'a>(items: &'a [serde_json::Value], needle: &str) -> &'a serde_json::Value {
    items
        .iter()
        .find(|f| f["path"].as_str().unwrap().contains(needle))
        .unwrap_or_else(|| panic!("no finding at {needle}: {items:#?}"))
}

/// Issue 17 item 11: a SimAI token cache whose file name holds escape sequences (OSC 52 would
/// set the clipboard, CSI 2J clear the screen) is listed with the name made visible, in the
/// text and the JSON alike.
#[test]
fn a_file_name_with_escape_sequences_is_shown_safely() {
    let env = Env::new();
    let name = "tokens-\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J\u{202e}.json";
    write(&env.home().join(".cache/ansys/pysimai").join(name), "{}");
    let out = env.run(&["audit"]);
    assert_eq!(out.code, 1, "{out:?}");
    simcred_tests::hostile::assert_terminal_safe("audit", &out.stdout);
    simcred_tests::hostile::assert_terminal_safe("audit", &out.stderr);
    assert!(out.stdout.contains("tokens-\\u{1b}]52"), "{out:?}");
    let json = env.run(&["audit", "--json"]).stdout;
    let items: serde_json::Value = serde_json::from_str(&json).unwrap();
    simcred_tests::hostile::assert_terminal_safe(
        "audit --json",
        items[0]["path"].as_str().unwrap(),
    );
}

/// Issue 17 item 11: a FIFO where Dlubal's `config.ini` belongs neither blocks the audit nor
/// ends it: it is a finding of its own (look at it), and everything else is still found.
#[test]
fn a_fifo_at_a_vendor_file_is_a_finding_and_the_audit_goes_on() {
    let env = Env::new();
    let ini = env.xdg_config().join("Dlubal/api/config.ini");
    fs::create_dir_all(ini.parent().unwrap()).unwrap();
    assert!(std::process::Command::new("mkfifo")
        .arg(&ini)
        .status()
        .unwrap()
        .success());
    let mk = secret("mk-");
    write(&env.home().join(".impact/api.key"), &mk);
    let out = simcred_tests::hostile::run_within(
        &env,
        &["audit"],
        None,
        &[],
        std::time::Duration::from_secs(60),
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains(".impact/api.key"), "{out:?}");
    assert!(
        out.stdout.contains("Dlubal/api/config.ini") && out.stdout.contains("FIFO"),
        "{out:?}"
    );
    let items = audit_json(&env);
    assert_eq!(finding(&items, "config.ini")["advice"], "check");
    assert_eq!(finding(&items, "api.key")["advice"], "import");
}

/// Issue 18 item 4: the files the vendors' clients write themselves, each with what to do.
/// Modelon's `~/.impact/api.key` (as `Client(interactive=True)` writes it): to import when
/// SimCred does not have the key; when it holds the same one, where, and that only the copy is
/// to go. Dlubal's `config.ini`: entry by entry, the ones SimCred holds named. The SimAI SDK's token cache: plaintext access
/// and refresh tokens, to delete, with how `run --files` keeps them away.
#[test]
fn the_vendors_self_written_files_say_what_to_do() {
    let env = Env::new();
    let h = env.home().to_path_buf();
    let (mk, held_ak, other_ak) = (secret("mk-"), secret("ak-"), secret("ak-"));
    write(&h.join(".impact/api.key"), &mk);
    let items = audit_json(&env);
    let f = finding(&items, ".impact/api.key");
    assert_eq!(f["advice"], "import", "{f}");
    assert!(
        f["what"].as_str().unwrap().contains("interactive=True"),
        "{f}"
    );
    assert!(
        f["todo"].as_str().unwrap().contains("simcred import"),
        "{f}"
    );

    // SimCred holds the same key: only the plaintext copy is to go (through import, which
    // removes exactly what it holds).
    let m = env.modelon_profile("impact", "http://127.0.0.1:9", &mk);
    let d = env.name("rfem");
    env.run(&["profile", "add", &d, "--service", "dlubal"]).ok();
    env.run_in(&["key", "add", &d, "main"], &held_ak).ok();
    write(
        &env.xdg_config().join("Dlubal/api/config.ini"),
        &format!("[api_keys]\nmain = {held_ak}\nother = {other_ak}\ndefault = {held_ak}\n"),
    );
    write(&h.join(".cache/ansys/pysimai/tokens-1a2b.json"), "{}");
    let out = env.run(&["audit"]);
    for s in [&mk, &held_ak, &other_ak] {
        assert!(!out.stdout.contains(s.as_str()) && !out.stderr.contains(s.as_str()));
    }
    let items = audit_json(&env);
    let f = finding(&items, ".impact/api.key");
    let text = |f: &serde_json::Value, k: &str| f[k].as_str().unwrap_or("").to_string();
    assert!(
        text(f, "what").contains(&format!("SimCred holds as {m}/")),
        "{f}"
    );
    assert!(
        text(f, "todo").contains(&format!("--profile {m} --remove-plaintext")),
        "{f}"
    );
    let ini: Vec<&serde_json::Value> = items
        .iter()
        .filter(|f| {
            f["path"]
                .as_str()
                .unwrap()
                .ends_with("Dlubal/api/config.ini")
        })
        .collect();
    let entry = |name: &str| {
        *ini.iter()
            .find(|f| f["what"].as_str().unwrap().contains(&format!("\"{name}\"")))
            .unwrap_or_else(|| panic!("no finding for {name}: {ini:#?}"))
    };
    assert!(text(entry("main"), "what").contains(&format!("SimCred holds as {d}/main")));
    assert!(text(entry("main"), "todo").contains("without storing it twice"));
    assert!(text(entry("other"), "what").contains("plaintext"));
    assert!(!text(entry("other"), "what").contains("SimCred holds"));
    assert!(text(entry("other"), "todo").contains("import it"));
    let cache = finding(&items, "tokens-1a2b.json");
    assert_eq!(cache["advice"], "remove");
    assert!(
        cache["what"]
            .as_str()
            .unwrap()
            .contains("access and refresh tokens"),
        "{cache}"
    );
    assert!(
        cache["todo"].as_str().unwrap().contains("--files"),
        "{cache}"
    );
    // As the finding says: the held copy goes, the other key is stored, and no key is left.
    let import = env.run(&[
        "import",
        "--service",
        "dlubal",
        "--profile",
        &d,
        "--remove-plaintext",
    ]);
    import.ok();
    assert!(import.stdout.contains("already stored"), "{import:?}");
    let left = fs::read_to_string(env.xdg_config().join("Dlubal/api/config.ini")).unwrap();
    assert!(
        !left.contains(&held_ak) && !left.contains(&other_ak),
        "{left}"
    );
}

/// Issue 23: audit reported "the exported key … of profile p" for a file that no longer held it
/// (emptied by hand, or deleted), and the records kept pointing there. Now the records follow the
/// disk: what still holds the key is reported, the rest is forgotten.
#[test]
fn export_records_follow_the_disk() {
    let env = Env::new();
    let p = env.name("d");
    env.run(&["profile", "add", &p, "--service", "dlubal"]).ok();
    let (one, two) = (secret("ak-"), secret("ak-"));
    env.run_in(&["key", "add", &p, "one"], &one).ok();
    env.run_in(&["key", "add", &p, "two"], &two).ok();
    let (kept, emptied, gone) = (
        env.home().join("kept.ini"),
        env.home().join("emptied.ini"),
        env.home().join("gone.ini"),
    );
    for f in [&kept, &emptied, &gone] {
        env.run(&["export", &p, "--path", f.to_str().unwrap()]).ok();
    }
    let exported_to = |env: &Env| -> Vec<String> {
        let keys: serde_json::Value =
            serde_json::from_str(&env.run(&["key", "list", &p, "--json"]).stdout).unwrap();
        let mut all: Vec<String> = keys
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|k| k["exported"].as_array().unwrap().clone())
            .map(|x| x.as_str().unwrap().to_string())
            .collect();
        all.sort();
        all
    };
    assert_eq!(exported_to(&env).len(), 6, "two keys, three files");
    // By hand: one file emptied of key one (two stays), one deleted.
    fs::write(&emptied, format!("[api_keys]\ntwo = {two}\n")).unwrap();
    fs::remove_file(&gone).unwrap();

    let items = audit_json(&env);
    let shown: Vec<String> = items
        .iter()
        .filter(|f| f["what"].as_str().unwrap().contains("the exported key"))
        .map(|f| {
            format!(
                "{} {}",
                f["path"].as_str().unwrap(),
                f["what"].as_str().unwrap()
            )
        })
        .collect();
    assert!(shown.iter().any(|s| s.contains("kept.ini")), "{shown:?}");
    assert!(shown.iter().all(|s| !s.contains("gone.ini")), "{shown:?}");
    assert!(
        shown
            .iter()
            .all(|s| !(s.contains("emptied.ini") && s.contains("\"one\""))),
        "{shown:?}"
    );
    let kept_s = kept.display().to_string();
    let emptied_s = emptied.display().to_string();
    let mut want = vec![kept_s.clone(), kept_s, emptied_s];
    want.sort();
    assert_eq!(exported_to(&env), want, "the records follow the disk");
}
