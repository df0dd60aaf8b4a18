"""An Ansys SimAI client signed in with the profile's offline token from SimCred.

    import simcred.simai
    client = simcred.simai.client("acme-simai")      # or no name: the project's profile
    print(client.me)

The client gets the profile's organization, URL, workspace, project, proxy and CA settings, and
the offline token in memory (no config file), so it refreshes its access token by itself and a
notebook outlives any access token. The SDK caches access and refresh tokens in a file; this
client's cache lives in a private directory (0700) of this process, removed when it exits."""

from __future__ import annotations

import atexit
import pathlib
import shutil
import tempfile
from typing import Any, Optional

import simcred

# Profile settings handed to SimAIClient as they are (strings), and those that are flags.
_SETTINGS = ("organization", "url", "workspace", "project", "geomai_workspace", "geomai_project", "https_proxy", "tls_ca_bundle")
_FLAGS = ("skip_version_check", "no_sse_connection")

_cache: Optional[pathlib.Path] = None


def _private_cache() -> pathlib.Path:
    """This process's private token cache directory (created once, removed at exit)."""
    global _cache
    if _cache is None:
        _cache = pathlib.Path(tempfile.mkdtemp(prefix="simcred-simai-"))
        _cache.chmod(0o700)
        atexit.register(shutil.rmtree, str(_cache), True)
    return _cache


def client(profile: Optional[str] = None, **kw: Any) -> Any:
    """A ``ansys.simai.core.SimAIClient`` for the profile (keywords override its settings)."""
    import ansys.simai.core.utils.auth as auth
    from ansys.simai.core import SimAIClient

    service = None if profile else "simai"
    p = simcred.profile(profile, service=service)
    settings = p.get("settings", {})
    cfg: dict = {k: settings[k] for k in _SETTINGS if settings.get(k)}
    for f in _FLAGS:
        if settings.get(f) in ("true", "1", "yes"):
            cfg[f] = True
    cfg["offline_token"] = simcred.offline_token(p["name"])
    cfg["interactive"] = False
    cfg.update(kw)
    # The SDK's token cache (access and refresh tokens in plaintext) goes to a private directory.
    auth.get_cache_dir = _private_cache
    return SimAIClient(**cfg)
