"""The status page's delay chart: from an edit to its copy on the other side, per direction,
p50 and p95 over the last 24 h, drawn as SVG rectangles next to the API budget chart (attributes
only, like budget_chart.py: the Content-Security-Policy allows no inline script or style)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from syncengine import latency

WIDTH, LABEL, ROW = 480, 150, 18
TARGET_SECONDS = 60  # issue 15: an edit shows on the other side within about a minute
SCALES = (120, 300, 600, 1800, 3600, 7200, 21600, 86400)


@dataclass(frozen=True)
class Bar:
    name: str  # "p50" or "p95"
    seconds: int | None
    y: int
    width: float  # 0 when nothing was measured

    @property
    def text(self) -> str:
        return f"{self.name}: {words(self.seconds)}"


@dataclass(frozen=True)
class Row:
    direction: latency.Direction
    y: int  # the direction's label
    bars: tuple[Bar, Bar]


@dataclass(frozen=True)
class Chart:
    rows: list[Row]
    scale_seconds: int  # the right edge
    target_x: float
    measured: int  # edits measured in both directions
    width: int = WIDTH
    height: int = 2 * 3 * ROW + 8
    label_width: int = LABEL


def _scale(longest: int) -> int:
    return next((s for s in SCALES if longest <= s), SCALES[-1])


def words(seconds: int | None) -> str:
    """12 s, 4 min 5 s, 2 h 10 min; "–" when nothing was measured."""
    if seconds is None:
        return "–"
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        minutes, rest = divmod(seconds, 60)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, rest = divmod(seconds // 60, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def build(now: datetime | None = None) -> Chart:
    directions = latency.summary(now)
    longest = max([d.p95 or 0 for d in directions] + [TARGET_SECONDS])
    scale = _scale(longest)
    span = WIDTH - LABEL - 10

    def width(seconds: int | None) -> float:
        if seconds is None:
            return 0.0
        return max(1.5, round(span * min(seconds, scale) / scale, 1))  # 0 s still shows

    rows = []
    for index, d in enumerate(directions):
        top = index * 3 * ROW + 4
        p50 = Bar("p50", d.p50, top + ROW, width(d.p50))
        p95 = Bar("p95", d.p95, top + 2 * ROW, width(d.p95))
        rows.append(Row(d, top, (p50, p95)))
    target_x = LABEL + round(span * TARGET_SECONDS / scale, 1)
    return Chart(rows, scale, target_x, sum(d.count for d in directions))
