"""The PDF renderer's URL fetcher: our paper stylesheet and data: URIs, nothing else."""

import io

import pytest
from pypdf import PdfReader
from weasyprint import HTML

from reports.fetcher import STATIC_BASE_URL, RefusedURL, SafeFetcher

PASSWD_LINE = "root:x:0:0"

REFUSED = [
    "file:///etc/passwd",
    "FILE:///etc/passwd",
    "http://127.0.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "https://example.org/style.css",
    "ftp://127.0.0.1/file",
    f"{STATIC_BASE_URL}css/app.css",  # a real static file, but not allow-listed
    f"{STATIC_BASE_URL}../../../../etc/passwd",
    f"{STATIC_BASE_URL}css/../../etc/passwd",
    f"{STATIC_BASE_URL}fonts/../css/app.css",
    "https://static.paper.invalid.attacker.example/css/paper.css",
]


@pytest.mark.parametrize("url", REFUSED)
def test_fetcher_refuses_files_network_and_other_static_files(url):
    with pytest.raises(ValueError):  # RefusedURL, or WeasyPrint's own refusal
        SafeFetcher().fetch(url)


def test_fetcher_refuses_with_its_own_error():
    with pytest.raises(RefusedURL):
        SafeFetcher().fetch("file:///etc/passwd")
    with pytest.raises(RefusedURL):
        SafeFetcher().fetch("http://127.0.0.1/")


def test_fetcher_serves_the_paper_stylesheet_with_a_content_type():
    response = SafeFetcher().fetch(f"{STATIC_BASE_URL}css/paper.css")
    assert response.content_type == "text/css"
    assert b"@page" in response.read()


def test_fetcher_passes_data_uris():
    response = SafeFetcher().fetch("data:text/plain;base64,aGVsbG8=")
    assert response.read() == b"hello"


def test_fetcher_does_not_follow_redirects_or_wait_long():
    fetcher = SafeFetcher()
    assert fetcher._timeout == 5
    assert fetcher._allowed_protocols == {"data"}


class RecordingFetcher(SafeFetcher):
    """Record what WeasyPrint asked for and which requests were refused."""

    def __init__(self):
        super().__init__()
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        try:
            return super().fetch(url, headers)
        except ValueError:
            self.refused.append(url)
            raise


def test_weasyprint_with_hostile_html_reads_nothing_and_does_not_crash():
    """Defence in depth: even raw HTML past the sanitiser cannot load a file."""
    hostile = f"""<!DOCTYPE html><html lang="en-GB"><head><title>t</title>
      <link rel="stylesheet" href="http://127.0.0.1/evil.css">
      <link rel="stylesheet" href="file:///etc/passwd">
      <link rel="attachment" href="file:///etc/passwd">
      <style>@import url("file:///etc/passwd");
        body {{ background: url("http://127.0.0.1/bg.png") }}</style></head>
      <body><p>Safe text</p>
      <img src="file:///etc/passwd" alt="">
      <object data="file:///etc/passwd"></object>
      <iframe src="file:///etc/passwd"></iframe>
      <img src="{STATIC_BASE_URL}../../etc/passwd" alt="">
      </body></html>"""
    fetcher = RecordingFetcher()
    pdf = HTML(string=hostile, base_url=STATIC_BASE_URL, url_fetcher=fetcher).write_pdf(
        pdf_variant="pdf/ua-1"
    )
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Safe text" in text
    assert PASSWD_LINE not in text
    assert PASSWD_LINE.encode() not in pdf
    assert b"/EmbeddedFile" not in pdf
    assert "file:///etc/passwd" in fetcher.refused
    assert "http://127.0.0.1/evil.css" in fetcher.refused


def test_fetcher_serves_the_shipped_fonts_and_not_their_neighbours():
    from reports.fonts import FONT_FILES, LICENCES

    for path in FONT_FILES:
        response = SafeFetcher().fetch(f"{STATIC_BASE_URL}{path}")
        assert response.headers["Content-Type"] == "font/ttf"
    for path in (*LICENCES, "fonts/missing.ttf", "fonts/sub/DejaVuSans.ttf"):
        with pytest.raises(RefusedURL):
            SafeFetcher().fetch(f"{STATIC_BASE_URL}{path}")


def test_workers_are_handed_the_stylesheets_and_the_fonts():
    from reports.fetcher import preloaded_resources
    from reports.fonts import FONT_FILES

    resources = preloaded_resources()
    assert set(resources) == {
        f"{STATIC_BASE_URL}{path}"
        for path in ("css/paper.css", "css/register.css", *FONT_FILES)
    }
    font = resources[f"{STATIC_BASE_URL}{FONT_FILES[0]}"]
    assert font[1] == "font/ttf" and font[0][:4] == b"\x00\x01\x00\x00"
