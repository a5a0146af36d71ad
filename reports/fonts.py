"""The fonts the paper and the register report print with, shipped with the app.

They live under static/fonts/ with their licences and are declared with
@font-face in css/paper.css under names of our own ("Paper Sans", "Paper
Symbols"), so that WeasyPrint embeds these files whatever fonts the machine has
installed: the same data gives the same PDF bytes on any machine. Liberation
Sans has Arial's metrics; DejaVu Sans supplies the glyphs Liberation Sans lacks
(★). The Word documents name the same families (reports/docx_parts.py).
"""

# Static paths, as the stylesheet's url()s resolve them.
FONT_FILES = (
    "fonts/LiberationSans-Regular.ttf",
    "fonts/LiberationSans-Bold.ttf",
    "fonts/LiberationSans-Italic.ttf",
    "fonts/LiberationSans-BoldItalic.ttf",
    "fonts/DejaVuSans.ttf",
    "fonts/DejaVuSans-Bold.ttf",
)
LICENCES = ("fonts/LICENSE-LiberationSans.txt", "fonts/LICENSE-DejaVuSans.txt")

# The families as Word knows them (the files' own family names).
TEXT_FAMILY = "Liberation Sans"
SYMBOL_FAMILY = "DejaVu Sans"


# Characters the documents print that Liberation Sans has no glyph for
# (tests/reports/test_demo_documents.py checks every shipped face with fontTools).
SYMBOL_CHARACTERS = frozenset("★")
