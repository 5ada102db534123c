"""Small server-rendered SVG charts (统计图): bar, line, histogram. Pure Python.

Each function returns a `Chart`: SVG `Markup` (role="img" with `<title>` and `<desc>`,
a visible title, axis labels and ticks) that also carries its numbers as `headers` and
`rows`, which the `ui.chart` macro prints as a table beneath. Colour is never the only
cue: a line chart's series also differ by dash pattern and marker and are named in a
legend. No style attributes (a strict CSP allows them not), only SVG presentation
attributes; text inherits the page's font.

    chart = charts.bar_chart(["3月", "4月"], [120, 95], title=_("Inspections per month"),
                             x_label=_("Month"), y_label=_("Inspections"))
    {{ ui.chart(chart) }}
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from decimal import Decimal

from flask_babel import gettext as _
from markupsafe import Markup

from web.ui.filters import thousands

WIDTH = 400
FONT = 14  # tick labels and values (about 12 px on a 360 px phone)
LABEL_FONT = 15  # axis labels
TITLE_FONT = 16
INK = "#1a1a1a"
AXIS = "#4d4d4d"
GRID = "#d9d9d9"
ACCENT = "#1d4f91"
PALETTE = ("#1d4f91", "#a33f00", "#2e6b30", "#6a1b9a", "#4d4d4d")
DASHES = ("", "7 4", "2 3", "9 3 2 3", "4 2")
MARKERS = ("circle", "square", "triangle", "diamond", "cross")


class Chart(Markup):
    """SVG markup plus the chart's numbers (`headers`, `rows`) and `title`."""

    title: str
    headers: list[str]
    rows: list[list[str]]
    kind: str


def _chart(svg: str, kind: str, title: str, headers: list[str], rows: list[list]) -> Chart:
    chart = Chart(svg)
    chart.kind = kind
    chart.title = str(title)
    chart.headers = [str(h) for h in headers]
    chart.rows = [[str(c) for c in row] for row in rows]
    return chart


def _fmt(value, decimals: int = 0) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer() and decimals == 0:
        decimals = 1 if abs(value) >= 10 else 2
    return thousands(value, decimals)


def text_width(text: str, size: float) -> float:
    """Estimated width: CJK and full-width characters 1 em, others about 0.6 em."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.6 for ch in str(text))


def _truncate(text: str, size: float, room: float) -> str:
    text = str(text)
    if text_width(text, size) <= room:
        return text
    while text and text_width(text + "…", size) > room:
        text = text[:-1]
    return text + "…"


def _wrap(text: str, size: float, room: float, lines: int = 2) -> list[str]:
    """Break a title into at most `lines` lines that fit `room` (the last one truncated),
    at a space where Latin text has one."""
    text, out = str(text), []
    while text and len(out) < lines - 1 and text_width(text, size) > room:
        cut = 1
        while cut < len(text) and text_width(text[: cut + 1], size) <= room:
            cut += 1
        space = text.rfind(" ", 0, cut + 1)
        if space > cut // 2:
            cut = space + 1
        out.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        out.append(_truncate(text, size, room))
    return out


def nice_ticks(lo: float, hi: float, count: int = 5, integer: bool = False) -> list[float]:
    """Round tick values covering [lo, hi]: steps of 1, 2, 2.5 or 5 times a power of ten."""
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = magnitude
    for m in (1, 2, 2.5, 5, 10):
        step = m * magnitude
        if step >= raw:
            break
    if integer:
        step = max(1, math.ceil(step))
    start = math.floor(lo / step) * step
    end = math.ceil(hi / step) * step
    n = int(round((end - start) / step))
    return [round(start + i * step, 10) for i in range(n + 1)]


def _tick_decimals(ticks: Sequence[float]) -> int:
    if len(ticks) < 2:
        return 0
    step = abs(ticks[1] - ticks[0])
    return 0 if step >= 1 and all(float(t).is_integer() for t in ticks) else 2 if step < 0.1 else 1


def _chart_id(kind: str, title: str, data) -> str:
    digest = hashlib.sha1(repr((kind, str(title), data)).encode()).hexdigest()[:8]
    return f"chart-{digest}"


def _number(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float | Decimal):
        number = float(value)
        return number if math.isfinite(number) else None
    raise TypeError(f"chart values must be numbers, not {value!r}")


class _Canvas:
    """Frame of one chart: title lines, legend rows, plot area, axis labels."""

    def __init__(self, kind, title, desc, x_label, y_label, height, width=WIDTH, chart_id=""):
        self.kind, self.width, self.height = kind, width, height
        self.id = chart_id
        self.title_lines = _wrap(title, TITLE_FONT, width - 16)
        self.title, self.desc = str(title), str(desc)
        self.x_label, self.y_label = x_label, y_label
        self.parts: list[str] = []
        self.top = 10 + len(self.title_lines) * (TITLE_FONT + 5) + 8
        self.left, self.right, self.bottom = 58, 14, 58

    def add(self, template: str, *args, **kwargs) -> None:
        self.parts.append(str(Markup(template).format(*args, **kwargs)))

    @property
    def plot_w(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_h(self) -> float:
        return self.height - self.top - self.bottom

    def frame(self) -> None:
        for i, line in enumerate(self.title_lines):
            self.add(
                '<text class="chart-title" x="{}" y="{}" font-size="{}" font-weight="bold" '
                'fill="{}">{}</text>',
                8,
                10 + TITLE_FONT + i * (TITLE_FONT + 5),
                TITLE_FONT,
                INK,
                line,
            )
        if self.x_label:
            self.add(
                '<text class="axis-label x-label" x="{}" y="{}" font-size="{}" '
                'text-anchor="middle" fill="{}">{}</text>',
                _r(self.left + self.plot_w / 2),
                self.height - 10,
                LABEL_FONT,
                INK,
                self.x_label,
            )
        if self.y_label:
            cx, cy = 16, _r(self.top + self.plot_h / 2)
            self.add(
                '<text class="axis-label y-label" x="{}" y="{}" font-size="{}" '
                'text-anchor="middle" fill="{}" transform="rotate(-90 {} {})">{}</text>',
                cx,
                cy,
                LABEL_FONT,
                INK,
                cx,
                cy,
                _truncate(self.y_label, LABEL_FONT, self.plot_h),
            )

    def svg(self) -> str:
        head = Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg chart-{kind}" '
            'viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
            'aria-labelledby="{id}-title {id}-desc">'
            '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
        ).format(
            kind=self.kind,
            w=self.width,
            h=_r(self.height),
            id=self.id,
            title=self.title,
            desc=self.desc,
        )
        return str(head) + "".join(self.parts) + "</svg>"

    def no_data(self) -> None:
        self.add(
            '<text class="no-data" x="{}" y="{}" font-size="{}" text-anchor="middle" '
            'fill="{}">{}</text>',
            _r(self.width / 2),
            _r(self.top + self.plot_h / 2),
            LABEL_FONT,
            INK,
            _("No data"),
        )

    def value_axis_y(self, ticks: Sequence[float]) -> callable:
        """Horizontal grid lines and labels of a vertical value axis; returns y(v)."""
        lo, hi = ticks[0], ticks[-1]
        decimals = _tick_decimals(ticks)

        def y(v: float) -> float:
            return self.top + self.plot_h * (1 - (v - lo) / (hi - lo))

        for t in ticks:
            self.add(
                '<line class="grid" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>',
                self.left,
                _r(y(t)),
                _r(self.left + self.plot_w),
                _r(y(t)),
                GRID,
            )
            self.add(
                '<text class="tick y-tick" x="{}" y="{}" font-size="{}" text-anchor="end" '
                'fill="{}">{}</text>',
                self.left - 6,
                _r(y(t) + FONT * 0.35),
                FONT,
                INK,
                thousands(t, decimals),
            )
        self.add(
            '<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>',
            self.left,
            self.top,
            self.left,
            _r(self.top + self.plot_h),
            AXIS,
        )
        return y

    def category_labels(self, labels: Sequence[str], centres: Sequence[float]) -> None:
        """X tick labels under the plot, thinned so that they never overlap."""
        if not labels:
            return
        slot = self.plot_w / max(1, len(labels))
        widest = max(text_width(label, FONT) for label in labels) + 6
        every = max(1, math.ceil(widest / slot)) if widest > slot else 1
        room = slot * every - 4
        baseline = self.top + self.plot_h
        self.add(
            '<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>',
            self.left,
            _r(baseline),
            _r(self.left + self.plot_w),
            _r(baseline),
            AXIS,
        )
        for i, (label, x) in enumerate(zip(labels, centres, strict=True)):
            if i % every:
                continue
            self.add(
                '<line class="tick-mark" x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="{3}"/>',
                _r(x),
                _r(baseline),
                _r(baseline + 4),
                AXIS,
            )
            self.add(
                '<text class="tick x-tick" x="{}" y="{}" font-size="{}" text-anchor="middle" '
                'fill="{}">{}</text>',
                _r(x),
                _r(baseline + 6 + FONT),
                FONT,
                INK,
                _truncate(label, FONT, room),
            )


def _r(value: float) -> str:
    """Coordinates with at most one decimal."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def bar_chart(
    labels: Sequence,
    values: Sequence,
    *,
    title: str,
    x_label: str = "",
    y_label: str = "",
    desc: str | None = None,
    horizontal: bool | None = None,
    value_header: str | None = None,
) -> Chart:
    """One bar per label. `horizontal=None` turns the bars sideways when the labels would
    not fit under them (long body names); the numbers are printed on the bars."""
    labels = [str(label) for label in labels]
    numbers = [_number(v) for v in values]
    if len(labels) != len(numbers):
        raise ValueError("bar_chart needs as many labels as values")
    headers = [x_label or _("Category"), value_header or y_label or _("Value")]
    rows = [[label, _fmt(v)] for label, v in zip(labels, values, strict=True)]
    present = [v for v in numbers if v is not None]
    if desc is None:
        desc = _summary(labels, numbers)
    chart_id = _chart_id("bar", title, (labels, numbers))
    integer = all(float(v).is_integer() for v in present)
    if horizontal is None:  # sideways when a label would not fit under its bar
        slot = (WIDTH - 72) / max(1, len(labels))
        horizontal = bool(labels) and max(text_width(x, FONT) for x in labels) > slot - 4
    if horizontal:
        svg = _horizontal_bars(labels, numbers, title, desc, x_label, y_label, chart_id, integer)
        return _chart(svg, "bar", title, headers, rows)

    canvas = _Canvas("bar", title, desc, x_label, y_label, 280, chart_id=chart_id)
    canvas.top += FONT + 2  # room for the value over the tallest bar
    canvas.height += FONT + 2
    canvas.frame()
    if not present:
        canvas.no_data()
        return _chart(canvas.svg(), "bar", title, headers, rows)
    ticks = nice_ticks(min(0.0, *present), max(0.0, *present), integer=integer)
    y = canvas.value_axis_y(ticks)
    slot = canvas.plot_w / len(labels)
    bar_w = slot * 0.7
    centres = [canvas.left + slot * (i + 0.5) for i in range(len(labels))]
    show_values = slot >= max(text_width(_fmt(v), FONT - 1) for v in present) + 2
    for label, value, x in zip(labels, numbers, centres, strict=True):
        if value is None:
            continue
        y0, y1 = sorted((y(0), y(value)))
        canvas.add(
            '<rect class="bar" x="{}" y="{}" width="{}" height="{}" fill="{}">'
            "<title>{}: {}</title></rect>",
            _r(x - bar_w / 2),
            _r(y0),
            _r(bar_w),
            _r(max(y1 - y0, 0.5)),
            ACCENT,
            label,
            _fmt(value),
        )
        if show_values:
            canvas.add(
                '<text class="value" x="{}" y="{}" font-size="{}" text-anchor="middle" '
                'fill="{}">{}</text>',
                _r(x),
                _r((y0 - 4) if value >= 0 else (y1 + FONT)),
                FONT - 1,
                INK,
                _fmt(value),
            )
    canvas.category_labels(labels, centres)
    return _chart(canvas.svg(), "bar", title, headers, rows)


def _horizontal_bars(labels, numbers, title, desc, x_label, y_label, chart_id, integer):
    """Sideways bars: the categories (named by x_label) down the left, the values (named by
    y_label) along the bottom."""
    row_h = 24
    present = [v for v in numbers if v is not None]
    label_room = min(WIDTH * 0.42, max([text_width(x, FONT) for x in labels] + [20]) + 8)
    canvas = _Canvas("bar", title, desc, y_label, "", 100, chart_id=chart_id)
    canvas.left = label_room + 8
    canvas.top += LABEL_FONT + 4 if x_label else 0  # room for the category axis' name
    canvas.height = canvas.top + max(1, len(labels)) * row_h + canvas.bottom
    canvas.frame()
    if x_label:  # the category axis' name, above the labels
        canvas.add(
            '<text class="axis-label y-label" x="{}" y="{}" font-size="{}" fill="{}">{}</text>',
            4,
            _r(canvas.top - 4),
            LABEL_FONT,
            INK,
            _truncate(x_label, LABEL_FONT, label_room),
        )
    if not present:
        canvas.no_data()
        return canvas.svg()
    ticks = nice_ticks(min(0.0, *present), max(0.0, *present), integer=integer)
    lo, hi = ticks[0], ticks[-1]

    def x(v: float) -> float:
        return canvas.left + canvas.plot_w * (v - lo) / (hi - lo)

    baseline = canvas.top + canvas.plot_h
    decimals = _tick_decimals(ticks)
    for t in ticks:
        canvas.add(
            '<line class="grid" x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="{3}"/>',
            _r(x(t)),
            _r(canvas.top),
            _r(baseline),
            GRID,
        )
        canvas.add(
            '<text class="tick x-tick" x="{}" y="{}" font-size="{}" text-anchor="middle" '
            'fill="{}">{}</text>',
            _r(x(t)),
            _r(baseline + 6 + FONT),
            FONT,
            INK,
            thousands(t, decimals),
        )
    canvas.add(
        '<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>',
        canvas.left,
        _r(baseline),
        _r(canvas.left + canvas.plot_w),
        _r(baseline),
        AXIS,
    )
    canvas.add(
        '<line class="axis" x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="{3}"/>',
        _r(x(0)),
        _r(canvas.top),
        _r(baseline),
        AXIS,
    )
    for i, (label, value) in enumerate(zip(labels, numbers, strict=True)):
        cy = canvas.top + row_h * (i + 0.5)
        canvas.add(
            '<text class="tick y-tick" x="{}" y="{}" font-size="{}" text-anchor="end" '
            'fill="{}">{}</text>',
            _r(canvas.left - 6),
            _r(cy + FONT * 0.35),
            FONT,
            INK,
            _truncate(label, FONT, label_room),
        )
        if value is None:
            continue
        x0, x1 = sorted((x(0), x(value)))
        canvas.add(
            '<rect class="bar" x="{}" y="{}" width="{}" height="{}" fill="{}">'
            "<title>{}: {}</title></rect>",
            _r(x0),
            _r(cy - row_h * 0.35),
            _r(max(x1 - x0, 0.5)),
            _r(row_h * 0.7),
            ACCENT,
            label,
            _fmt(value),
        )
        text = _fmt(value)
        inside = x1 - x0 > text_width(text, FONT - 1) + 8 and value >= 0
        canvas.add(
            '<text class="value" x="{}" y="{}" font-size="{}" text-anchor="{}" fill="{}">{}</text>',
            _r(x1 - 4 if inside else x1 + 4),
            _r(cy + FONT * 0.35),
            FONT - 1,
            "end" if inside else "start",
            "#ffffff" if inside else INK,
            text,
        )
    return canvas.svg()


def _summary(labels: Sequence[str], numbers: Sequence[float | None]) -> str:
    pairs = [(lab, v) for lab, v in zip(labels, numbers, strict=True) if v is not None]
    if not pairs:
        return _("No data")
    top = max(pairs, key=lambda p: p[1])
    return _(
        "%(n)s values; highest: %(label)s, %(value)s.",
        n=len(pairs),
        label=top[0],
        value=_fmt(top[1]),
    )


def _marker(shape: str, x: float, y: float, colour: str, tip: str, cls: str = "point") -> str:
    """A data point (or a legend swatch): circle, square, triangle, diamond or cross."""
    s = 4.5
    title = Markup("<title>{}</title>").format(tip)
    common = Markup('class="{} marker-{}" fill="{}" stroke="{}"').format(cls, shape, colour, colour)
    if shape == "circle":
        body = Markup('<circle {} cx="{}" cy="{}" r="{}">').format(common, _r(x), _r(y), s)
        return str(body + title + Markup("</circle>"))
    if shape == "square":
        return str(
            Markup('<rect {} x="{}" y="{}" width="{}" height="{}">').format(
                common, _r(x - s), _r(y - s), _r(2 * s), _r(2 * s)
            )
            + title
            + Markup("</rect>")
        )
    if shape == "triangle":
        d = f"M{_r(x)} {_r(y - s - 1)}L{_r(x + s + 1)} {_r(y + s)}L{_r(x - s - 1)} {_r(y + s)}Z"
    elif shape == "diamond":
        d = f"M{_r(x)} {_r(y - s - 1)}L{_r(x + s + 1)} {_r(y)}L{_r(x)} {_r(y + s + 1)}"
        d += f"L{_r(x - s - 1)} {_r(y)}Z"
    else:  # cross
        d = f"M{_r(x - s)} {_r(y - s)}L{_r(x + s)} {_r(y + s)}M{_r(x - s)} {_r(y + s)}"
        d += f"L{_r(x + s)} {_r(y - s)}"
        common = Markup('class="{} marker-cross" fill="none" stroke="{}" stroke-width="2.5"')
        common = common.format(cls, colour)
    return str(Markup('<path {} d="{}">').format(common, d) + title + Markup("</path>"))


def line_chart(
    x_labels: Sequence,
    series: Sequence[tuple[str, Sequence]] | dict,
    *,
    title: str,
    x_label: str = "",
    y_label: str = "",
    desc: str | None = None,
) -> Chart:
    """Several series over the same x labels (None leaves a gap). Each series has its own
    colour, dash pattern and marker, and is named in the legend."""
    x_labels = [str(x) for x in x_labels]
    pairs = list(series.items()) if isinstance(series, dict) else [tuple(s) for s in series]
    named = [(str(name), [_number(v) for v in values]) for name, values in pairs]
    for name, values in named:
        if len(values) != len(x_labels):
            raise ValueError(f"series {name!r} needs one value per x label")
    headers = [x_label or _("Category"), *[name for name, _v in named]]
    rows = [[label, *[_fmt(values[i]) for _n, values in named]] for i, label in enumerate(x_labels)]
    present = [v for _n, values in named for v in values if v is not None]
    if desc is None:
        desc = _(
            "%(series)s series over %(points)s points: %(names)s.",
            series=len(named),
            points=len(x_labels),
            names="、".join(name for name, _v in named),
        )
    chart_id = _chart_id("line", title, (x_labels, named))
    canvas = _Canvas("line", title, desc, x_label, y_label, 300, chart_id=chart_id)
    legend_rows = _legend_layout([name for name, _v in named], canvas.width - 16)
    legend_top = canvas.top - 4
    canvas.top += len(legend_rows) * 22 + 4
    canvas.height += len(legend_rows) * 22
    canvas.frame()
    for row_index, row in enumerate(legend_rows):
        for index, name, x in row:
            colour, dash, shape = _style(index)
            y = legend_top + row_index * 22 + 8
            canvas.add(
                '<g class="legend-item" data-series="{}">'
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2.5"{}/>',
                index,
                _r(x),
                _r(y),
                _r(x + 30),
                _r(y),
                colour,
                Markup(' stroke-dasharray="{}"').format(dash) if dash else "",
            )
            canvas.parts.append(_marker(shape, x + 15, y, colour, name, cls="swatch"))
            canvas.add(
                '<text x="{}" y="{}" font-size="{}" fill="{}">{}</text></g>',
                _r(x + 36),
                _r(y + FONT * 0.35),
                FONT,
                INK,
                name,
            )
    if not present or not x_labels:
        canvas.no_data()
        return _chart(canvas.svg(), "line", title, headers, rows)
    integer = all(float(v).is_integer() for v in present)
    ticks = nice_ticks(min(0.0, *present), max(0.0, *present), integer=integer)
    y = canvas.value_axis_y(ticks)
    n = len(x_labels)
    inset = min(18.0, canvas.plot_w / (2 * n))
    step = (canvas.plot_w - 2 * inset) / (n - 1) if n > 1 else 0
    if n > 1:
        xs = [canvas.left + inset + step * i for i in range(n)]
    else:
        xs = [canvas.left + canvas.plot_w / 2]
    for index, (name, values) in enumerate(named):
        colour, dash, shape = _style(index)
        segments, current = [], []
        for x, v in zip(xs, values, strict=True):
            if v is None:
                if current:
                    segments.append(current)
                current = []
            else:
                current.append((x, y(v)))
        if current:
            segments.append(current)
        d = "".join(
            "M" + "L".join(f"{_r(px)} {_r(py)}" for px, py in segment) for segment in segments
        )
        canvas.add(
            '<g class="series" data-series="{}"><path class="line" d="{}" fill="none" '
            'stroke="{}" stroke-width="2.5"{}><title>{}</title></path>',
            index,
            d,
            colour,
            Markup(' stroke-dasharray="{}"').format(dash) if dash else "",
            name,
        )
        for x, label, v in zip(xs, x_labels, values, strict=True):
            if v is not None:
                canvas.parts.append(_marker(shape, x, y(v), colour, f"{name}, {label}: {_fmt(v)}"))
        canvas.parts.append("</g>")
    canvas.category_labels(x_labels, xs)
    return _chart(canvas.svg(), "line", title, headers, rows)


def _style(index: int) -> tuple[str, str, str]:
    return (
        PALETTE[index % len(PALETTE)],
        DASHES[index % len(DASHES)],
        MARKERS[(index + index // len(MARKERS)) % len(MARKERS)],
    )


def _legend_layout(names: Sequence[str], room: float) -> list[list[tuple[int, str, float]]]:
    rows: list[list[tuple[int, str, float]]] = [[]]
    x = 8.0
    for index, name in enumerate(names):
        width = 36 + text_width(name, FONT) + 14
        if rows[-1] and x + width > room:
            rows.append([])
            x = 8.0
        rows[-1].append((index, name, x))
        x += width
    return rows if names else []


def histogram(
    values: Sequence,
    *,
    title: str,
    x_label: str = "",
    y_label: str = "",
    bins: int | Sequence[float] | None = None,
    desc: str | None = None,
) -> Chart:
    """How many values fall in each bin. Whole numbers with a range up to 30 get one bin
    per number (workload per officer); otherwise `bins` equal bins (default 10) or the
    given edges (the last bin includes its upper edge)."""
    numbers = [n for n in (_number(v) for v in values) if n is not None]
    y_label = y_label or _("Count")
    labels, counts = _bins(numbers, bins)
    headers = [x_label or _("Range"), y_label]
    rows = [[label, thousands(count)] for label, count in zip(labels, counts, strict=True)]
    if desc is None:
        desc = _(
            "%(n)s values in %(bins)s bins; the fullest bin: %(label)s, %(count)s.",
            n=thousands(len(numbers)),
            bins=len(labels),
            label=labels[counts.index(max(counts))] if counts else "—",
            count=thousands(max(counts)) if counts else "0",
        )
    chart_id = _chart_id("histogram", title, (labels, counts))
    canvas = _Canvas("histogram", title, desc, x_label, y_label, 280, chart_id=chart_id)
    canvas.top += FONT + 2  # room for the count over the fullest bin
    canvas.height += FONT + 2
    canvas.frame()
    if not numbers:
        canvas.no_data()
        return _chart(canvas.svg(), "histogram", title, headers, rows)
    ticks = nice_ticks(0, max(counts), integer=True)
    y = canvas.value_axis_y(ticks)
    slot = canvas.plot_w / len(labels)
    centres = [canvas.left + slot * (i + 0.5) for i in range(len(labels))]
    show_values = slot >= max(text_width(thousands(c), FONT - 1) for c in counts) + 2
    for label, count, x in zip(labels, counts, centres, strict=True):
        top = y(count)
        canvas.add(
            '<rect class="bar" x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="#ffffff">'
            "<title>{}: {}</title></rect>",
            _r(x - slot / 2),
            _r(top),
            _r(slot),
            _r(max(y(0) - top, 0)),
            ACCENT,
            label,
            thousands(count),
        )
        if show_values and count:
            canvas.add(
                '<text class="value" x="{}" y="{}" font-size="{}" text-anchor="middle" '
                'fill="{}">{}</text>',
                _r(x),
                _r(top - 4),
                FONT - 1,
                INK,
                thousands(count),
            )
    canvas.category_labels(labels, centres)
    return _chart(canvas.svg(), "histogram", title, headers, rows)


def _bins(numbers: list[float], bins) -> tuple[list[str], list[int]]:
    if not numbers:
        return [], []
    lo, hi = min(numbers), max(numbers)
    integer = all(n.is_integer() for n in numbers)
    if bins is None and integer and hi - lo <= 30:
        keys = list(range(int(lo), int(hi) + 1))
        counts = [0] * len(keys)
        for n in numbers:
            counts[int(n) - int(lo)] += 1
        return [thousands(k) for k in keys], counts
    if bins is None or isinstance(bins, int):
        count = max(1, bins or 10)
        if integer:
            width = max(1, math.ceil((hi - lo + 1) / count))
            starts = [int(lo) + i * width for i in range(count) if int(lo) + i * width <= hi]
            counts = [0] * len(starts)
            for n in numbers:
                counts[min(int((n - lo) // width), len(starts) - 1)] += 1
            labels = [
                thousands(s) if width == 1 else f"{thousands(s)}–{thousands(s + width - 1)}"
                for s in starts
            ]
            return labels, counts
        width = (hi - lo) / count or 1.0
        edges = [lo + i * width for i in range(count + 1)]
    else:
        edges = sorted(float(e) for e in bins)
        if len(edges) < 2:
            raise ValueError("histogram needs at least two bin edges")
    counts = [0] * (len(edges) - 1)
    for n in numbers:
        if n < edges[0] or n > edges[-1]:
            continue
        index = next((i for i in range(len(counts)) if n < edges[i + 1]), len(counts) - 1)
        counts[index] += 1
    span = edges[-1] - edges[0]
    decimals = 0 if all(float(e).is_integer() for e in edges) else (1 if span >= 10 else 2)
    labels = [
        f"{thousands(edges[i], decimals)}–{thousands(edges[i + 1], decimals)}"
        for i in range(len(counts))
    ]
    return labels, counts
