"""Charts to PNG and SVG files through vl-convert, with a CJK font that is really there.

The trap (vl-convert 1.9): given a font family it cannot find, it draws no text at all, and
says nothing. So the font directory is registered, the family is named in the chart's config,
and before the first image a probe renders one Chinese word and checks that pixels were drawn;
without a usable font the export fails with a clear message instead of a chart without words.
"""

from __future__ import annotations

import functools
import io
import os
from pathlib import Path

import altair as alt
import vl_convert
from PIL import Image, ImageChops

from cockpit.views.charts import IMAGE_THEME

CJK_FAMILY = "Noto Sans CJK SC"  # Debian's fonts-noto-cjk
FONT_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/noto", "/usr/share/fonts/noto-cjk",
             "/usr/share/fonts/google-noto-cjk", "/usr/local/share/fonts", str(Path.home() / ".fonts"))
BACKGROUND = "#071526"  # the app's own background: the dark theme's light text stays readable off screen
PNG_SCALE = 2  # for print


class FontMissing(RuntimeError):
    """No CJK font reaches vl-convert: its images would have no text."""


def export_config(font: str = CJK_FAMILY) -> dict:
    """The screen's chart theme on an opaque background, with the CJK family named first."""
    config = {**IMAGE_THEME, "background": BACKGROUND, "font": f"{font}, {IMAGE_THEME['font']}"}
    for part in ("axis", "legend", "title", "header", "mark", "text"):
        config[part] = {**config.get(part, {}), **({"font": font} if part == "mark" else {})}
    config["axis"] = {**config["axis"], "labelFont": font, "titleFont": font}
    config["legend"] = {**config["legend"], "labelFont": font, "titleFont": font}
    config["title"] = {**config["title"], "font": font, "subtitleFont": font}
    config["header"] = {**config["header"], "labelFont": font, "titleFont": font}
    return config


def _spec(chart: alt.TopLevelMixin, font: str, theme: str = "screen") -> dict:
    spec = chart.to_dict()
    spec["config"] = {**spec.get("config", {}), **export_config(font)}
    return _for_print(spec) if theme == "print" else spec


# The print theme (the 工作简报's charts): the same chart on white paper. The screen's light inks — the
# theme's and those a builder names for its marks (the funnel's figures, 暂无数据) — become dark ones.
PRINT_BACKGROUND = "#ffffff"
PRINT_INK = {"#e8f1ff": "#1b2633", "#cfe3f7": "#33414f", "#9fb3c8": "#5b6b7b", "#1c3a57": "#dde3ea",
             "#35597a": "#8a99a8", "#ffffff": "#1b2633"}


def _for_print(node: object) -> object:
    if isinstance(node, dict):
        out = {k: _for_print(v) for k, v in node.items()}
        if "background" in out and out["background"] == BACKGROUND:
            out["background"] = PRINT_BACKGROUND
        return out
    if isinstance(node, list):
        return [_for_print(v) for v in node]
    if isinstance(node, str):
        return PRINT_INK.get(node.lower(), node)
    return node


@functools.cache
def register_fonts() -> tuple[str, ...]:
    """Register every font directory found (COCKPIT_FONT_DIR first); the directories registered."""
    wanted = [os.environ.get("COCKPIT_FONT_DIR", ""), *FONT_DIRS]
    found = tuple(d for d in dict.fromkeys(wanted) if d and Path(d).is_dir())
    for d in found:
        vl_convert.register_font_directory(d)
    return found


def drawn_pixels(png: bytes, background: str = BACKGROUND) -> int:
    """How many pixels differ from the plain background: zero means nothing was drawn."""
    with Image.open(io.BytesIO(png)) as img:
        rgb = img.convert("RGB")
        plain = Image.new("RGB", rgb.size, background)
        diff = ImageChops.difference(rgb, plain).convert("L").point(lambda v: 255 if v > 40 else 0)
        return diff.histogram()[255]


@functools.cache
def check_font(font: str = CJK_FAMILY) -> None:
    """Raise FontMissing unless `font` draws Chinese text in vl-convert (checked once per process)."""
    register_fonts()
    probe = alt.Chart(alt.Data(values=[{"x": 0}])).mark_text(text="风险预警", fontSize=28, font=font, color="#ffffff").encode()
    spec = _spec(probe.properties(width=160, height=50), font)
    if drawn_pixels(vl_convert.vegalite_to_png(spec, scale=1)) < 40:
        raise FontMissing(f"no font '{font}' for chart images: install fonts-noto-cjk or set COCKPIT_FONT_DIR "
                          "to a folder holding a CJK font")


def png_bytes(chart: alt.TopLevelMixin, font: str = CJK_FAMILY, scale: int = PNG_SCALE, theme: str = "screen") -> bytes:
    """The chart as a PNG: the screen's dark theme, or `theme="print"` (white paper, dark ink) for the brief."""
    check_font(font)
    return vl_convert.vegalite_to_png(_spec(chart, font, theme), scale=scale)


def svg_text(chart: alt.TopLevelMixin, font: str = CJK_FAMILY) -> str:
    """An SVG whose text names its font family: a viewer needs a CJK font installed to show it."""
    check_font(font)
    return vl_convert.vegalite_to_svg(_spec(chart, font))
