"""The brief as a PDF, typeset by Typst (the `typst` wheel bundles the compiler: no TeX, no browser, no service).

The brief's words never pass through Typst markup: the document is a fixed template that reads
the brief from a JSON file (`json("brief.json")`), so a unit called `*#[x]` prints as it is. Typst
embeds (subsets) the fonts it uses; it is given the Noto CJK folder, and before compiling the
brief checks that a CJK family is there — a missing font would otherwise print empty boxes.
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
from pathlib import Path

import typst

from cockpit.core.texts.brief import bt
from cockpit.domain.brief import Brief
from cockpit.views.brief_tables import figure_width_pt
from cockpit.views.images import FONT_DIRS, FontMissing

SERIF = "Noto Serif CJK SC"
SANS = "Noto Sans CJK SC"
TEXT_WIDTH_PT = (210 - 2 * 23) / 25.4 * 72  # A4 less the template's 2.3 cm margins

TEMPLATE = r"""
#let d = json("brief.json")
#set document(title: d.title, author: d.source)
#set page(paper: "a4", margin: (x: 2.3cm, top: 2.4cm, bottom: 2.2cm),
  footer: context align(center, text(size: 9pt, fill: luma(90))[#counter(page).display("1 / 1", both: true)]))
#set text(font: (d.serif, d.sans), size: 11pt, lang: d.lang, region: d.region)
#set par(justify: true, leading: 0.85em, spacing: 0.9em)
#show heading: set text(font: (d.sans, d.serif), weight: "bold")
#show heading.where(level: 1): it => block(above: 1.4em, below: 0.8em, text(size: 15pt, it.body))
#show heading.where(level: 2): it => block(above: 1.0em, below: 0.6em, text(size: 12pt, it.body))
#show figure.caption: set text(size: 9.5pt)
#show figure: set block(breakable: false)

#align(center, text(font: (d.sans, d.serif), size: 22pt, weight: "bold", fill: rgb("#c00000"), d.title))
#v(0.2em)
#align(center, text(size: 13pt, d.issue))
#v(0.2em)
#align(center, text(size: 10pt, d.source + "　　" + d.made))
#line(length: 100%, stroke: 1.2pt + rgb("#c00000"))
#text(size: 10pt, d.period) \
#text(size: 10pt, d.as_of)
#if d.demo != "" [ #par(text(fill: rgb("#c00000"), weight: "bold", d.demo)) ]

#for s in d.sections [
  #heading(level: 1, s.heading)
  #for b in s.blocks [
    #if b.kind == "h2" [ #heading(level: 2, b.text) ]
    #if b.kind == "p" [ #par(first-line-indent: (amount: 2em, all: true), b.text) ]
    #if b.kind == "note" [ #par(text(size: 9.5pt, fill: luma(80), b.text)) ]
    #if b.kind == "table" [
      #figure(kind: table, supplement: none, numbering: none,
        caption: figure.caption(position: top, b.caption),
        text(size: if b.columns.len() > 8 { 7.5pt } else { 8.5pt }, table(
          columns: b.columns.len(),
          align: (x, y) => if y == 0 { center + horizon } else if b.numeric.at(x) { right + horizon } else { left + horizon },
          fill: (x, y) => if y == 0 { luma(232) },
          stroke: 0.5pt + luma(120),
          inset: (x: 4pt, y: 3pt),
          table.header(..b.columns.map(c => text(weight: "bold", font: (d.sans, d.serif), c))),
          ..b.rows.flatten(),
        )))
      #if b.note != "" [ #text(size: 8.5pt, fill: luma(80), b.note) ]
    ]
    #if b.kind == "figure" [
      #figure(image(b.file, width: b.width * 1pt), supplement: none, numbering: none, caption: b.caption)
    ]
  ]
]
"""


def font_dirs() -> list[str]:
    wanted = [os.environ.get("COCKPIT_FONT_DIR", ""), *FONT_DIRS]
    return [d for d in dict.fromkeys(wanted) if d and Path(d).is_dir()]


@functools.cache
def check_fonts(dirs: tuple[str, ...]) -> None:
    """Raise FontMissing unless Typst finds the CJK families the template names (once per process and folders)."""
    families = set(typst.Fonts(include_system_fonts=True, include_embedded_fonts=True, font_paths=list(dirs)).families())
    if SERIF not in families and SANS not in families:
        raise FontMissing(f"no font '{SERIF}' or '{SANS}' for the PDF brief: install fonts-noto-cjk or set "
                          "COCKPIT_FONT_DIR to a folder holding a CJK font")


def _model(brief: Brief, folder: Path) -> dict:
    """The brief as the template reads it; figures written beside it as PNG files."""
    tables = figures = 0
    sections = []
    for s in brief.sections:
        blocks = []
        for b in s.blocks:
            if b.kind == "table" and b.grid is not None:
                tables += 1
                g = b.grid
                blocks.append({"kind": "table", "caption": bt("br_table", brief.lang, n=tables, title=g.title),
                               "columns": list(g.columns), "rows": [list(r) for r in g.rows],
                               "numeric": list(g.numeric or (False,) * len(g.columns)), "note": g.note})
            elif b.kind == "figure" and b.figure is not None:
                figures += 1
                name = f"figure{figures}.png"
                (folder / name).write_bytes(b.figure.png)
                blocks.append({"kind": "figure", "file": name, "width": figure_width_pt(b.figure.png, TEXT_WIDTH_PT),
                               "caption": bt("br_figure", brief.lang, n=figures, title=b.figure.title)})
            else:
                blocks.append({"kind": b.kind, "text": b.text})
        sections.append({"heading": s.heading, "blocks": blocks})
    return {"title": brief.title, "issue": brief.issue, "period": brief.period, "as_of": brief.as_of,
            "made": brief.made, "source": brief.source, "demo": brief.demo, "sections": sections,
            "lang": "zh" if brief.lang == "zh" else "en", "region": "cn" if brief.lang == "zh" else "gb",
            "serif": SERIF, "sans": SANS}


def pdf_bytes(brief: Brief) -> bytes:
    """The brief typeset as an A4 PDF with its CJK font embedded."""
    dirs = font_dirs()
    check_fonts(tuple(dirs))
    with tempfile.TemporaryDirectory(prefix="cockpit-brief-") as tmp:
        folder = Path(tmp)
        (folder / "brief.json").write_text(json.dumps(_model(brief, folder), ensure_ascii=False), encoding="utf-8")
        (folder / "main.typ").write_text(TEMPLATE, encoding="utf-8")
        out = typst.compile(str(folder / "main.typ"), root=str(folder), font_paths=dirs, format="pdf")
    assert isinstance(out, bytes)
    return out
