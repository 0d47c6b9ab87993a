"""The local users file (``COCKPIT_USERS_FILE``, default data/users.toml): users with hashed passwords, kiosk tokens.

For intranets without an identity provider. Passwords are hashed with Argon2id (argon2-cffi);
kiosk tokens are long random strings of which only the SHA-256 is kept, so the file never holds
a secret that opens the cockpit. Written atomically (a temporary file moved into place) with
owner-only permissions.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import tomli_w
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
# Verifying against this keeps an unknown name as slow as a wrong password (no user enumeration by timing).
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class UsersFileError(Exception):
    """The users file cannot be read or written."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    unit: str | None
    password_hash: str = field(repr=False)


@dataclass(frozen=True)
class Kiosk:
    id: str  # short, public: names the token in lists and revocations
    unit: str
    token_sha256: str = field(repr=False)
    created: str = ""
    note: str = ""
    children: bool = False  # may show the units below its own (rotate=children, unit= a child); off unless asked


@dataclass
class Users:
    users: dict[str, User] = field(default_factory=dict)
    kiosks: dict[str, Kiosk] = field(default_factory=dict)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User | None, password: str) -> bool:
    """Constant work whether or not the user exists."""
    try:
        return _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and user is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def find_kiosk(users: Users, token: str) -> Kiosk | None:
    digest = token_digest(token)
    for kiosk in users.kiosks.values():
        if hmac.compare_digest(kiosk.token_sha256, digest):
            return kiosk
    return None


def new_kiosk(users: Users, unit: str, note: str = "", children: bool = False) -> tuple[Kiosk, str]:
    """A kiosk for `unit` (and, with `children`, the units below it) and its token (shown once; only its digest is kept)."""
    token = secrets.token_urlsafe(32)
    kid = secrets.token_hex(4)
    while kid in users.kiosks:
        kid = secrets.token_hex(4)
    kiosk = Kiosk(kid, unit, token_digest(token), datetime.now().replace(microsecond=0).isoformat(), note,
                   children)
    users.kiosks[kid] = kiosk
    return kiosk, token


def read_users(path: Path) -> Users:
    """The file's users and kiosks; an absent file is none of either."""
    if not path.is_file():
        return Users()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsersFileError(f"{path}: {exc}") from exc
    out = Users()
    for name, u in (raw.get("users") or {}).items():
        if isinstance(u, dict):
            out.users[name] = User(name, str(u.get("role", "")), u.get("unit") or None, str(u.get("password", "")))
    for kid, k in (raw.get("kiosks") or {}).items():
        if isinstance(k, dict) and k.get("token_sha256") and k.get("unit"):
            out.kiosks[kid] = Kiosk(kid, str(k["unit"]), str(k["token_sha256"]), str(k.get("created", "")),
                                    str(k.get("note", "")), k.get("children") is True)
    return out


def write_users(path: Path, users: Users) -> None:
    doc = {
        "users": {u.name: {"role": u.role, **({"unit": u.unit} if u.unit else {}), "password": u.password_hash}
                  for u in users.users.values()},
        "kiosks": {k.id: {"unit": k.unit, "token_sha256": k.token_sha256, "created": k.created,
                          **({"note": k.note} if k.note else {}), **({"children": True} if k.children else {})}
                   for k in users.kiosks.values()},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write("# Users and kiosks of the cockpit: manage with `python -m cockpit users`.\n")
            f.write(tomli_w.dumps(doc))
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UsersFileError(f"{path}: {exc}") from exc
