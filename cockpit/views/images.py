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


def _spec(chart: alt.TopLevelMixin, font: str) -> dict:
    spec = chart.to_dict()
    spec["config"] = {**spec.get("config", {}), **export_config(font)}
    return spec


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


def png_bytes(chart: alt.TopLevelMixin, font: str = CJK_FAMILY, scale: int = PNG_SCALE) -> bytes:
    check_font(font)
    return vl_convert.vegalite_to_png(_spec(chart, font), scale=scale)


def svg_text(chart: alt.TopLevelMixin, font: str = CJK_FAMILY) -> str:
    """An SVG whose text names its font family: a viewer needs a CJK font installed to show it."""
    check_font(font)
    return vl_convert.vegalite_to_svg(_spec(chart, font))
