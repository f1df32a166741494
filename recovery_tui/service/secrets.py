"""Keeps secrets out of text: a registry of known secret values and a scrubber.

Every secret the process learns (an alias's secret key or session token) is
registered here when it is read; `redact()` replaces each registered value, and
anything shaped like `user:secret@` in a URL, before text reaches a message,
log line, journal record, report or screen.
"""

from __future__ import annotations

import re
import threading

_lock = threading.Lock()
_known: set[str] = set()
_URL_USERINFO = re.compile(r"(?P<scheme>https?://)(?P<user>[^:/@\s]*):(?P<secret>[^@\s/]+)@")
MASK = "********"


def register(value: str) -> None:
    """Remember `value` as a secret (values shorter than 4 characters are ignored)."""
    if value and len(value) >= 4:
        with _lock:
            _known.add(value)


def redact(text: str) -> str:
    """Return `text` with every registered secret and URL credential masked."""
    if not text:
        return text
    text = _URL_USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", text)
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for value in known:
        if value in text:
            text = text.replace(value, MASK)
    return text


class Secret:
    """A string that never shows itself in `str()`, `repr()` or f-strings."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        register(value)

    def reveal(self) -> str:
        """The real value, for signing only."""
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return MASK
