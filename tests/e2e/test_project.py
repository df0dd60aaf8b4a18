"""Issue 22 in the app: "Project…" opens a project's .simcred.toml (from a subfolder, as the CLI
finds it), lists the profile it names per service with each one's state, names the file and line
of an entry that cannot be used, and shows a named profile on a click."""

from conftest import unique


def test_open_project_lists_its_profiles_and_their_state(app, cli, sandbox, tmp_path):
    p = unique("impact")
    cli.run("profile", "add", p, "--service", "modelon", "--url", sandbox.modelon_url)
    cli.run("key", "add", p, input=sandbox.regenerate_modelon_key())
    cli.run("key", "check", p)
    project = tmp_path / "wing-study"
    (project / "notebooks").mkdir(parents=True)
    (project / ".simcred.toml").write_text(f'[profiles]\nmodelon = "{p}"\ndlubal = "no-such-rfem"\n')
    app.refresh()

    app.click("project")
    app.type("project-form-folder", str(project / "notebooks"))
    app.click("project-form-submit")
    app.wait("project-dialog")
    assert app.wait_text("project-file", ".simcred.toml") == str(project / ".simcred.toml")
    assert app.wait("project-state-modelon").get_attribute("data-kind") == "valid"
    problem = app.wait_text("project-problem-dlubal", "no profile named")
    assert ".simcred.toml:3:" in problem, problem
    app.click(f"project-profile-modelon")
    app.wait_gone("project-dialog")
    app.wait_text("detail-name", p)

    # A folder without a project file says so.
    app.click("project")
    app.type("project-form-folder", str(tmp_path))
    app.click("project-form-submit")
    assert app.wait_text("project-none", "No .simcred.toml in").endswith("or a folder above it.")
    app.click("project-close")
    app.wait_gone("project-dialog")
