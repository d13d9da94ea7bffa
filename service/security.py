"""Secrets for organisers, projects and providers: generated, shown once, stored salted-hashed.

A credential reads ``mk_<key id>.<secret>``; the key id finds the row, and only
sha256(salt + secret) is stored, compared in constant time. An organiser key given in
MATCHER_ADMIN_KEY may be any string: it is stored the same way under a fixed key id.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

PREFIX = "mk_"
ENV_KEY_ID = "organiser-env"


def new_credential() -> tuple[str, str]:
    """(key id, full credential to hand out once)."""
    key_id = secrets.token_hex(8)
    return key_id, f"{PREFIX}{key_id}.{secrets.token_urlsafe(32)}"


def split(credential: str) -> tuple[str, str]:
    """(key id, secret) of a credential; for a free-form key, (ENV_KEY_ID, the whole key)."""
    if credential.startswith(PREFIX) and "." in credential:
        key_id, secret = credential[len(PREFIX) :].split(".", 1)
        return key_id, secret
    return ENV_KEY_ID, credential


def hash_secret(secret: str, salt: str | None = None) -> tuple[str, str]:
    """(salt, hex digest)."""
    salt = salt or secrets.token_hex(16)
    return salt, hashlib.sha256((salt + secret).encode("utf-8", "surrogatepass")).hexdigest()


def verify(secret: str, salt: str, digest: str) -> bool:
    return hmac.compare_digest(hash_secret(secret, salt)[1], digest)


def fingerprint(credential: str) -> str:
    """A process-local cache key for a presented credential (never stored)."""
    return hashlib.sha256(credential.encode("utf-8", "surrogatepass")).hexdigest()
