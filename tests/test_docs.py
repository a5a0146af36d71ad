"""The README stays short for a newcomer; the rest lives in docs/ and its links hold."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")
# Figures name a machine and a date, never how the work was organised.
ORGANISATION_OF_WORK = re.compile(
    r"\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|previous|"
    r"earlier|later|next|last)\s+session('s)?\b|\bsession\s+\d+\b|\bhelpers?\b",
    re.IGNORECASE,
)


def headings(page: Path) -> set[str]:
    """Return the page's heading anchors as GitHub makes them."""
    anchors, in_code = set(), False
    for line in page.read_text().splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and (found := re.match(r"#+ (.*)", line)):
            text = re.sub(r"[^\w\- ]", "", found[1].strip().lower())
            anchors.add(text.replace(" ", "-"))
    return anchors


def test_the_readme_is_what_a_newcomer_needs_in_about_120_lines():
    text = README.read_text()
    assert len(text.splitlines()) <= 120
    for section in (
        "## Two commands",
        "## Demo users",
        "## A short tour",
        "## Where to read more",
    ):
        assert section in text
    assert "make run" in text and "make test" in text
    # What to monitor in production, with the details in docs/deployment.md.
    assert "/healthz" in text and "heartbeat" in text


def test_deployment_performance_security_backup_and_the_cycle_have_pages():
    text = README.read_text()
    for page in (
        "deployment",
        "performance",
        "security",
        "backup",
        "quarterly-cycle",
    ):
        assert f"](docs/{page}.md)" in text
        assert (ROOT / "docs" / f"{page}.md").exists()


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_link_between_the_pages_leads_somewhere(page):
    broken = []
    for target in LINK.findall(page.read_text()):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        destination = (page.parent / path).resolve() if path else page
        if not destination.exists():
            broken.append(target)
        elif anchor and destination.suffix == ".md":
            if anchor not in headings(destination):
                broken.append(target)
    assert broken == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_the_pages_never_say_how_the_work_was_organised(page):
    assert ORGANISATION_OF_WORK.findall(page.read_text()) == []
