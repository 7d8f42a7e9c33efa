"""A bar chart (PNG) of scores with the rubric's band thresholds. matplotlib is imported lazily
(Agg backend, no display); the chart is drawn in the handler's worker thread, off the event loop."""

from __future__ import annotations

import io
import threading

from hsdt.scoring import Rubric
from hsdt.texts import report as m

MAX_BARS = 40
# pyplot keeps global state; one drawing at a time.
_LOCK = threading.Lock()
_BAND_COLOURS = ("#2e7d32", "#1565c0", "#f9a825", "#c62828", "#6a1b9a", "#455a64")


def bar_chart(title: str, items: list[tuple[str, float]], rubric: Rubric, *, note: str = "") -> bytes:
    """PNG bytes: one horizontal bar per item (label, score), lowest first, band thresholds as lines."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    shown = sorted(items, key=lambda item: (item[1], item[0]))[:MAX_BARS]
    height = max(2.5, 0.35 * len(shown) + 1.5)
    with _LOCK:
        figure = Figure(figsize=(8, height), dpi=100)
        axes = figure.add_subplot(1, 1, 1)
        labels = [label if len(label) <= 40 else label[:39] + "…" for label, _ in shown]
        values = [value for _, value in shown]
        axes.barh(range(len(shown)), values, color="#5c6bc0")
        axes.set_yticks(range(len(shown)), labels=labels, fontsize=8)
        axes.invert_yaxis()
        axes.set_xlim(0, rubric.max_points)
        for index, value in enumerate(values):
            axes.text(value + rubric.max_points * 0.005, index, f"{value:.2f}".replace(".", ","), va="center",
                      fontsize=7)
        for band, colour in zip(rubric.bands, _BAND_COLOURS, strict=False):
            if band.min_points > 0:
                axes.axvline(band.min_points, color=colour, linestyle="--", linewidth=1,
                             label=f"{band.label} ≥ {band.min_points:g}")
        axes.legend(loc="lower right", fontsize=7)
        axes.set_title(title + (f"\n{note}" if note else ""), fontsize=10)
        axes.set_xlabel(m.CHART_AXIS)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()
