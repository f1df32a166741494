"""The lab's own secret scrubber for its log lines: the lab shares no module with the client service.

`Lab()` registers each site's secret key here; `redact()` masks those values, and anything shaped
like `user:secret@` in a URL, before an exception's text reaches the lab's log. (The client side
keeps its own registry in `service/secrets.py`; the two never meet, by contract.)
"""

from __future__ import annotations

import re
import threading

_lock = threading.Lock()
_known: set[str] = set()
_URL_USERINFO = re.compile(r"(?P<scheme>https?://)(?P<user>[^:/@\s]*):(?P<secret>[^@\s/]+)@")
MASK = "********"


def register(value: str) -> None:
    """Remember `value` as a lab secret (values shorter than 4 characters are ignored)."""
    if value and len(value) >= 4:
        with _lock:
            _known.add(value)


def redact(text: str) -> str:
    """Return `text` with every registered lab secret and URL credential masked."""
    if not text:
        return text
    text = _URL_USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", text)
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for value in known:
        if value in text:
            text = text.replace(value, MASK)
    return text
