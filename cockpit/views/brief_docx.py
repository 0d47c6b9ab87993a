"""The brief as a Word document (python-docx): A4, real Heading 1/2 styles, real tables, charts as pictures.

Word and WPS pick the font of Chinese text from the run's `w:eastAsia` font, not from its Latin
name: every style the brief uses names one (宋体 for the body, 黑体 for headings and the title —
fonts every Chinese Windows and WPS has; LibreOffice on Linux substitutes Noto CJK), and the theme
font attributes the default template carries are removed so they cannot win over it.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor

from cockpit.core.texts.brief import bt
from cockpit.domain.brief import Brief, Grid
from cockpit.views.brief_tables import figure_width_pt

BODY_EAST = "宋体"
HEAD_EAST = "黑体"
LATIN = "Times New Roman"
HEAD_LATIN = "Arial"
RED = RGBColor(0xC0, 0x00, 0x00)
BLACK = RGBColor(0, 0, 0)
TEXT_WIDTH = Cm(16.0)  # A4 less 2.5 cm margins


def set_fonts(target: object, latin: str, east_asia: str) -> None:
    """Name the Latin and the East Asian font of a style or run (w:rFonts ascii/hAnsi/eastAsia), themes removed."""
    element = target.element if hasattr(target, "element") else target._element  # type: ignore[attr-defined]
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    for attr, name in (("w:ascii", latin), ("w:hAnsi", latin), ("w:eastAsia", east_asia), ("w:cs", latin)):
        fonts.set(qn(attr), name)


def _styles(doc: Document) -> None:
    styles = doc.styles
    normal = styles["Normal"]
    normal.font.size = Pt(12)
    set_fonts(normal, LATIN, BODY_EAST)
    normal.paragraph_format.line_spacing = 1.35
    normal.paragraph_format.space_after = Pt(4)
    for name, size in (("Title", 22), ("Heading 1", 16), ("Heading 2", 13), ("Caption", 10.5)):
        style = styles[name]
        style.font.size = Pt(size)
        style.font.color.rgb = RED if name == "Title" else BLACK
        style.font.bold = name != "Caption"
        style.font.italic = False
        set_fonts(style, HEAD_LATIN if name != "Caption" else LATIN, HEAD_EAST if name != "Caption" else BODY_EAST)
    title_ppr = styles["Title"].element.pPr
    border = title_ppr.find(qn("w:pBdr")) if title_ppr is not None else None
    if border is not None:  # the default template's blue rule under a title: the masthead has its own red one
        title_ppr.remove(border)
    styles["Heading 1"].paragraph_format.space_before = Pt(14)
    styles["Heading 2"].paragraph_format.space_before = Pt(8)
    # the language Word checks and breaks lines in
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    normal.element.get_or_add_rPr().append(lang)


def _a4(doc: Document) -> None:
    for section in doc.sections:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Cm(2.5)
        section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.3)


def _rule(paragraph: object) -> None:
    """A red line under the masthead (a paragraph bottom border), as a 简报 carries."""
    ppr = paragraph._p.get_or_add_pPr()  # type: ignore[attr-defined]
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "4"), ("w:color", "C00000")):
        bottom.set(qn(key), value)
    border.append(bottom)
    ppr.append(border)


def _centered(doc: Document, text: str, size: float | None = None, style: str | None = None) -> object:
    para = doc.add_paragraph(text, style=style)
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if size is not None:
        for run in para.runs:
            run.font.size = Pt(size)
    return para


def _repeat_header(row: object) -> None:
    trpr = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    trpr.append(header)


def _table(doc: Document, grid: Grid, number: int, lang: str) -> None:
    caption = doc.add_paragraph(bt("br_table", lang, n=number, title=grid.title), style="Caption")
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.paragraph_format.keep_with_next = True
    table = doc.add_table(rows=1, cols=len(grid.columns))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    numeric = grid.numeric or (False,) * len(grid.columns)
    size = Pt(8) if len(grid.columns) > 8 else Pt(9.5)  # a wide table in smaller type, still inside the margins
    for i, name in enumerate(grid.columns):
        c = table.rows[0].cells[i]
        c.text = name
        para = c.paragraphs[0]
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for run in para.runs:
            run.font.bold = True
            run.font.size = size
            set_fonts(run, HEAD_LATIN, HEAD_EAST)
    _repeat_header(table.rows[0])
    for values in grid.rows:
        cells = table.add_row().cells
        for i, value in enumerate(values):
            cells[i].text = value
            para = cells[i].paragraphs[0]
            para.alignment = WD_ALIGN_PARAGRAPH.RIGHT if numeric[i] else WD_ALIGN_PARAGRAPH.LEFT
            para.paragraph_format.line_spacing = 1.0
            para.paragraph_format.space_after = Pt(0)
            for run in para.runs:
                run.font.size = size
    if grid.note:
        doc.add_paragraph(grid.note).runs[0].font.size = Pt(9)
    else:
        doc.add_paragraph().paragraph_format.space_after = Pt(2)


def docx_bytes(brief: Brief) -> bytes:
    """The brief as a .docx: masthead, sections with Heading 1 / Heading 2, paragraphs, tables and figures."""
    doc = Document()
    _a4(doc)
    _styles(doc)
    lang = brief.lang
    props = doc.core_properties
    props.title, props.author, props.subject = brief.title, brief.source, brief.period
    props.language = "zh-CN" if lang == "zh" else "en-GB"
    doc.add_paragraph(brief.title, style="Title").alignment = WD_ALIGN_PARAGRAPH.CENTER
    _centered(doc, brief.issue, 14)
    _rule(_centered(doc, f"{brief.source}　　{brief.made}", 10.5))
    for line in (brief.period, brief.as_of):
        doc.add_paragraph(line).runs[0].font.size = Pt(10.5)
    if brief.demo:
        demo = doc.add_paragraph(brief.demo)
        demo.runs[0].font.bold = True
        demo.runs[0].font.color.rgb = RED
    tables = figures = 0
    for section in brief.sections:
        doc.add_heading(section.heading, level=1)
        for block in section.blocks:
            if block.kind == "h2":
                doc.add_heading(block.text, level=2)
            elif block.kind == "p":
                para = doc.add_paragraph(block.text)
                para.paragraph_format.first_line_indent = Pt(24)  # two characters, as Chinese prose is set
                para.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            elif block.kind == "note":
                para = doc.add_paragraph(block.text)
                para.runs[0].font.size = Pt(10)
                para.runs[0].font.color.rgb = RGBColor(0x59, 0x59, 0x59)
            elif block.kind == "table" and block.grid is not None:
                tables += 1
                _table(doc, block.grid, tables, lang)
            elif block.kind == "figure" and block.figure is not None:
                figures += 1
                pic = doc.add_paragraph()
                pic.alignment = WD_ALIGN_PARAGRAPH.CENTER
                pic.paragraph_format.keep_with_next = True
                width = Pt(figure_width_pt(block.figure.png, TEXT_WIDTH.pt))
                pic.add_run().add_picture(io.BytesIO(block.figure.png), width=width)
                caption = doc.add_paragraph(bt("br_figure", lang, n=figures, title=block.figure.title), style="Caption")
                caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
