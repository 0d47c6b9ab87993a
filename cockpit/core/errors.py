"""Error helpers: one line of an exception for a person, and database URLs without their secrets."""

from __future__ import annotations

from sqlalchemy.engine import make_url


def first_line(value: object, limit: int = 200) -> str:
    """The first line of an exception (or its driver's original error), at most `limit` characters."""
    orig = getattr(value, "orig", None)
    text = str(orig or value).strip().splitlines()
    return text[0][:limit] if text else type(value).__name__


def safe_url(url: str) -> str:
    """A database URL fit to show: the password masked, or a placeholder when it cannot be parsed."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL may still hold a secret: show none of it
        return "<invalid URL>"
