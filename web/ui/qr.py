"""QR codes as inline SVG (二维码), e.g. the inspection check page on a printed notice.

`segno` (pure Python) computes the symbol; this module draws its dark modules as one
path, with the quiet zone, at a printed width of 30 mm (at least 25 mm, as UI.md asks;
the stylesheet keeps it so in print and scales it on screen).
"""

from __future__ import annotations

import segno
from markupsafe import Markup

PRINT_WIDTH_MM = 30
QUIET_ZONE = 4  # modules, as ISO/IEC 18004 asks


def qr_matrix(data: str, error: str = "m") -> list[list[bool]]:
    """The symbol's modules, row by row (True = dark), without the quiet zone."""
    symbol = segno.make(data, error=error, micro=False, boost_error=False)
    return [[bool(m) for m in row] for row in symbol.matrix]


def qr_path(matrix: list[list[bool]], offset: int = QUIET_ZONE) -> str:
    """Each horizontal run of dark modules as a 1-module-high filled rectangle."""
    parts = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                length = x - start
                parts.append(f"M{start + offset} {y + offset}h{length}v1h-{length}z")
            else:
                x += 1
    return "".join(parts)


def qr_svg(
    data: str, *, title: str | None = None, width_mm: int = PRINT_WIDTH_MM, error: str = "m"
) -> Markup:
    """`<svg class="qr">` for `data` (a URL), `width_mm` wide (never under 25 mm)."""
    matrix = qr_matrix(data, error)
    size = len(matrix) + 2 * QUIET_ZONE
    width = max(25, int(width_mm))
    label = title if title is not None else data
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="qr-svg" viewBox="0 0 {size} {size}" '
        'width="{w}mm" height="{w}mm" role="img" aria-label="{label}" '
        'shape-rendering="crispEdges" data-modules="{modules}">'
        "<title>{label}</title>"
        '<rect width="{size}" height="{size}" fill="#ffffff"/>'
        '<path fill="#000000" d="{path}"/></svg>'
    ).format(size=size, w=width, label=label, modules=len(matrix), path=qr_path(matrix))
