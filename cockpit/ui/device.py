"""What kind of screen asks: a phone, a tablet or a desk, from the request's User-Agent and client hints.

Streamlit does not tell the server the viewport width, and a map's zoom is fixed on the server
(deck.gl draws the initial view state at the container's size). So the maps are fitted to the
width a phone or tablet will give them, and a phone opening the bare app gets the phone home.
The layout itself (cards stacking, columns wrapping, tap targets) is CSS and needs none of this.
"""

from __future__ import annotations

import re

import streamlit as st

PHONE, TABLET, DESK = "phone", "tablet", "desk"
_TABLET = re.compile(r"iPad|Tablet|PlayBook|Silk|Android(?!.*Mobi)", re.I)  # iPads say "Mobile" too: asked first
_PHONE = re.compile(r"iPhone|iPod|Mobi|Windows Phone", re.I)

# The width (CSS px) a map gets on each kind of screen: a 360–430 px phone less the page's
# padding; a 768–834 px portrait tablet's map column. The desk keeps the maps' own default.
MAP_WIDTH = {PHONE: 350, TABLET: 440}
PHONE_MAP_HEIGHT = 420  # px: a 844-px phone still shows the page above and below the map


def classify(user_agent: str | None, mobile_hint: str | None = None) -> str:
    """phone, tablet or desk from a User-Agent string and the Sec-CH-UA-Mobile hint ("?1" on phones)."""
    ua = user_agent or ""
    if _TABLET.search(ua):
        return TABLET
    if (mobile_hint or "").strip() == "?1" or _PHONE.search(ua):
        return PHONE
    return DESK


def kind() -> str:
    """The kind of screen of this session's browser (desk when there is no request, as in AppTest)."""
    try:
        headers = st.context.headers
        return classify(headers.get("User-Agent"), headers.get("Sec-CH-UA-Mobile"))
    except Exception:  # noqa: BLE001 - no request context (AppTest, bare mode): the desk layout
        return DESK


def map_width(default: int) -> int:
    """The width to fit a map's view into, in CSS px."""
    return MAP_WIDTH.get(kind(), default)


def map_height(default: int) -> int:
    return min(default, PHONE_MAP_HEIGHT) if kind() == PHONE else default
