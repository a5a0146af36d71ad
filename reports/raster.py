"""SVG to PNG with CairoSVG, every text set in the shipped fonts, loaded by path.

CairoSVG selects a font by family name (cairo's "toy" font API), which
fontconfig resolves against whatever the machine has installed: "Paper Sans"
became DejaVu Sans on one machine and something else on another. Here the
drawing context answers every font selection with a cairo font face made from
the shipped Liberation Sans file of that weight and slant (fontconfig pattern
with the file's path), so no installed font is ever consulted.
"""

import ctypes.util
import functools

import cairocffi
import cairosvg.surface
import cffi
from django.contrib.staticfiles import finders

# (bold, italic) -> the shipped file (reports/fonts.py lists them all).
FACES = {
    (False, False): "fonts/LiberationSans-Regular.ttf",
    (True, False): "fonts/LiberationSans-Bold.ttf",
    (False, True): "fonts/LiberationSans-Italic.ttf",
    (True, True): "fonts/LiberationSans-BoldItalic.ttf",
}

_ffi = cffi.FFI()
_ffi.cdef(
    """
    typedef struct _FcPattern FcPattern;
    FcPattern *FcPatternCreate (void);
    int FcPatternAddString (FcPattern *p, const char *object, const unsigned char *s);
    int FcPatternAddInteger (FcPattern *p, const char *object, int i);
    void FcPatternDestroy (FcPattern *p);
    void *cairo_ft_font_face_create_for_pattern (FcPattern *pattern);
    """
)


@functools.cache
def _libraries():
    """Return (fontconfig, cairo), found as cairocffi finds cairo."""
    names = {}
    for name in ("fontconfig", "cairo"):
        found = ctypes.util.find_library(name)
        if found is None:
            raise OSError(f"lib{name} not found: it is needed to draw charts.")
        names[name] = _ffi.dlopen(found)
    return names["fontconfig"], names["cairo"]


@functools.cache
def font_face(bold: bool, italic: bool) -> cairocffi.FontFace:
    """Return a cairo font face for the shipped file of this weight and slant."""
    path = finders.find(FACES[bold, italic])
    if path is None:
        raise FileNotFoundError(f"The shipped font {FACES[bold, italic]} is missing.")
    fontconfig, cairo = _libraries()
    pattern = fontconfig.FcPatternCreate()
    try:
        fontconfig.FcPatternAddString(pattern, b"file", path.encode())
        fontconfig.FcPatternAddInteger(pattern, b"index", 0)
        pointer = cairo.cairo_ft_font_face_create_for_pattern(pattern)  # copies it
    finally:
        fontconfig.FcPatternDestroy(pattern)
    if pointer == _ffi.NULL:
        raise OSError(f"cairo could not load {path}.")
    address = int(_ffi.cast("uintptr_t", pointer))
    return cairocffi.FontFace._from_pointer(
        cairocffi.ffi.cast("cairo_font_face_t *", address), incref=False
    )


class _ShippedFontContext(cairocffi.Context):
    """A context whose font selections by name get the shipped faces."""

    def select_font_face(self, family="", slant=0, weight=0):
        self.set_font_face(
            font_face(
                weight == cairocffi.FONT_WEIGHT_BOLD,
                slant != cairocffi.FONT_SLANT_NORMAL,
            )
        )


class _ShippedFontPNGSurface(cairosvg.surface.PNGSurface):
    """CairoSVG's PNG surface drawing with _ShippedFontContext."""

    @property
    def context(self):
        return self._context

    @context.setter
    def context(self, value):
        # CairoSVG makes its context once, straight after the cairo surface.
        if not isinstance(value, _ShippedFontContext):
            value = _ShippedFontContext(self.cairo)
        self._context = value


def svg_to_png(svg: str, *, scale: float = 1) -> bytes:
    """Return the SVG drawn as a PNG, its text in the shipped Liberation Sans."""
    return _ShippedFontPNGSurface.convert(bytestring=svg.encode(), scale=scale)
