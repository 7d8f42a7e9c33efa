"""Charts as SVG drawn on the server: no script, no external asset, crisp on any screen.

Each function returns a complete `<svg>` element (every text escaped) that scales to its container.
Colours follow the rubric's bands, best first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from hsdt.scoring import format_points

BAND_COLOURS = ("#1e7f3b", "#1a66c9", "#d08a00", "#c5352b", "#6b4fa0", "#00838f")
NOT_SCORED_COLOUR = "#c9cfd6"
SERIES_COLOURS = ("#1a66c9", "#1e7f3b", "#d08a00")
_FONT = 'font-family="system-ui,-apple-system,Segoe UI,Roboto,Arial,sans-serif"'
_MUTED = "#5b6775"
_GRID = "#e3e7ec"


def band_colour(index: int) -> str:
    return BAND_COLOURS[index % len(BAND_COLOURS)]


def _svg(width: int, height: int, label: str, body: str) -> str:
    return (f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" '
            f'xmlns="http://www.w3.org/2000/svg" {_FONT}><title>{escape(label)}</title>{body}</svg>')


def _axis(value: int) -> tuple[int, list[int]]:
    """A round axis top at or above `value` and its ticks (at most 5 intervals)."""
    value = max(1, value)
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000):
        intervals = -(-value // step)
        if intervals <= 5:
            return intervals * step, list(range(0, intervals * step + 1, step))
    return value, [0, value]


@dataclass(frozen=True)
class BandInfo:
    label: str
    min_points: float


def histogram(label: str, finals: Sequence[float], bands: Sequence[BandInfo], max_points: float,
              unit_label: str, empty_text: str, bin_width: float = 5.0) -> str:
    """Schools per score interval; each bar in the colour of the band its interval falls in."""
    width, height, left, right, top, bottom = 420, 230, 30, 8, 14, 44
    bins = max(1, int(max_points // bin_width))
    counts = [0] * bins
    for value in finals:
        index = min(bins - 1, max(0, int(value // bin_width)))
        counts[index] += 1
    if not finals:
        return _svg(width, 80, label, f'<text x="{width / 2}" y="45" text-anchor="middle" fill="{_MUTED}" '
                                      f'font-size="15">{escape(empty_text)}</text>')
    peak, ticks = _axis(max(counts))
    plot_w, plot_h = width - left - right, height - top - bottom
    parts: list[str] = []
    for tick in ticks:
        y = top + plot_h - plot_h * tick / peak
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{_GRID}"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
                     f'fill="{_MUTED}">{tick}</text>')
    bar_w = plot_w / bins
    ordered = sorted(enumerate(bands), key=lambda b: -b[1].min_points)
    for index, count in enumerate(counts):
        low = index * bin_width
        band_index = next((i for i, b in ordered if low >= b.min_points), len(bands) - 1)
        x = left + index * bar_w
        h = plot_h * count / peak
        if count:
            parts.append(
                f'<rect x="{x + 1.5:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 3:.1f}" height="{h:.1f}" '
                f'rx="2" fill="{band_colour(band_index)}"><title>{escape(format_points(low))}–'
                f'{escape(format_points(low + bin_width))}: {count} {escape(unit_label)}</title></rect>'
                f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h - h - 4:.1f}" text-anchor="middle" '
                f'font-size="11" fill="#1d2733">{count}</text>')
        if index % 2 == 0:
            parts.append(f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle" font-size="11" '
                         f'fill="{_MUTED}">{escape(format_points(low))}</text>')
    parts.append(f'<text x="{width - right:.1f}" y="{height - bottom + 16}" text-anchor="end" font-size="11" '
                 f'fill="{_MUTED}">{escape(format_points(max_points))}</text>')
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#9aa4af"/>')
    parts.append(_legend([(b.label, band_colour(i)) for i, b in enumerate(bands)], left, height - 8))
    return _svg(width, height, label, "".join(parts))


def _legend(items: Sequence[tuple[str, str]], x: float, y: float) -> str:
    parts = []
    for name, colour in items:
        parts.append(f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="11" height="11" rx="2" fill="{colour}"/>'
                     f'<text x="{x + 15:.1f}" y="{y:.1f}" font-size="11.5" fill="#1d2733">{escape(name)}</text>')
        x += 15 + 6.4 * len(name) + 12
    return "".join(parts)


@dataclass(frozen=True)
class UnitBands:
    name: str
    counts: Mapping[str, int]  # band label -> schools
    not_scored: int


def bands_per_unit(label: str, units: Sequence[UnitBands], band_labels: Sequence[str], not_scored_label: str,
                   empty_text: str, more_text: str = "", limit: int = 30) -> str:
    """One bar per unit (its name above it), split by band; grey for schools without a final score yet."""
    width, left, right, row_h, top = 420, 4, 30, 40, 4
    shown = list(units[:limit])
    if not shown:
        return _svg(width, 80, label, f'<text x="{width / 2}" y="45" text-anchor="middle" fill="{_MUTED}" '
                                      f'font-size="14">{escape(empty_text)}</text>')
    legend_y = top + row_h * len(shown) + 20
    height = legend_y + (10 if not more_text else 30)
    widest = max(sum(u.counts.values()) + u.not_scored for u in shown) or 1
    plot_w = width - left - right
    parts: list[str] = []
    for row, unit in enumerate(shown):
        y = top + row * row_h
        parts.append(f'<text x="{left}" y="{y + 13}" font-size="12.5" fill="#1d2733">{escape(unit.name)}</text>')
        x = float(left)
        segments = [(b, unit.counts.get(b, 0), band_colour(i)) for i, b in enumerate(band_labels)]
        segments.append((not_scored_label, unit.not_scored, NOT_SCORED_COLOUR))
        total = 0
        for name, count, colour in segments:
            if not count:
                continue
            w = plot_w * count / widest
            parts.append(f'<rect x="{x:.1f}" y="{y + 18}" width="{w:.1f}" height="16" fill="{colour}">'
                         f'<title>{escape(unit.name)} — {escape(name)}: {count}</title></rect>')
            if w >= 16:
                parts.append(f'<text x="{x + w / 2:.1f}" y="{y + 30}" text-anchor="middle" font-size="11" '
                             f'fill="{"#1d2733" if colour == NOT_SCORED_COLOUR else "#fff"}">{count}</text>')
            x += w
            total += count
        parts.append(f'<text x="{x + 5:.1f}" y="{y + 30}" font-size="11" fill="{_MUTED}">{total}</text>')
    items = [(b, band_colour(i)) for i, b in enumerate(band_labels)] + [(not_scored_label, NOT_SCORED_COLOUR)]
    parts.append(_legend(items, left, legend_y))
    if more_text:
        parts.append(f'<text x="{left}" y="{legend_y + 20}" font-size="12" fill="{_MUTED}">{escape(more_text)}</text>')
    return _svg(width, height, label, "".join(parts))


@dataclass(frozen=True)
class Series:
    name: str
    days: Sequence[date]  # one entry per event (a school's submission day)


def progress_over_time(label: str, series: Sequence[Series], total: int, empty_text: str,
                       until: date | None = None) -> str:
    """Cumulative count per day for each series, as steps up to `until` (today), against the number of
    schools (the dashed line)."""
    width, height, left, right, top, bottom = 420, 230, 30, 12, 14, 50
    every = sorted({d for s in series for d in s.days})
    if not every:
        return _svg(width, 80, label, f'<text x="{width / 2}" y="45" text-anchor="middle" fill="{_MUTED}" '
                                      f'font-size="15">{escape(empty_text)}</text>')
    first, last = every[0], max(every[-1], until or every[-1])
    span = max(1, (last - first).days)
    peak, ticks = _axis(total)
    plot_w, plot_h = width - left - right, height - top - bottom

    def px(day: date) -> float:
        return left + plot_w * ((day - first).days / span if span else 0.5)

    def py(count: int) -> float:
        return top + plot_h - plot_h * count / peak

    parts: list[str] = []
    for tick in ticks:
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{py(tick):.1f}" y2="{py(tick):.1f}" '
                     f'stroke="{_GRID}"/><text x="{left - 6}" y="{py(tick) + 4:.1f}" text-anchor="end" '
                     f'font-size="11" fill="{_MUTED}">{tick}</text>')
    if total:
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{py(total):.1f}" y2="{py(total):.1f}" '
                     f'stroke="#9aa4af" stroke-dasharray="4 4"/>')
    labels = [first, last] if span else [first]
    if span >= 4:
        labels.insert(1, first + (last - first) / 2)
    for day in labels:
        anchor = "start" if day == first and span else "end" if day == last and span else "middle"
        parts.append(f'<text x="{px(day):.1f}" y="{top + plot_h + 16}" text-anchor="{anchor}" font-size="11" '
                     f'fill="{_MUTED}">{day.strftime("%d/%m")}</text>')
    for index, one in enumerate(series):
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        per_day: dict[date, int] = {}
        for day in one.days:
            per_day[day] = per_day.get(day, 0) + 1
        count = 0
        points = [(px(first), py(0))]
        for day in every:
            if day in per_day:
                points.append((px(day), py(count)))
                count += per_day[day]
                points.append((px(day), py(count)))
        points.append((px(last) if span else left + plot_w, py(count)))  # flat to today
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5" '
                     f'stroke-linejoin="round"><title>{escape(one.name)}: {count}</title></polyline>')
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#9aa4af"/>')
    parts.append(_legend([(s.name, SERIES_COLOURS[i % len(SERIES_COLOURS)]) for i, s in enumerate(series)],
                         12, height - 10))
    return _svg(width, height, label, "".join(parts))
