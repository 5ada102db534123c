"""QR codes as inline SVG: the drawn modules are exactly segno's symbol, printed >= 25 mm."""

import re
import xml.etree.ElementTree as ET

import segno

from web.ui.qr import QUIET_ZONE, qr_svg

URL = "https://fairdraw.example.gov.cn/check/Zk3q9TfV7wXy2LmN4pQr8sUv"


def modules_from_svg(svg: str) -> list[list[bool]]:
    """Rebuild the module grid from the path's 1-high rectangles `Mx yhNv1h-Nz`."""
    root = ET.fromstring(svg)
    size = int(root.get("viewBox").split()[2])
    grid = [[False] * size for _ in range(size)]
    path = root.find("{http://www.w3.org/2000/svg}path").get("d")
    runs = re.findall(r"M(\d+) (\d+)h(\d+)v1h-(\d+)z", path)
    assert "".join(f"M{x} {y}h{n}v1h-{m}z" for x, y, n, m in runs) == path
    for x, y, n, m in runs:
        assert n == m
        for dx in range(int(n)):
            assert not grid[int(y)][int(x) + dx], "modules drawn twice"
            grid[int(y)][int(x) + dx] = True
    return grid


def test_svg_draws_exactly_the_symbol_segno_makes_for_the_text():
    svg = str(qr_svg(URL))
    grid = modules_from_svg(svg)
    symbol = segno.make(URL, error="m", micro=False, boost_error=False)
    expected = [[bool(m) for m in row] for row in symbol.matrix]
    n = len(expected)
    assert len(grid) == n + 2 * QUIET_ZONE
    # the quiet zone is empty, the inside is the symbol module for module
    inner = [row[QUIET_ZONE : QUIET_ZONE + n] for row in grid[QUIET_ZONE : QUIET_ZONE + n]]
    assert inner == expected
    assert sum(map(sum, grid)) == sum(map(sum, expected))
    # another text gives another symbol
    assert modules_from_svg(str(qr_svg(URL + "x"))) != grid


def test_svg_is_sized_for_print_and_accessible():
    root = ET.fromstring(str(qr_svg(URL)))
    assert root.get("width") == "30mm" and root.get("height") == "30mm"
    assert root.get("role") == "img" and root.get("aria-label") == URL
    assert root.get("shape-rendering") == "crispEdges"
    assert ET.fromstring(str(qr_svg(URL, width_mm=10))).get("width") == "25mm"  # never smaller
    assert not [e for e in root.iter() if "style" in e.attrib]


def test_title_is_escaped():
    svg = str(qr_svg(URL, title='<script>"扫码"</script>'))
    assert "<script>" not in svg
    assert ET.fromstring(svg).find("{http://www.w3.org/2000/svg}title").text == (
        '<script>"扫码"</script>'
    )
