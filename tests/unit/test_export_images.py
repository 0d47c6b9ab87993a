"""Chart images with Chinese text: the PNG really holds the title's pixels, the SVG its words and font.

The trap these guard: vl-convert 1.9 given a font family it cannot find draws no text at all.
So the checks look at the pixels where the title is, against the same chart without a title,
and a chart drawn with a font that does not exist must fail the same check.
"""

from __future__ import annotations

import io

import altair as alt
import pandas as pd
import pytest
import vl_convert
from PIL import Image

from cockpit.views import images

TITLE = "办理流程漏斗"


def chart(title: str | None = TITLE) -> alt.Chart:
    frame = pd.DataFrame({"stage": ["受理", "立案", "结案"], "cases": [30, 20, 10]})
    base = alt.Chart(frame, title=alt.Title(title, anchor="start", fontSize=14) if title else alt.Undefined)
    return base.mark_bar(color="#4fc3f7").encode(y=alt.Y("stage:N", title=None), x=alt.X("cases:Q", title=None)).properties(width=300, height=90)


def title_band(png: bytes) -> Image.Image:
    """The strip across the top where an anchored title is drawn (20 px at 1x)."""
    img = Image.open(io.BytesIO(png)).convert("RGB")
    scale = img.width // 300 or 1
    return img.crop((0, 0, img.width, 22 * scale))


def drawn(img: Image.Image) -> int:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return images.drawn_pixels(buf.getvalue())


def test_png_is_a_2x_image_whose_title_pixels_are_drawn() -> None:
    png = images.png_bytes(chart())
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG"
    untitled = Image.open(io.BytesIO(images.png_bytes(chart(None))))
    assert img.height > untitled.height  # the title takes room ...
    assert drawn(title_band(png)) > 150  # ... and is drawn in it


def test_the_same_check_fails_for_a_font_that_does_not_exist() -> None:
    """What the check catches: with an unknown family vl-convert leaves the title's place empty."""
    spec = chart().to_dict()
    spec["config"] = images.export_config("No Such Font Family")
    png = vl_convert.vegalite_to_png(spec, scale=2)
    assert drawn(title_band(png)) < 20
    with pytest.raises(images.FontMissing, match="fonts-noto-cjk"):
        images.check_font("No Such Font Family")


def test_svg_holds_the_title_text_and_names_its_cjk_font() -> None:
    svg = images.svg_text(chart())
    assert svg.lstrip().startswith("<svg") and TITLE in svg and "受理" in svg
    assert f'font-family="{images.CJK_FAMILY}"' in svg
