"""SimCred from Python: the credentials of simulation-cloud APIs, kept in the OS keyring by the
``simcred`` program, for scripts and notebooks.

    import simcred
    key = simcred.key("acme-impact")         # an API key
    token = simcred.token("acme-simai")      # a fresh access token
    key = simcred.key()                      # the profile the project's .simcred.toml names

The package talks to ``simcred api`` through pipes: one JSON request on its standard input, one
JSON reply on its standard output. No secret is ever in a process's arguments or environment,
and nothing is written to disk. The program is found through ``SIMCRED_BIN``, next to this
package, or on ``PATH``. Errors are ``SimcredError`` subclasses carrying the core's code.

Vendor clients built with SimCred's credentials: ``simcred.modelon.client()``,
``simcred.simai.client()``, ``simcred.dlubal.application()``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, Optional

from ._errors import (
    BinaryNotFound,
    InvalidRequest,
    KeyringLocked,
    NetworkError,
    NoProfile,
    NoSuchKey,
    NotSignedIn,
    NotSupported,
    ProjectFileError,
    SimcredError,
    StoreError,
    UnknownProfile,
    error_for,
)

__all__ = [
    "key",
    "token",
    "offline_token",
    "profile",
    "profiles",
    "status",
    "binary",
    "SimcredError",
    "BinaryNotFound",
    "UnknownProfile",
    "NoProfile",
    "ProjectFileError",
    "NoSuchKey",
    "NotSignedIn",
    "KeyringLocked",
    "StoreError",
    "NetworkError",
    "NotSupported",
    "InvalidRequest",
]

INSTALL_HINT = (
    "install SimCred (on Debian: the simcred .deb, or `cargo install --path crates/cli` in its "
    "repository), or set SIMCRED_BIN to the simcred program"
)


def binary() -> str:
    """The ``simcred`` program this package runs: ``SIMCRED_BIN``, else one next to the package,
    else the one on ``PATH``."""
    env = os.environ.get("SIMCRED_BIN")
    if env:
        if not os.access(env, os.X_OK):
            raise BinaryNotFound("binary_not_found", f"SIMCRED_BIN is {env!r}, which is not a program; {INSTALL_HINT}")
        return env
    here = Path(__file__).resolve().parent
    for name in ("simcred", "simcred.exe"):
        for d in (here, here.parent):
            p = d / name
            if p.is_file() and os.access(p, os.X_OK):
                return str(p)
    found = shutil.which("simcred")
    if not found:
        raise BinaryNotFound("binary_not_found", f"the simcred program is not on PATH; {INSTALL_HINT}")
    return found


def _call(op: str, **fields: Any) -> Any:
    """Sends one request to ``simcred api`` and returns its value, or raises its error."""
    request = json.dumps({"op": op, **{k: v for k, v in fields.items() if v is not None}})
    try:
        done = subprocess.run(
            [binary(), "api"],
            input=request,
            capture_output=True,
            text=True,
            timeout=300,
        )
    except OSError as e:
        raise BinaryNotFound("binary_not_found", f"cannot run the simcred program: {e}; {INSTALL_HINT}") from None
    try:
        reply = json.loads(done.stdout)
    except ValueError:
        raise SimcredError(
            "invalid",
            "simcred api did not answer in JSON (is the simcred program older than this package?): "
            + done.stderr.strip()[:500],
        ) from None
    if reply.get("ok"):
        return reply.get("value")
    raise error_for(str(reply.get("code", "invalid")), str(reply.get("message", "simcred failed")))


def key(profile: Optional[str] = None, name: Optional[str] = None, service: Optional[str] = None) -> str:
    """An API key: of ``profile`` (its key ``name``, default its default key); with no profile,
    of the one the project's ``.simcred.toml`` names (for ``service`` when it names several)."""
    return _call("key", profile=profile, name=name, service=service)["value"]


def token(profile: Optional[str] = None, service: Optional[str] = None, refresh: bool = False) -> str:
    """A fresh access token of a sign-in profile (SimAI, OpenID Connect)."""
    return _call("token", profile=profile, service=service, refresh=refresh or None)["access_token"]


def offline_token(profile: Optional[str] = None, service: Optional[str] = None) -> str:
    """A sign-in profile's offline token, for a client that refreshes by itself (kept in memory:
    write it nowhere)."""
    return _call("offline_token", profile=profile, service=service)["offline_token"]


def profile(name: Optional[str] = None, service: Optional[str] = None) -> dict:
    """One profile: its service, settings and keys' metadata (never a secret)."""
    return _call("profile", profile=name, service=service)


def profiles() -> list:
    """Every profile (never a secret)."""
    return _call("profiles")


def status() -> dict:
    """What ``simcred status --json`` reports: the keyring, each profile's state, the project file."""
    return _call("status")
