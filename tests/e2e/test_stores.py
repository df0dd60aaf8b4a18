"""Issue 12, item 6: the app shows stores and where each profile lives, logs in to a store,
and moves a profile between this computer and a store — against a real OpenBao dev server
(SIMCRED_BAO, installed by scripts/openbao.sh). Its own profiles dir and app: a configured
store is asked on every status, which the other modules should not pay for."""

import os
import socket
import subprocess
import tempfile

import pytest
from conftest import Cli, launch_app, secret, unique, wait_until


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Bao:
    """`bao server -dev` on loopback with a userpass user whose policy covers team/acme."""

    def __init__(self):
        self.bin = os.environ.get("SIMCRED_BAO", "target/bao-venv/bin/bao")
        self.root = secret("root-")
        self.addr = f"http://127.0.0.1:{free_port()}"
        self.home = tempfile.mkdtemp(prefix="simcred-bao-")
        self.proc = subprocess.Popen(
            [self.bin, "server", "-dev", f"-dev-root-token-id={self.root}", f"-dev-listen-address={self.addr[7:]}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=dict(os.environ, HOME=self.home),
        )
        wait_until("the OpenBao dev server", lambda: self.cli("status", check=False).returncode == 0, 30)

    def cli(self, *args, input=None, check=True):
        env = dict(os.environ, BAO_ADDR=self.addr, BAO_TOKEN=self.root, HOME=self.home)
        out = subprocess.run([self.bin, *args], input=input, capture_output=True, text=True, env=env, timeout=30)
        if check and out.returncode != 0:
            raise AssertionError(f"bao {args}: {out.stderr}")
        return out

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


@pytest.fixture(scope="module")
def bao():
    b = Bao()
    b.cli("auth", "enable", "userpass")
    policy = "".join(f'path "secret/{p}/team/acme/*" {{ capabilities = ["create", "read", "update", "delete", "list"] }}\n' for p in ("data", "metadata"))
    b.cli("policy", "write", "team", "-", input=policy)
    b.password = secret("pw-")
    b.cli("write", "auth/userpass/users/ann", f"password={b.password}", "token_policies=team")
    yield b
    b.stop()


def test_add_a_store_log_in_see_its_profiles_and_move_one_there_and_back(bao, tmp_path_factory):
    cli = Cli(tmp_path_factory.mktemp("simcred-stores"))
    mine = unique("local")
    cli.run("profile", "add", mine, "--service", "dlubal")
    local_key = secret("ak-")
    cli.run("key", "add", mine, "main", input=local_key)
    with launch_app(cli.config_dir) as app:
        # Add the store in the app; the form says where things go.
        app.click("stores")
        app.wait("store-keyring")
        app.click("stores-add")
        app.type("store-form-name", "acme")
        app.choose("store-form-kind", "openbao")
        app.type("store-form-addr", bao.addr)
        app.type("store-form-prefix", "team/acme")
        app.click("store-form-submit")
        app.wait_gone("store-form")
        app.wait_text("store-acme-state", "Not logged in")

        # Log in with user name and password: the token goes to the keyring.
        app.click("store-acme-login")
        app.type("store-login-username", "ann")
        app.type("store-login-secret", bao.password)
        app.click("store-login-submit")
        app.wait_gone("store-login")
        app.wait_text("store-acme-state", "Logged in as userpass-ann")
        app.click("stores-close")
        app.wait_gone("stores-dialog")

        # A team profile made elsewhere (the CLI shares the app's keyring and its token).
        team = unique("team")
        cli.run("profile", "add", team, "--service", "dlubal", "--store", "acme")
        team_key = secret("ak-")
        cli.run("key", "add", team, "main", input=team_key)
        app.refresh()
        app.wait(f"store-tag-{team}")
        app.select_profile(team)
        app.wait_text("detail-store", "team store acme")

        # Move the local profile to the store, and back; the key goes with it each time.
        app.select_profile(mine)
        app.wait_text("detail-store", "this computer's keyring")
        app.click("profile-move")
        app.choose("move-form-to", "acme")
        app.click("move-form-submit")
        app.wait_gone("move-form")
        app.message(f"Moved {mine} to store acme")
        app.wait_text("detail-store", "team store acme")
        assert [p["store"] for p in cli.json("status", "--json")["profiles"] if p["name"] == mine] == ["acme"]
        assert cli.run("key", "get", mine).stdout.strip() == local_key
        app.click("profile-move")
        app.choose("move-form-to", "")
        app.click("move-form-submit")
        app.wait_gone("move-form")
        app.message(f"Moved {mine} to this computer")
        app.wait_text("detail-store", "this computer's keyring")
        assert cli.run("key", "get", mine).stdout.strip() == local_key

        # Log out: the token is revoked; the team profile can no longer be read.
        app.click("stores")
        app.click("store-acme-logout")
        app.wait_text("store-acme-state", "Not logged in")
        app.click("stores-close")
        assert cli.run("key", "get", team, check=False).returncode != 0

        source = app.page_source()
        for s in (bao.password, team_key, local_key, bao.root):
            assert s not in source
