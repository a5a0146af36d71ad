"""The pieces both Word documents are made of: page, marking, fields, tables, text.

The paper (reports/docx_paper.py) and the register report
(reports/docx_register.py) are written from the same document objects as their
PDFs; this module only knows Word. Three things matter beyond the layout:

- The protective marking is in the header and the footer of every page, beside
  "Page n of N" (PAGE and NUMPAGES fields, which Word fills in on opening).
- The fonts are the PDF's, named by their own family names (reports/fonts.py):
  Liberation Sans, with DejaVu Sans for the few glyphs it lacks. Word offers
  Arial (same metrics) where Liberation Sans is not installed.
- The bytes are reproducible: the document properties' dates come from the data
  and the zip entries carry a fixed time, so the same data gives the same file
  (and the same SHA-256), as the PDFs do.
"""

import copy
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.sax.saxutils import escape as xml_escape

import docx
from docx.document import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree
from lxml import html as lxml_html

from .fonts import SYMBOL_CHARACTERS, SYMBOL_FAMILY, TEXT_FAMILY

INK = RGBColor(0x0B, 0x0C, 0x0C)
# The heat maps' band colours and the table headers' grey, as in css/paper.css.
BAND_FILLS = {
    "low": "CCE2D8",
    "medium": "FFF7BF",
    "high": "FCD6C3",
    "very_high": "F4CDC6",
}
HEADER_FILL = "F3F2F1"
# Zip entries are dated like this whatever the day of the render (the earliest
# date a zip can hold), so that the bytes depend on the data alone.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
MARKER_INDENT = Mm(12)  # room for paragraph numbers and list markers


@dataclass(frozen=True)
class Page:
    """A4 portrait with the document's margins (as its PDF stylesheet has them)."""

    top: float
    right: float
    bottom: float
    left: float

    @property
    def text_width(self) -> int:
        return Mm(210 - self.left - self.right)


@dataclass(frozen=True)
class Properties:
    """The document properties Word shows under File > Info."""

    title: str
    author: str
    subject: str
    keywords: str  # the protective marking
    created: datetime
    modified: datetime
    category: str = ""


# --- Fonts and styles -----------------------------------------------------------


def _set_fonts(rpr, family: str) -> None:
    """Name one family for every script; drop theme fonts, which would win."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in list(fonts.attrib):
        if attribute.lower().endswith("theme"):  # asciiTheme ... and cstheme
            del fonts.attrib[attribute]
    for script in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(script), family)


def _style_rpr(style):
    return style.element.get_or_add_rPr()


FONT_TABLE_ENTRY = (
    '<w:font {ns} w:name="{name}"><w:altName w:val="Arial"/>'
    '<w:panose1 w:val="{panose}"/><w:charset w:val="00"/>'
    '<w:family w:val="swiss"/><w:pitch w:val="variable"/></w:font>'
)
PANOSE = {TEXT_FAMILY: "020B0604020202020204", SYMBOL_FAMILY: "020B0603030804020204"}


def _declare_fonts(document: Document) -> None:
    """List the families in the font table, with Arial as the substitute."""
    part = next(
        p
        for p in document.part.package.iter_parts()
        if p.partname.endswith("/fontTable.xml")
    )
    table = parse_xml(part.blob)
    for name, panose in PANOSE.items():
        table.append(
            parse_xml(
                FONT_TABLE_ENTRY.format(ns=nsdecls("w"), name=name, panose=panose)
            )
        )
    # The font table is a plain part to python-docx: replace its bytes.
    part._blob = etree.tostring(
        table, xml_declaration=True, encoding="UTF-8", standalone=True
    )


# (style, size in points, bold, italic, space before, space after)
STYLES = (
    ("Normal", 11, None, None, 0, 6),
    ("Title", 16, True, False, 0, 4),
    ("Heading 1", 13, True, False, 12, 6),
    ("Heading 2", 12, True, False, 9, 4),
    ("Heading 3", 11, True, False, 8, 3),
    ("Heading 4", 11, True, False, 6, 3),
    ("Header", 9, None, None, 0, 0),
    ("Footer", 9, None, None, 0, 0),
)


def _set_styles(document: Document, body_size: float) -> None:
    defaults = document.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rpr, TEXT_FAMILY)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-GB")
    for name, size, bold, italic, before, after in STYLES:
        style = document.styles[name]
        _set_fonts(_style_rpr(style), TEXT_FAMILY)
        style.font.size = Pt(body_size if name == "Normal" else size)
        style.font.color.rgb = INK
        if bold is not None:
            style.font.bold = bold
        if italic is not None:
            style.font.italic = italic
        style.paragraph_format.space_before = Pt(before)
        style.paragraph_format.space_after = Pt(after)
        if name in ("Header", "Footer"):
            # The template's tab stops suit Letter paper; ours are set per page.
            tabs = style.element.get_or_add_pPr().find(qn("w:tabs"))
            if tabs is not None:
                tabs.getparent().remove(tabs)
        if name == "Title":
            # The built-in Title has a rule under it and a huge size.
            ppr = style.element.get_or_add_pPr()
            border = ppr.find(qn("w:pBdr"))
            if border is not None:
                ppr.remove(border)
            style.font.all_caps = False
            spacing = _style_rpr(style).find(qn("w:spacing"))
            if spacing is not None:
                _style_rpr(style).remove(spacing)


def new_document(
    page: Page, properties: Properties, *, body_size: float = 11
) -> Document:
    """Start an A4 document in the shipped fonts, with its properties set."""
    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(page.top), Mm(page.bottom)
    section.left_margin, section.right_margin = Mm(page.left), Mm(page.right)
    section.header_distance = section.footer_distance = Mm(10)
    _set_styles(document, body_size)
    _declare_fonts(document)
    _set_properties(document, properties)
    return document


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0, tzinfo=None)


def _set_properties(document: Document, properties: Properties) -> None:
    core = document.core_properties
    core.title = properties.title
    core.author = properties.author
    core.subject = properties.subject
    core.keywords = properties.keywords
    core.category = properties.category
    core.comments = ""
    core.language = "en-GB"
    core.last_modified_by = properties.author
    core.revision = 1
    # From the data, never the clock: same data, same bytes.
    core.created = _utc(properties.created)
    core.modified = _utc(properties.modified)
    core.last_printed = _utc(properties.modified)


# --- Running header and footer ----------------------------------------------------


def _field(paragraph: Paragraph, instruction: str, shown: str, *, bold=False) -> None:
    """Add a field (PAGE, NUMPAGES) that Word updates, showing `shown` until then."""

    def run_with(element):
        run = paragraph.add_run()
        run.bold = bold
        run._r.append(element)
        return run

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    run_with(text)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run_with(separate)
    paragraph.add_run(shown).bold = bold
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def _three_columns(paragraph: Paragraph, width: int) -> None:
    stops = paragraph.paragraph_format.tab_stops
    stops.add_tab_stop(width // 2, WD_TAB_ALIGNMENT.CENTER)
    stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)


def running_texts(
    document: Document, page: Page, *, left: str, marking: str, right: str
) -> None:
    """Print `left`, the marking and `right` on top and the marking and page below.

    Every page: one section, no different first page, so no page goes unmarked.
    """
    section = document.sections[0]
    section.different_first_page_header_footer = False
    width = page.text_width
    header = section.header.paragraphs[0]
    _three_columns(header, width)
    header.add_run(f"{left}\t")
    header.add_run(marking).bold = True
    header.add_run(f"\t{right}")
    footer = section.footer.paragraphs[0]
    _three_columns(footer, width)
    footer.add_run(f"{left}\t")
    footer.add_run(marking).bold = True
    footer.add_run("\tPage ")
    _field(footer, "PAGE", "1")
    footer.add_run(" of ")
    _field(footer, "NUMPAGES", "1")


# --- Text -----------------------------------------------------------------------


# Characters XML 1.0 cannot hold (user text pasted from elsewhere may have them).
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Drop the control characters a Word document cannot hold."""
    return NOT_IN_XML.sub("", text)


def add_text(paragraph: Paragraph, text: str, *, bold=None, italic=None) -> None:
    """Add text in runs, giving the glyphs Liberation Sans lacks to DejaVu Sans."""
    text = xml_safe(text or "")
    if not text:
        return
    start = 0
    for index, char in enumerate(text):
        if char in SYMBOL_CHARACTERS:
            _run(paragraph, text[start:index], bold, italic)
            symbol = _run(paragraph, char, bold, italic)
            _set_fonts(symbol._r.get_or_add_rPr(), SYMBOL_FAMILY)
            start = index + 1
    _run(paragraph, text[start:], bold, italic)


def _run(paragraph: Paragraph, text: str, bold, italic):
    if not text:
        return None
    run = paragraph.add_run(text)
    if bold:
        run.bold = True
    if italic:
        run.italic = True
    return run


def paragraph(
    container,
    text: str = "",
    *,
    style: str | None = None,
    bold=None,
    italic=None,
    align=None,
    size: float | None = None,
    before: float | None = None,
    after: float | None = None,
) -> Paragraph:
    """Add a paragraph of plain text to a document or table cell."""
    para = container.add_paragraph()
    if style:
        set_style(para, style)
    add_text(para, text, bold=bold, italic=italic)
    if align == "center":
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if size is not None:
        for run in para.runs:
            run.font.size = Pt(size)
    fmt = para.paragraph_format
    if before is not None:
        fmt.space_before = Pt(before)
    if after is not None:
        fmt.space_after = Pt(after)
    return para


# Word's ids of the built-in styles used here. Setting the id directly spares
# python-docx a search of the style sheet by name for every paragraph.
STYLE_IDS = {
    "Normal": "Normal",
    "Title": "Title",
    **{f"Heading {level}": f"Heading{level}" for level in range(1, 10)},
}


def set_style(para: Paragraph, name: str) -> None:
    para._p.get_or_add_pPr().style = STYLE_IDS[name]


def heading(container, text: str, level: int) -> Paragraph:
    """Add a heading (Word's Heading n styles: the navigation pane lists them)."""
    return paragraph(container, text, style=f"Heading {min(max(level, 1), 9)}")


def labelled(container, label: str, text: str) -> Paragraph:
    """Add "Label: text" with the label in bold."""
    para = container.add_paragraph()
    add_text(para, label, bold=True)
    add_text(para, f" {text}")
    return para


def page_break(document: Document) -> None:
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def keep_with_next(para: Paragraph) -> Paragraph:
    para.paragraph_format.keep_with_next = True
    return para


def hanging(para: Paragraph, marker: str, indent: int = MARKER_INDENT, left=0) -> None:
    """Put a marker (1.1, a., •) in a hanging indent before the paragraph's text."""
    fmt = para.paragraph_format
    fmt.left_indent = left + indent
    fmt.first_line_indent = -indent
    fmt.tab_stops.add_tab_stop(left + indent)
    first = para.runs[0] if para.runs else None
    run = para.add_run(f"{marker}\t")
    if first is not None:
        first._r.addprevious(run._r)


# --- Markdown sections (their sanitised HTML) ------------------------------------


LETTERS = "abcdefghijklmnopqrstuvwxyz"
ROMAN = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x")


def _marker(kind: str, depth: int, index: int, lettered: bool) -> str:
    if kind == "ul":
        return "•" if depth % 2 == 0 else "◦"
    if lettered and depth == 0:
        return f"{LETTERS[index % 26]}."
    if lettered:
        return f"{ROMAN[index % 10]}."
    return f"{index + 1}."


def _collapse(text: str | None) -> str:
    """Collapse white space as HTML does (Markdown keeps the source's line ends)."""
    return re.sub(r"\s+", " ", text or "")


def _trim(para: Paragraph) -> None:
    """Drop the spaces HTML would not show at a paragraph's start and end."""
    runs = [run for run in para.runs if run.text]
    if runs:
        runs[0].text = runs[0].text.lstrip()
        runs[-1].text = runs[-1].text.rstrip()


class HtmlWriter:
    """Write a section's sanitised HTML (reports/markdown.py) as Word paragraphs.

    It knows only the tags the sanitiser keeps: p, h3, h4, ul, ol, li, strong,
    em, a, blockquote, table and its parts, br. `number` is called for each
    top-level paragraph and returns its number ("2.1"), or None for none.
    """

    def __init__(
        self,
        container,
        *,
        heading_level: int,
        number=None,
        lettered: bool = False,
        indent: int = 0,
        table_width: int = Mm(170),
    ):
        self.container = container
        self.heading_level = heading_level
        self.number = number
        self.lettered = lettered
        self.indent = indent
        self.table_width = table_width

    def write(self, html: str) -> None:
        if not html.strip():
            return
        root = lxml_html.fragment_fromstring(html, create_parent="div")
        for child in root:
            self._block(child, top=True)

    def _block(self, element, *, top=False, left=None) -> None:
        left = self.indent if left is None else left
        tag = element.tag
        if tag in ("h3", "h4"):
            level = self.heading_level + (1 if tag == "h3" else 2)
            para = heading(self.container, "", level)
            self._inline(para, element)
            keep_with_next(para)
        elif tag == "p":
            para = self.container.add_paragraph()
            self._inline(para, element)
            number = self.number() if top and self.number else None
            if number:
                hanging(para, number, left=left)
            elif left:
                para.paragraph_format.left_indent = left
        elif tag in ("ul", "ol"):
            self._list(element, depth=0, left=left)
        elif tag == "blockquote":
            for child in element:
                self._block(child, left=left + MARKER_INDENT)
        elif tag == "table":
            self._table(element)
        else:  # text the sanitiser let through outside a block
            para = self.container.add_paragraph()
            self._inline(para, element)

    def _list(self, element, *, depth: int, left: int) -> None:
        items = [li for li in element if li.tag == "li"]
        for index, item in enumerate(items):
            marker = _marker(element.tag, depth, index, self.lettered)
            para = self.container.add_paragraph()
            nested = []
            add_text(para, _collapse(item.text))
            for child in item:
                if child.tag in ("ul", "ol"):
                    nested.append(child)
                elif child.tag == "p" and not para.runs:
                    self._inline(para, child)
                elif child.tag == "p":
                    extra = self.container.add_paragraph()
                    self._inline(extra, child)
                    extra.paragraph_format.left_indent = left + MARKER_INDENT
                else:
                    self._inline_element(para, child, bold=None, italic=None)
                    add_text(para, _collapse(child.tail))
            _trim(para)
            hanging(para, marker, left=left)
            para.paragraph_format.space_after = Pt(3)
            for child in nested:
                self._list(child, depth=depth + 1, left=left + MARKER_INDENT)

    def _inline(self, para: Paragraph, element, *, bold=None, italic=None) -> None:
        self._inline_runs(para, element, bold=bold, italic=italic)
        _trim(para)

    def _inline_runs(self, para: Paragraph, element, *, bold, italic) -> None:
        add_text(para, _collapse(element.text), bold=bold, italic=italic)
        for child in element:
            self._inline_element(para, child, bold=bold, italic=italic)
            add_text(para, _collapse(child.tail), bold=bold, italic=italic)

    def _inline_element(self, para: Paragraph, child, *, bold, italic) -> None:
        if child.tag == "br":
            para.add_run().add_break()
        elif child.tag == "strong":
            self._inline_runs(para, child, bold=True, italic=italic)
        elif child.tag == "em":
            self._inline_runs(para, child, bold=bold, italic=True)
        else:  # a (printed as text with its address), or anything else: its text
            self._inline_runs(para, child, bold=bold, italic=italic)

    def _table(self, element) -> None:
        rows = [tr for tr in element.iter("tr")]
        if not rows:
            return
        columns = max(len([c for c in tr if c.tag in ("th", "td")]) for tr in rows)
        table = grid_table(self.container, columns, self.table_width)
        for tr in rows:
            cells = table.add_row().cells
            header = tr.getparent().tag == "thead"
            for cell, source in zip(
                cells, [c for c in tr if c.tag in ("th", "td")], strict=False
            ):
                para = cell.paragraphs[0]
                self._inline(para, source, bold=True if source.tag == "th" else None)
                if header:
                    shade(cell, HEADER_FILL)
            if header:
                repeat_header(table.rows[-1])
        space_after_table(self.container)


# --- Tables -----------------------------------------------------------------------


def grid_table(container, columns: int, width: int, widths=None) -> Table:
    """Add an empty bordered table (rows are added by the caller)."""
    table = container.add_table(rows=0, cols=columns)
    table._tbl.tblPr.style = "TableGrid"  # "Table Grid", without the search by name
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    widths = widths or [width // columns] * columns
    for column, column_width in zip(table.columns, widths, strict=True):
        column.width = column_width
    return table


def table_row(
    table: Table, texts, *, header=False, fills=None, size=None, first_bold=False
) -> None:
    """Add one row of plain text cells (bold and shaded in a header row)."""
    row = table.add_row()
    for index, (cell, text) in enumerate(zip(row.cells, texts, strict=True)):
        lines = str(text).split("\n")
        para = cell.paragraphs[0]
        para.paragraph_format.space_after = Pt(0)
        for number, line in enumerate(lines):
            if number:
                para.add_run().add_break()
            add_text(para, line, bold=header or (first_bold and not index) or None)
        if size is not None:
            for run in para.runs:
                run.font.size = Pt(size)
        if header:
            shade(cell, HEADER_FILL)
        elif fills and fills[index]:
            shade(cell, fills[index])
    if header:
        repeat_header(row)


def shade(cell, fill: str) -> None:
    """Fill a cell with a colour (hex RGB)."""
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def repeat_header(row) -> None:
    """Repeat the row at the top of every page the table runs onto."""
    properties = row._tr.get_or_add_trPr()
    # The schema's order: cantSplit before tblHeader.
    properties.append(OxmlElement("w:cantSplit"))
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def keep_together(table: Table) -> None:
    """Keep a short table on one page: each row's text kept with the next row's."""
    for row in table.rows[:-1]:
        for cell in row.cells:
            for para in cell.paragraphs:
                para.paragraph_format.keep_with_next = True


def space_after_table(container) -> None:
    """Add a small empty paragraph so that two tables never run together."""
    para = container.add_paragraph()
    para.paragraph_format.space_after = Pt(2)


def boxed(document: Document, width: int):
    """Add a one-cell bordered table and return its cell (the Report Summary box)."""
    table = grid_table(document, 1, width)
    cell = table.add_row().cells[0]
    cell.width = width
    return cell


def caption(container, text: str) -> Paragraph:
    """Add a table's caption above it, kept on the same page."""
    para = paragraph(container, text, bold=True, after=3)
    return keep_with_next(para)


# --- Saving ------------------------------------------------------------------------


def save(document: Document) -> bytes:
    """Return the .docx bytes, the same for the same document whatever the day."""
    raw = io.BytesIO()
    document.save(raw)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(raw.getvalue())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            fixed = zipfile.ZipInfo(entry.filename, date_time=ZIP_DATE)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            target.writestr(fixed, source.read(entry.filename))
    return out.getvalue()


# --- Many plain paragraphs at once ---------------------------------------------------


def _xml_run(text: str, *, bold=False, italic=False, size=None) -> str:
    parts_ = []
    start = 0
    for index, char in enumerate(text):
        if char in SYMBOL_CHARACTERS:
            parts_.append((text[start:index], False))
            parts_.append((char, True))
            start = index + 1
    parts_.append((text[start:], False))
    runs = []
    for chunk, symbol in parts_:
        if not chunk:
            continue
        properties = ""
        if symbol:
            properties += (
                f'<w:rFonts w:ascii="{SYMBOL_FAMILY}" w:hAnsi="{SYMBOL_FAMILY}" '
                f'w:cs="{SYMBOL_FAMILY}" w:eastAsia="{SYMBOL_FAMILY}"/>'
            )
        if bold:
            properties += "<w:b/>"
        if italic:
            properties += "<w:i/>"
        if size:
            properties += f'<w:sz w:val="{round(size * 2)}"/>'
        properties = f"<w:rPr>{properties}</w:rPr>" if properties else ""
        text = xml_escape(xml_safe(chunk))
        runs.append(f'<w:r>{properties}<w:t xml:space="preserve">{text}</w:t></w:r>')
    return "".join(runs)


def xml_paragraph(
    runs, *, style: str | None = None, keep_next=False, size=None, after=None
) -> str:
    """Return one paragraph as WordprocessingML; runs are (text, bold, italic).

    For documents of thousands of paragraphs (a register of 1,000 risks): a
    string per paragraph, parsed once, is many times faster than python-docx's
    objects, and gives the same XML.
    """
    properties = ""
    if style:
        properties += f'<w:pStyle w:val="{STYLE_IDS[style]}"/>'
    if keep_next:
        properties += "<w:keepNext/>"
    if after is not None:
        properties += f'<w:spacing w:after="{round(after * 20)}"/>'
    properties = f"<w:pPr>{properties}</w:pPr>" if properties else ""
    text = "".join(
        _xml_run(run[0], bold=run[1], italic=run[2], size=size) for run in runs
    )
    return f"<w:p>{properties}{text}</w:p>"


def xml_table(
    widths,
    rows,
    *,
    header: tuple[str, ...],
    size: float | None = None,
    first_bold: bool = False,
    keep_together: bool = False,
) -> str:
    """Return a bordered table as WordprocessingML, as grid_table and table_row make.

    `widths` are the columns' widths (Mm(...)); each row is a sequence of cells,
    a cell being plain text or a list of (text, bold, italic) runs; a row of one
    cell spans every column. The header row is bold, shaded and repeated on
    every page the table runs onto. `keep_together` keeps the table on one page
    (with the paragraph before it) where it fits, as the PDF does.
    """
    twips = [round(width / 635) for width in widths]  # EMU to twentieths of a point
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in twips)
    properties = (
        '<w:tblPr><w:tblStyle w:val="TableGrid"/>'
        f'<w:tblW w:w="{sum(twips)}" w:type="dxa"/><w:jc w:val="left"/>'
        '<w:tblLayout w:type="fixed"/>'
        # Narrow cell margins (0.8 mm), as the PDF's padding: Word's 1.9 mm
        # would wrap "Appetite" in its 14 mm column.
        '<w:tblCellMar><w:left w:w="45" w:type="dxa"/>'
        '<w:right w:w="45" w:type="dxa"/></w:tblCellMar>'
        '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" '
        'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr>'
    )
    shading = f'<w:shd w:val="clear" w:color="auto" w:fill="{HEADER_FILL}"/>'

    def row_xml(cells, *, is_header: bool, last: bool) -> str:
        keep = keep_together and not last
        spans = len(cells) == 1 and len(twips) > 1
        out = []
        for index, cell in enumerate(cells):
            runs = [(cell, False, False)] if isinstance(cell, str) else cell
            if is_header or (first_bold and not index):
                runs = [(text, True, italic) for text, _, italic in runs]
            width = sum(twips) if spans else twips[index]
            cell_properties = f'<w:tcW w:w="{width}" w:type="dxa"/>'
            if spans:
                cell_properties += f'<w:gridSpan w:val="{len(twips)}"/>'
            if is_header:
                cell_properties += shading
            paragraph = xml_paragraph(runs, keep_next=keep, size=size, after=0)
            out.append(f"<w:tc><w:tcPr>{cell_properties}</w:tcPr>{paragraph}</w:tc>")
        row_properties = "<w:cantSplit/>" + (
            '<w:tblHeader w:val="true"/>' if is_header else ""
        )
        return f"<w:tr><w:trPr>{row_properties}</w:trPr>{''.join(out)}</w:tr>"

    body = [row_xml(header, is_header=True, last=not rows)]
    body += [
        row_xml(cells, is_header=False, last=number == len(rows) - 1)
        for number, cells in enumerate(rows)
    ]
    return f"<w:tbl>{properties}<w:tblGrid>{grid}</w:tblGrid>{''.join(body)}</w:tbl>"


class ShapeIds:
    """Hand out the drawing ids a document's pictures need, unique in the document.

    python-docx finds the next id by searching the whole document each time; a
    register adds a picture per risk, so the search is made once here.
    """

    def __init__(self, document: Document):
        self._next = document.part.next_id

    def next(self) -> int:
        value = self._next
        self._next += 1
        return value


PICTURE_URI = "http://schemas.openxmlformats.org/drawingml/2006/picture"


def xml_picture(
    rid: str,
    width: int,
    height: int,
    *,
    shape_id: int,
    alt: str,
    title: str,
    keep_next: bool = False,
) -> str:
    """Return a paragraph holding an inline picture (as python-docx's add_picture).

    `rid` is the image's relationship (document.part.get_or_add_image); `alt`
    becomes the picture's description, which screen readers announce.
    """

    def attribute(text: str) -> str:
        return xml_escape(xml_safe(text), {'"': "&quot;", "\n": "&#10;"})

    extent = f'cx="{width}" cy="{height}"'
    keep = "<w:pPr><w:keepNext/></w:pPr>" if keep_next else ""
    return (
        f"<w:p>{keep}<w:r><w:drawing>"
        '<wp:inline distT="0" distB="0" distL="0" distR="0">'
        f"<wp:extent {extent}/>"
        f'<wp:docPr id="{shape_id}" name="Picture {shape_id}" '
        f'descr="{attribute(alt)}" title="{attribute(title)}"/>'
        '<wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect="1"/>'
        "</wp:cNvGraphicFramePr>"
        f'<a:graphic><a:graphicData uri="{PICTURE_URI}"><pic:pic>'
        '<pic:nvPicPr><pic:cNvPr id="0" name="image.png"/><pic:cNvPicPr/></pic:nvPicPr>'
        f'<pic:blipFill><a:blip r:embed="{rid}"/><a:stretch><a:fillRect/></a:stretch>'
        "</pic:blipFill>"
        f'<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext {extent}/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr>'
        "</pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>"
    )


def append_xml(document: Document, paragraphs: list[str]) -> None:
    """Add paragraphs (and tables, pictures) given as XML at the end of the body."""
    if not paragraphs:
        return
    body = document.element.body
    namespaces = nsdecls("w", "wp", "a", "pic", "r")
    wrapper = parse_xml(f"<w:body {namespaces}>{''.join(paragraphs)}</w:body>")
    section = body.sectPr
    for element in list(wrapper):
        # A copy, not the element itself: lxml moves a large element (a table of
        # 1,000 rows) out of another tree dozens of times slower than it copies it.
        element = copy.deepcopy(element)
        if section is not None:
            section.addprevious(element)
        else:
            body.append(element)
