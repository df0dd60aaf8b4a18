"""A Modelon Impact client whose API key comes from SimCred.

    import simcred.modelon
    client = simcred.modelon.client("acme-impact")      # or no name: the project's profile
    workspaces = client.get_workspaces()

The client's ``CredentialManager`` is replaced by one that asks SimCred: it reads no
``MODELON_IMPACT_CLIENT_API_KEY``, no ``~/.impact/api.key``, and never writes that file — also
with ``interactive=True``, where the stock one saves the key it used there. A key the server
refuses is not prompted for: replace it in SimCred (``simcred key replace PROFILE``)."""

from __future__ import annotations

from typing import Any, Optional

import simcred


def credential_manager(profile: Optional[str] = None) -> Any:
    """A ``CredentialManager`` for ``modelon.impact.client.Client`` that reads the key of
    ``profile`` from SimCred and writes nothing."""
    from modelon.impact.client.credential_manager import CredentialManager

    class SimcredCredentialManager(CredentialManager):
        def get_key_from_env(self) -> Optional[str]:
            return None

        def get_key_from_file(self) -> Optional[str]:
            return None

        def get_key(self, interactive: bool = False) -> Optional[str]:
            return simcred.key(profile, service=None if profile else "modelon")

        def get_key_from_prompt(self) -> str:
            raise simcred.NetworkError(
                "unauthorized",
                f"the Modelon Impact server refused the key of {profile or 'the project profile'}; "
                "replace it in SimCred (simcred key replace PROFILE) and try again",
            )

        def write_key_to_file(self, api_key: str) -> None:
            # The stock manager saves the key in ~/.impact/api.key; SimCred keeps it.
            return None

    return SimcredCredentialManager()


def client(profile: Optional[str] = None, **kw: Any) -> Any:
    """A ``modelon.impact.client.Client`` for the profile's server (its ``url`` setting, unless
    ``url=`` is given) with its key from SimCred. Other keywords go to ``Client``."""
    from modelon.impact.client import Client

    if "url" not in kw:
        settings = simcred.profile(profile, service=None if profile else "modelon").get("settings", {})
        if settings.get("url"):
            kw["url"] = settings["url"]
    kw.setdefault("interactive", False)
    return Client(credential_manager=credential_manager(profile), **kw)
