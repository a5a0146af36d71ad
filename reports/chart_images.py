"""Charts as PNG pictures for the Word documents, with their alternative text.

Word has no inline SVG that every reader opens, so the chart's own SVG (the
same template the pages and PDFs draw) is rasterised by CairoSVG and added as a
picture whose description (docPr descr) is the chart's alternative text and
whose title is the chart's title.

CairoSVG would look the chart's font up by name through fontconfig, so the
picture (and the .docx's SHA-256) would depend on the fonts installed on the
machine. Its text is set instead in the shipped Liberation Sans files
(reports/raster.py), loaded by path: the same data gives the same PNG anywhere.

A register report holds a small chart per risk, up to 1,000 of them: those are
drawn at a lower scale, and a chart whose drawing is the same as one already
drawn (same quarters, scores, target and ceiling: only its words differ, which
are not drawn) reuses that PNG, which Word then stores once.
"""

import dataclasses
from io import BytesIO

from django.template.loader import render_to_string
from docx.image.image import Image
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.parts.image import ImagePart
from docx.shared import Mm

from risks.charts import BandBarsChart, ScoreChart

from . import docx_parts as parts

SCALE = 2  # pixels per SVG unit: sharp when printed at 150 mm
# The register entries' sketches (240 × 90 units) are printed 60 mm wide:
# 1.5 gives 360 pixels, about 150 dpi, at three quarters of the bytes and time.
SMALL_SCALE = 1.5
TEMPLATES = {
    ScoreChart: "charts/_score_chart.svg",
    BandBarsChart: "charts/_band_bars.svg",
}

Chart = ScoreChart | BandBarsChart


def chart_svg(chart: Chart) -> str:
    """Return the chart's SVG, from the template the pages and PDFs use."""
    return render_to_string(TEMPLATES[type(chart)], {"chart": chart})


def chart_png(chart: Chart, *, scale: float = SCALE) -> bytes:
    """Return the chart drawn as a PNG, its text in the shipped fonts."""
    from . import raster  # imported here: only the Word exports need CairoSVG

    return raster.svg_to_png(chart_svg(chart), scale=scale)


def add_chart(document, chart: Chart, *, width_mm: float = 150) -> None:
    """Add the chart as a picture in its own paragraph, described for screen readers."""
    run = document.add_paragraph().add_run()
    shape = run.add_picture(BytesIO(chart_png(chart)), width=Mm(width_mm))
    shape._inline.docPr.set("descr", parts.xml_safe(chart.alt))
    shape._inline.docPr.set("title", parts.xml_safe(chart.title))


def _drawing(chart: ScoreChart) -> ScoreChart:
    """The chart without its words: equal for charts that draw the same pixels."""
    return dataclasses.replace(chart, title="", slug="chart")


class ChartPictures:
    """Many charts as picture paragraphs in XML, for docx_parts.append_xml."""

    def __init__(self, document, *, width_mm: float, scale: float | None = None):
        self.document = document
        self.width = Mm(width_mm)
        self.scale = scale or SMALL_SCALE
        self.shape_ids = parts.ShapeIds(document)
        self._drawn: dict[ScoreChart, tuple[str, int, int]] = {}
        self._by_bytes: dict[bytes, tuple[str, int, int]] = {}

    def _add_image(self, png: bytes) -> tuple[str, int, int]:
        """Store the PNG once; return its relationship id and its size in EMU.

        python-docx's get_or_add_image looks at every image already stored to
        name and match a new one, which for 1,000 pictures took longer than
        drawing them: the images are numbered here instead.
        """
        if png not in self._by_bytes:
            part = self.document.part
            image = Image.from_blob(png)
            name = PackURI(f"/word/media/chart{len(self._by_bytes) + 1}.png")
            image_part = ImagePart.from_image(image, name)
            part.package.image_parts.append(image_part)
            rid = part.relate_to(image_part, RT.IMAGE)
            self._by_bytes[png] = (rid, *image.scaled_dimensions(self.width))
        return self._by_bytes[png]

    def xml(self, chart: ScoreChart, *, keep_next: bool = False) -> str:
        """Return a paragraph holding the chart's picture, with its alt text."""
        key = _drawing(chart)
        if key not in self._drawn:
            self._drawn[key] = self._add_image(chart_png(chart, scale=self.scale))
        rid, width, height = self._drawn[key]
        return parts.xml_picture(
            rid,
            width,
            height,
            shape_id=self.shape_ids.next(),
            alt=chart.alt,
            title=chart.title,
            keep_next=keep_next,
        )
