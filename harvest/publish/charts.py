"""Self-contained SVG charts (no script, no network): studies per year by treatment, designs over
time, new studies per month. Data queries first, then pure SVG builders."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape

from harvest.publish.evidence import AGGREGATE_MS, base_where

PALETTE = (
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#393b79", "#637939",
)  # fmt: skip
WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 34
MONTHS = 24


async def fetch_chart_data(db: Any) -> dict:
    """Rows for the three charts, over the finder's default set (on-topic, human, no notices)."""
    where = " and ".join(base_where({}))
    by_treatment = await db.execute(
        "select pub_year, m.value, count(*) from studies, json_each(studies.modalities) m where "
        f"{where} and json_valid(studies.modalities) and pub_year is not null group by 1, 2",
        custom_time_limit=AGGREGATE_MS,
    )
    by_design = await db.execute(
        f"select pub_year, design, count(*) from studies where {where}"
        " and pub_year is not null group by 1, 2",
        custom_time_limit=AGGREGATE_MS,
    )
    new = await db.execute(
        "select substr(first_seen, 1, 7), count(*) from studies where deleted = 0"
        " and first_seen is not null group by 1 order by 1 desc limit ?",
        [MONTHS],
        custom_time_limit=AGGREGATE_MS,
    )
    return {
        "by_treatment": [tuple(r) for r in by_treatment.rows],
        "by_design": [tuple(r) for r in by_design.rows],
        "new_by_month": sorted(tuple(r) for r in new.rows),
    }


def _series(rows: Sequence[tuple], labels: Mapping) -> dict[str, dict]:
    """{label: {x: n}} in taxonomy order; untagged rows under "Not tagged"."""
    found: dict[str, dict] = {}
    for x, key, n in rows:
        found.setdefault(key, {})[x] = n
    order = [slug for slug in labels if slug in found] + [k for k in found if k not in labels]
    return {(labels.get(k) or [k or "Not tagged"])[0]: found[k] for k in order}


def _nice_max(value: int) -> int:
    """The smallest 4 x step (step 1, 2, 5, 10, 20, 25, 50 ...) at or above value: whole ticks."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000):
        if value <= step * 4:
            return step * 4
    return -(-value // 4) * 4


def _legend_rows(legend: Mapping[str, str]) -> list[list[tuple[float, str, str]]]:
    """Legend entries laid out left to right, wrapping before the right edge."""
    rows: list[list] = [[]]
    x = LEFT
    for name, colour in legend.items():
        width = 22 + 7 * len(name)
        if rows[-1] and x + width > WIDTH - RIGHT:
            rows.append([])
            x = LEFT
        rows[-1].append((x, name, colour))
        x += width + 12
    return [r for r in rows if r]


def _frame(title: str, xs: Sequence, top: int, body: list, legend: Mapping[str, str]) -> Markup:
    """Axes, gridlines, x labels, legend and the body, as one <svg> with a title."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    legend_rows = _legend_rows(legend)
    parts = [
        f'<svg class="ec-chart" viewBox="0 0 {WIDTH} {HEIGHT + 20 * len(legend_rows)}"'
        f' role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(5):
        value = top * i // 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="ec-grid"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" class="ec-axis" text-anchor="end">{value}</text>'
        )
    every = max(1, (len(xs) + 11) // 12)
    for i, x in enumerate(xs):
        if i % every == 0 or i == len(xs) - 1:
            cx = LEFT + plot_w * (i + 0.5) / max(len(xs), 1)
            parts.append(
                f'<text x="{cx:.1f}" y="{HEIGHT - BOTTOM + 16}" class="ec-axis"'
                f' text-anchor="middle">{escape(str(x))}</text>'
            )
    parts += body
    for row, entries in enumerate(legend_rows):
        ly = HEIGHT + 6 + 20 * row
        for lx, name, colour in entries:
            parts.append(
                f'<rect x="{lx:.0f}" y="{ly - 9}" width="10" height="10" fill="{colour}"/>'
                f'<text x="{lx + 14:.0f}" y="{ly}" class="ec-legend">{escape(name)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(title: str, series: Mapping[str, Mapping], xs: Sequence) -> Markup:
    """One line per series over xs, each point titled with its exact value."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _nice_max(max((n for s in series.values() for n in s.values()), default=0))
    body, legend = [], {}
    for k, (name, values) in enumerate(series.items()):
        colour = PALETTE[k % len(PALETTE)]
        legend[name] = colour
        points = []
        for i, x in enumerate(xs):
            n = values.get(x, 0)
            px = LEFT + plot_w * (i + 0.5) / len(xs)
            py = TOP + plot_h - plot_h * n / top
            points.append(f"{px:.1f},{py:.1f}")
            body.append(
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}">'
                f"<title>{escape(name)}, {escape(str(x))}: {n}</title></circle>"
            )
        line = " ".join(points)
        body.insert(0, f'<polyline fill="none" stroke="{colour}" class="ec-line" points="{line}"/>')
    return _frame(title, xs, top, body, legend)


def bar_chart(title: str, series: Mapping[str, Mapping], xs: Sequence) -> Markup:
    """Stacked bars over xs (one stack per x), each segment titled with its exact value."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    totals = [sum(s.get(x, 0) for s in series.values()) for x in xs]
    top = _nice_max(max(totals, default=0))
    slot = plot_w / max(len(xs), 1)
    body, legend = [], {}
    stacked = [0] * len(xs)
    for k, (name, values) in enumerate(series.items()):
        colour = PALETTE[k % len(PALETTE)]
        legend[name] = colour
        for i, x in enumerate(xs):
            n = values.get(x, 0)
            if not n:
                continue
            h = plot_h * n / top
            y = TOP + plot_h - plot_h * stacked[i] / top - h
            stacked[i] += n
            x0 = LEFT + slot * i + slot * 0.15
            body.append(
                f'<rect x="{x0:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}"'
                f' height="{h:.1f}" fill="{colour}"><title>{escape(name)}, {escape(str(x))}: {n}'
                "</title></rect>"
            )
    if len(series) == 1:
        legend = {}
    return _frame(title, xs, top, body, legend)


def year_range(rows: Sequence[tuple]) -> list[int]:
    """Every year from the first to the last that has studies."""
    years = [r[0] for r in rows if isinstance(r[0], int)]
    return list(range(min(years), max(years) + 1)) if years else []


def build_charts(data: Mapping, labels: Mapping) -> list[dict]:
    """The three charts as {"title", "svg", "caption"}; a chart without data says so."""
    years = year_range([*data["by_treatment"], *data["by_design"]])
    months = [m for m, _ in data["new_by_month"]]
    charts = [
        {
            "id": "chart-treatments",
            "title": "Studies per year by treatment",
            "svg": line_chart(
                "Studies per year by treatment",
                _series(data["by_treatment"], labels.get("modalities") or {}),
                years,
            )
            if years
            else None,
            "caption": "On-topic studies in people, by year of publication; a study of two "
            "treatments counts for each.",
        },
        {
            "id": "chart-designs",
            "title": "Study designs over time",
            "svg": bar_chart(
                "Study designs over time",
                _series(data["by_design"], labels.get("design") or {}),
                years,
            )
            if years
            else None,
            "caption": "On-topic studies in people per year, stacked by design.",
        },
        {
            "id": "chart-new",
            "title": "New studies per month",
            "svg": bar_chart(
                "New studies per month", {"New studies": dict(data["new_by_month"])}, months
            )
            if months
            else None,
            "caption": f"Studies added to the catalog each month (last {MONTHS} months with any).",
        },
    ]
    return charts
