"""Score charts as PNG pictures for the Word documents, with their alternative text.

Word has no inline SVG that every reader opens, so the chart's own SVG (the
same template the pages and PDFs draw) is rasterised by CairoSVG at twice its
size and added as a picture whose description (docPr descr) is the chart's
alternative text.

CairoSVG would look the chart's font up by name through fontconfig, so the
picture (and the .docx's SHA-256) would depend on the fonts installed on the
machine. Its text is set instead in the shipped Liberation Sans files
(reports/fonts.py), loaded by path: the same data gives the same PNG anywhere.
"""

from io import BytesIO

from django.template.loader import render_to_string
from docx.shared import Mm

from risks.charts import ScoreChart

SCALE = 2  # pixels per SVG unit: sharp when printed at 150 mm


def chart_png(chart: ScoreChart) -> bytes:
    """Return the chart drawn as a PNG, its text in the shipped fonts."""
    from . import raster  # imported here: only the Word exports need CairoSVG

    svg = render_to_string("charts/_score_chart.svg", {"chart": chart})
    return raster.svg_to_png(svg, scale=SCALE)


def add_chart(document, chart: ScoreChart, *, width_mm: float = 150) -> None:
    """Add the chart as a picture in its own paragraph, described for screen readers."""
    run = document.add_paragraph().add_run()
    shape = run.add_picture(BytesIO(chart_png(chart)), width=Mm(width_mm))
    shape._inline.docPr.set("descr", chart.alt)
    shape._inline.docPr.set("title", chart.title)
