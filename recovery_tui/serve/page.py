"""The browser page of `recovery-tui serve`: textual-serve's own template, made to load fully air-gapped.

textual-serve's `app_index.html` links a web font from a public CDN. `page_template()` removes that
link and declares the same font family ("Roboto Mono") from the font file textual-serve ships in its
static folder, so the page, its script (`static/js/textual.js`, shipped in the wheel) and its font all
come from this server. `external_urls(html)` lists what a page would still fetch from elsewhere.
"""

from __future__ import annotations

import re
from pathlib import Path

import textual_serve

PACKAGE = Path(textual_serve.__file__).parent
STATIC_DIR = PACKAGE / "static"
TEMPLATE = PACKAGE / "templates" / "app_index.html"

_EXTERNAL_LINK = re.compile(r"<link\b[^>]*\bhref\s*=\s*\"https?://[^\"]*\"[^>]*>", re.I | re.S)
_FETCHED = re.compile(r"\b(?:src|href)\s*=\s*\"(https?://[^\"]+)\"|url\(\s*[\"']?(https?://[^\"')]+)", re.I)

FONT_FACE = """
    <style>
      @font-face {
        font-family: "Roboto Mono";
        src: url("{{ config.static.url }}fonts/RobotoMono-VariableFont_wght.ttf") format("truetype");
        font-style: normal;
      }
      @font-face {
        font-family: "Roboto Mono";
        src: url("{{ config.static.url }}fonts/RobotoMono-Italic-VariableFont_wght.ttf") format("truetype");
        font-style: italic;
      }
    </style>
"""


def page_template() -> str:
    """textual-serve's template without external links, with the font served locally."""
    text = TEMPLATE.read_text(encoding="utf-8")
    text = _EXTERNAL_LINK.sub("", text)
    return text.replace("</head>", FONT_FACE + "  </head>", 1)


def external_urls(html: str) -> list[str]:
    """URLs a browser would fetch from another host (src/href attributes and CSS url()); XML namespaces aside."""
    return [a or b for a, b in _FETCHED.findall(html)]
