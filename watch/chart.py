"""The balance chart: a plain SVG drawn on the server (no chart script, nothing inline for
the CSP to refuse), from the stored points of one account over a period.

The balance is a step line (it holds until the next change); top-ups from the ledger are
marked with a dot and a tooltip. The page shows the same numbers in a table for screen
readers and for anyone who prefers figures.
"""

from dataclasses import dataclass
from datetime import datetime

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 12, 28


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    path: str  # the SVG path's "d"
    y_ticks: list[tuple[float, int]]  # (y, balance)
    x_ticks: list[tuple[float, str]]  # (x, date)
    markers: list[Marker]
    plot_left: int
    plot_right: int
    plot_bottom: int


def draw(
    start: datetime,
    end: datetime,
    steps: list[tuple[datetime, int]],
    top_ups: list[tuple[datetime, str]],
) -> Chart | None:
    """The chart of `steps` ((time, balance) in time order, the first at or before `start`)
    between `start` and `end`; None without any step."""
    if not steps:
        return None
    span = max((end - start).total_seconds(), 1.0)
    low = 0
    high = max(max(balance for _, balance in steps), 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_of(moment: datetime) -> float:
        seconds = min(max((moment - start).total_seconds(), 0.0), span)
        return round(LEFT + plot_w * seconds / span, 1)

    def y_of(balance: int) -> float:
        return round(TOP + plot_h * (1 - (max(balance, low) - low) / (high - low)), 1)

    first_at, first_balance = steps[0]
    commands = [f"M{x_of(first_at)},{y_of(first_balance)}"]
    for at, balance in steps[1:]:
        commands.append(f"H{x_of(at)}")
        commands.append(f"V{y_of(balance)}")
    commands.append(f"H{x_of(end)}")

    def balance_at(moment: datetime) -> int:
        current = steps[0][1]
        for at, balance in steps:
            if at > moment:
                break
            current = balance
        return current

    markers = [Marker(x_of(at), y_of(balance_at(at)), label) for at, label in top_ups]
    y_ticks = [(y_of(value), value) for value in _nice_ticks(high)]
    x_ticks = []
    for i in range(5):
        moment = start + (end - start) * i / 4
        x_ticks.append((x_of(moment), moment))
    return Chart(
        WIDTH,
        HEIGHT,
        " ".join(commands),
        y_ticks,
        x_ticks,
        markers,
        LEFT,
        WIDTH - RIGHT,
        HEIGHT - BOTTOM,
    )


def _nice_ticks(high: int) -> list[int]:
    """0, the top, and up to three round numbers between."""
    step = max(1, high // 4)
    magnitude = 10 ** (len(str(step)) - 1)
    step = max(1, (step // magnitude) * magnitude)
    ticks = list(range(0, high + 1, step))[:5]
    return ticks if ticks[-1] == high else [*ticks, high]
