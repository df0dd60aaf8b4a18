"""A Dlubal RFEM / RSTAB / RSECTION application client with its API key from SimCred.

    import simcred.dlubal
    with simcred.dlubal.application("rfem", product="rfem") as app:
        print(app.get_application_info())

The key is passed as a value (``api_key_value``), which the client uses without saving it in
``config.ini``; the application's host and port come from the profile's ``host`` and ``port``
settings when it has them (default 127.0.0.1:9000, the client's), and TLS from its
``tls_ca_bundle`` (``system``: ``ssl=True`` with the system's certificate authorities; a path:
``ssl=True, ssl_file=path``; none: plain gRPC, the client's default)."""

from __future__ import annotations

import importlib
from typing import Any, Optional

import simcred

PRODUCTS = ("rfem", "rstab", "rsection")


def application(profile: Optional[str] = None, name: Optional[str] = None, product: Optional[str] = None, **kw: Any) -> Any:
    """A ``dlubal.api.<product>.Application`` connected with the profile's key ``name`` (default
    its default key). ``product``: rfem (default), rstab or rsection; keywords go to Application."""
    service = None if profile else "dlubal"
    p = simcred.profile(profile, service=service)
    settings = p.get("settings", {})
    product = (product or settings.get("product") or "rfem").lower()
    if product not in PRODUCTS:
        raise simcred.InvalidRequest("invalid", f"product must be one of {', '.join(PRODUCTS)}, not {product!r}")
    module = importlib.import_module(f"dlubal.api.{product}")
    if settings.get("host"):
        kw.setdefault("url", settings["host"])
    if settings.get("port"):
        kw.setdefault("port", int(settings["port"]))
    ca = (settings.get("tls_ca_bundle") or "").strip()
    if ca:
        kw.setdefault("ssl", True)
        kw.setdefault("ssl_file", "" if ca == "system" else ca)
    value = simcred.key(p["name"], name)
    return module.Application(api_key_value=value, **kw)
