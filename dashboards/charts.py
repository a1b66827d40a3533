"""Small hand-written SVG charts: no chart library, no CDN. Every mark is a drill-down link."""

import math

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

FONT_PX = 11  # .chart text in dashboards.css


def _n(value: float) -> str:
    return f"{value:.1f}"


def text_width(text: str) -> float:
    """Rough width of `text` at FONT_PX: Hangul and other wide characters are about one em, the
    rest a bit over half. Good enough to keep labels from running into each other."""
    return sum(FONT_PX if ord(ch) >= 0x1100 else FONT_PX * 0.6 for ch in text)


def fit_label(text: str, width: float, max_lines: int = 2) -> list[str]:
    """`text` broken at spaces into at most `max_lines` lines no wider than `width`; the last line
    is cut with an ellipsis if the text still does not fit."""
    words, lines, current = text.split(), [], ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if current and text_width(candidate) > width and len(lines) < max_lines - 1:
            lines.append(current)
            current = word
        else:
            current = candidate
    lines.append(current)
    last = lines[-1]
    if text_width(last) > width:
        while last and text_width(last + "…") > width:
            last = last[:-1]
        lines[-1] = last + "…"
    return lines


def label_step(labels: list[str], slot: float, gap: float = 8) -> int:
    """Show every n-th axis label so that neighbours never touch (n ≥ 1)."""
    widest = max((text_width(label) for label in labels), default=0)
    return max(1, math.ceil((widest + gap) / max(slot, 1)))


def bar_chart(
    rows: list[dict], *, value: str, label: str, width: int = 480, height: int = 200, thin_labels: bool = False
) -> SafeString:
    """Vertical bars, one per row; each row needs `value`, `label`, `url` and optionally `category`.

    Labels are wrapped onto two lines (categories) or, with thin_labels, only every n-th is shown
    (a time axis), so that they never overlap; the full label is always in the bar's tooltip.
    """
    pad_left, pad_top = 30, 16
    slot = (width - pad_left) / max(len(rows), 1)
    step = label_step([str(r[label]) for r in rows], slot) if thin_labels else 1
    wrapped = [[str(r[label])] if thin_labels else fit_label(str(r[label]), slot - 6) for r in rows]
    lines = max((len(w) for w in wrapped), default=1)
    pad_bottom = 20 + 13 * lines
    values = [r[value] or 0 for r in rows]
    top = max(values + [1])
    plot_h = height - pad_bottom - pad_top
    bars = []
    for i, row in enumerate(rows):
        v = row[value] or 0
        h = plot_h * v / top
        x = pad_left + i * slot + slot * 0.15
        y = pad_top + plot_h - h
        centre = _n(x + slot * 0.35)
        text = ""
        if i % step == 0:
            text = format_html_join(
                "",
                '<tspan x="{}" dy="{}">{}</tspan>',
                ((centre, 0 if n == 0 else 13, part) for n, part in enumerate(wrapped[i])),
            )
        bars.append(
            format_html(
                '<a href="{}"><g class="cat-{}"><title>{}: {}</title>'
                '<rect class="bar" x="{}" y="{}" width="{}" height="{}" rx="2"></rect>'
                '<text x="{}" y="{}" text-anchor="middle">{}</text>'
                '<text class="axis-label" x="{}" y="{}" text-anchor="middle">{}</text></g></a>',
                row["url"],
                row.get("category", ""),
                row[label],
                v,
                _n(x),
                _n(y),
                _n(slot * 0.7),
                _n(max(h, 0.5)),
                centre,
                _n(y - 3),
                v,
                centre,
                height - pad_bottom + 14,
                text,
            )
        )
    return format_html(
        '<svg viewBox="0 0 {} {}" role="img" aria-label="{}">'
        '<line class="grid" x1="{}" y1="{}" x2="{}" y2="{}"></line>{}</svg>',
        width,
        height,
        label,
        pad_left,
        height - pad_bottom,
        width,
        height - pad_bottom,
        mark_safe("".join(bars)),
    )


def line_chart(
    rows: list[dict], *, series: list[tuple[str, str]], label: str, width: int = 480, height: int = 200
) -> SafeString:
    """One polyline per (key, css class) in `series`, points linking to each row's `url`."""
    pad_left, pad_bottom, pad_top, pad_right = 34, 30, 12, 22
    plot_w, plot_h = width - pad_left - pad_right, height - pad_bottom - pad_top
    top = max([r[key] or 0 for r in rows for key, _css in series] + [1])
    n = max(len(rows) - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return pad_left + plot_w * i / n, pad_top + plot_h - plot_h * (v or 0) / top

    parts = [
        format_html('<line class="grid" x1="{}" y1="{}" x2="{}" y2="{}"></line>', pad_left, y, width - pad_right, y)
        for y in (pad_top, pad_top + plot_h / 2, pad_top + plot_h)
    ]
    parts.append(format_html('<text x="2" y="{}">{}</text>', pad_top + 4, round(top, 1)))
    parts.append(format_html('<text x="2" y="{}">0</text>', pad_top + plot_h))
    for key, css in series:
        points = " ".join("{:.1f},{:.1f}".format(*xy(i, r[key])) for i, r in enumerate(rows) if r[key] is not None)
        parts.append(format_html('<polyline class="{}" points="{}"></polyline>', css, points))
        parts.append(
            format_html_join(
                "",
                '<a href="{}"><circle cx="{}" cy="{}" r="3.5" class="{}-dot"><title>{}: {}</title></circle></a>',
                (
                    (r["url"], *map(_n, xy(i, r[key])), css, r[label], r[key])
                    for i, r in enumerate(rows)
                    if r[key] is not None
                ),
            )
        )
    step = label_step([str(r[label]) for r in rows], plot_w / n)
    for i, r in enumerate(rows):
        if i % step == 0:
            x, _y = xy(i, 0)
            parts.append(
                format_html(
                    '<text class="axis-label" x="{}" y="{}" text-anchor="middle">{}</text>',
                    _n(x),
                    height - 10,
                    r[label],
                )
            )
    return format_html(
        '<svg viewBox="0 0 {} {}" role="img">{}</svg>', width, height, mark_safe("".join(str(p) for p in parts))
    )
