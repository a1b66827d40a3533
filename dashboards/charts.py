"""Small hand-written SVG charts: no chart library, no CDN. Every mark is a drill-down link."""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


def _n(value: float) -> str:
    return f"{value:.1f}"


def bar_chart(rows: list[dict], *, value: str, label: str, width: int = 480, height: int = 200) -> SafeString:
    """Vertical bars, one per row; each row needs `value`, `label`, `url` and optionally `category`."""
    pad_left, pad_bottom, pad_top = 30, 34, 16
    values = [r[value] or 0 for r in rows]
    top = max(values + [1])
    slot = (width - pad_left) / max(len(rows), 1)
    plot_h = height - pad_bottom - pad_top
    bars = []
    for i, row in enumerate(rows):
        v = row[value] or 0
        h = plot_h * v / top
        x = pad_left + i * slot + slot * 0.15
        y = pad_top + plot_h - h
        bars.append(
            format_html(
                '<a href="{}"><g class="cat-{}"><title>{}: {}</title>'
                '<rect class="bar" x="{}" y="{}" width="{}" height="{}" rx="2"></rect>'
                '<text x="{}" y="{}" text-anchor="middle">{}</text>'
                '<text x="{}" y="{}" text-anchor="middle">{}</text></g></a>',
                row["url"],
                row.get("category", ""),
                row[label],
                v,
                _n(x),
                _n(y),
                _n(slot * 0.7),
                _n(max(h, 0.5)),
                _n(x + slot * 0.35),
                _n(y - 3),
                v,
                _n(x + slot * 0.35),
                height - pad_bottom + 14,
                str(row[label])[:10],
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
    pad_left, pad_bottom, pad_top, pad_right = 34, 30, 12, 10
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
    step = max(1, len(rows) // 6)
    for i, r in enumerate(rows):
        if i % step == 0:
            x, _y = xy(i, 0)
            parts.append(
                format_html('<text x="{}" y="{}" text-anchor="middle">{}</text>', _n(x), height - 10, r[label])
            )
    return format_html(
        '<svg viewBox="0 0 {} {}" role="img">{}</svg>', width, height, mark_safe("".join(str(p) for p in parts))
    )
