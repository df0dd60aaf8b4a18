"""The exceptions of the simcred package: one class per family of the core's error codes.

Every error SimCred reports carries the core's stable code (``e.code``) and a sentence a person can
act on (``e.message``); ``error_for(code, message)`` picks the class from ``CLASSES``."""

from __future__ import annotations


class SimcredError(Exception):
    """Anything SimCred could not do. ``code`` is the core's error code, ``message`` its sentence."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message


class BinaryNotFound(SimcredError):
    """The ``simcred`` program is not installed where the package looks for it."""


class UnknownProfile(SimcredError):
    """No such profile (also: one a project file names that does not exist)."""


class NoProfile(SimcredError):
    """No profile was named and no ``.simcred.toml`` says which one to use (or it names several)."""


class ProjectFileError(SimcredError):
    """The project file ``.simcred.toml`` is malformed; the message names the file and line."""


class NoSuchKey(SimcredError):
    """The profile has no such key, no key at all, or several and no default."""


class NotSignedIn(SimcredError):
    """A sign-in profile has no (working) token: sign in again with ``simcred login``."""


class KeyringLocked(SimcredError):
    """The OS keyring is locked: unlock it (log in to the desktop) and try again."""


class StoreError(SimcredError):
    """The keyring or a team store failed, refused or is offline."""


class NetworkError(SimcredError):
    """A server could not be reached or answered with an error."""


class NotSupported(SimcredError):
    """The profile's service cannot do this (keys of a sign-in service, tokens of a key service)."""


class InvalidRequest(SimcredError):
    """SimCred did not understand the request, or a value in it is not acceptable."""


# The core's error codes (crates/core/src/error.rs, Error::code) and their classes.
CLASSES: dict[str, type[SimcredError]] = {
    "unknown_profile": UnknownProfile,
    "no_profile": NoProfile,
    "project_file": ProjectFileError,
    "unknown_key": NoSuchKey,
    "no_keys": NoSuchKey,
    "no_default_key": NoSuchKey,
    "key_name_needed": NoSuchKey,
    "secret_missing": NoSuchKey,
    "not_signed_in": NotSignedIn,
    "token_dead": NotSignedIn,
    "no_client_token": NotSignedIn,
    "expired": NotSignedIn,
    "keyring_locked": KeyringLocked,
    "keyring": StoreError,
    "store_unauthorized": StoreError,
    "permission_denied": StoreError,
    "store_offline": StoreError,
    "store_not_found": StoreError,
    "malformed_secret": StoreError,
    "conflict": StoreError,
    "network": NetworkError,
    "unauthorized": NetworkError,
    "auth": NetworkError,
    "not_supported": NotSupported,
    "invalid": InvalidRequest,
    "settings": InvalidRequest,
    "unknown_setting": InvalidRequest,
    "binary_not_found": BinaryNotFound,
}


def error_for(code: str, message: str) -> SimcredError:
    """The exception for one of the core's error codes (``SimcredError`` itself for others)."""
    return CLASSES.get(code, SimcredError)(code, message)
