"""Small SVG charts as plain strings: bars, monthly trend, budget vs actual, forecast with
its band, goal progress. No dependencies; labels are escaped; amounts in minor units are
shown in major units with their currency."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from coffer.assistant.money import scale

WIDTH, HEIGHT = 640, 320
PAD_LEFT, PAD_BOTTOM, PAD_TOP = 150, 40, 30
COLORS = ("#2f6fde", "#e8833a", "#3aa76d", "#c94c4c", "#8c62c7", "#7a7a7a")


def _major(amount: int, currency: str) -> str:
    digits = scale(currency)
    return f"{amount / 10**digits:,.0f}"  # display only: no money is computed from it


def _svg(body: str, title: str, height: int = HEIGHT) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">'
        f"<title>{escape(title)}</title>"
        f'<rect width="100%" height="100%" fill="white"/>'
        f'<text x="10" y="18" font-size="14" font-weight="bold">{escape(title)}</text>'
        f"{body}</svg>"
    )


def bars(items: Sequence[tuple[str, int]], currency: str, title: str) -> str:
    """Horizontal bars, e.g. spending by category."""
    items = list(items)[:12]
    top = max((v for _, v in items), default=1) or 1
    row = 22
    height = PAD_TOP + row * len(items) + 20
    parts = []
    for i, (name, value) in enumerate(items):
        y = PAD_TOP + i * row
        width = max(int((WIDTH - PAD_LEFT - 90) * max(value, 0) / top), 1)
        parts.append(
            f'<text x="{PAD_LEFT - 6}" y="{y + 14}" text-anchor="end">{escape(name)}</text>'
            f'<rect x="{PAD_LEFT}" y="{y + 3}" width="{width}" height="{row - 6}" '
            f'fill="{COLORS[0]}"/>'
            f'<text x="{PAD_LEFT + width + 4}" y="{y + 14}">{_major(value, currency)} {currency}</text>'
        )
    return _svg("".join(parts), title, height)


def _scale_y(value: float, low: float, high: float) -> float:
    span = (high - low) or 1
    return PAD_TOP + (HEIGHT - PAD_TOP - PAD_BOTTOM) * (1 - (value - low) / span)


def _x(i: int, n: int) -> float:
    left, right = 60, WIDTH - 20
    return left + (right - left) * (i / max(n - 1, 1))


def line(labels: Sequence[str], series: Sequence[tuple[str, Sequence[int]]], currency: str,
         title: str, band: tuple[Sequence[int], Sequence[int]] | None = None) -> str:  # fmt: skip
    """Lines over months (monthly trend; forecast with its band)."""
    values = [v for _, s in series for v in s] + ([*band[0], *band[1]] if band else [])
    low, high = min([0, *values]), max([1, *values])
    n = len(labels)
    parts = [
        f'<line x1="60" y1="{HEIGHT - PAD_BOTTOM}" x2="{WIDTH - 20}" y2="{HEIGHT - PAD_BOTTOM}" stroke="#999"/>'
    ]
    if band:
        upper = [f"{_x(i, n):.1f},{_scale_y(v, low, high):.1f}" for i, v in enumerate(band[1])]
        lower = [f"{_x(i, n):.1f},{_scale_y(v, low, high):.1f}" for i, v in enumerate(band[0])]
        parts.append(
            f'<polygon points="{" ".join(upper + lower[::-1])}" fill="#2f6fde" fill-opacity="0.15"/>'
        )
    for k, (name, values_k) in enumerate(series):
        points = " ".join(
            f"{_x(i, n):.1f},{_scale_y(v, low, high):.1f}" for i, v in enumerate(values_k)
        )
        color = COLORS[k % len(COLORS)]
        parts.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2"/>')
        parts.append(
            f'<text x="{70 + 120 * k}" y="{HEIGHT - 8}" fill="{color}">{escape(name)}</text>'
        )
    step = max(n // 8, 1)
    for i in range(0, n, step):
        parts.append(
            f'<text x="{_x(i, n):.1f}" y="{HEIGHT - PAD_BOTTOM + 14}" text-anchor="middle" font-size="10">{escape(labels[i])}</text>'
        )
    parts.append(
        f'<text x="4" y="{PAD_TOP + 4}" font-size="10">{_major(int(high), currency)}</text>'
    )
    return _svg("".join(parts), title)


def grouped(items: Sequence[tuple[str, int, int]], currency: str, title: str) -> str:
    """Budget vs actual: two bars per category (budgeted, spent)."""
    items = list(items)[:10]
    top = max([1, *(max(a, b) for _, a, b in items)])
    row = 34
    height = PAD_TOP + row * len(items) + 30
    parts = []
    for i, (name, budgeted, actual) in enumerate(items):
        y = PAD_TOP + i * row
        for j, (value, color) in enumerate(
            ((budgeted, "#bbbbbb"), (actual, COLORS[3] if actual > budgeted else COLORS[2]))
        ):
            width = max(int((WIDTH - PAD_LEFT - 90) * max(value, 0) / top), 1)
            parts.append(
                f'<rect x="{PAD_LEFT}" y="{y + 2 + j * 13}" width="{width}" height="12" fill="{color}"/>'
            )
            parts.append(
                f'<text x="{PAD_LEFT + width + 4}" y="{y + 12 + j * 13}" font-size="10">{_major(value, currency)}</text>'
            )
        parts.append(
            f'<text x="{PAD_LEFT - 6}" y="{y + 18}" text-anchor="end">{escape(name)}</text>'
        )
    parts.append(
        f'<text x="{PAD_LEFT}" y="{height - 8}" font-size="10">grey: budgeted; green/red: spent ({currency})</text>'
    )
    return _svg("".join(parts), title, height)


def progress(name: str, saved: int, target: int, currency: str) -> str:
    """A goal's progress bar."""
    share = 0.0 if target <= 0 else min(saved / target, 1.0)
    width = int((WIDTH - 40) * share)
    body = (
        f'<rect x="20" y="50" width="{WIDTH - 40}" height="28" fill="#eeeeee" rx="6"/>'
        f'<rect x="20" y="50" width="{width}" height="28" fill="{COLORS[2]}" rx="6"/>'
        f'<text x="20" y="100">{escape(name)}: {_major(saved, currency)} of '
        f"{_major(target, currency)} {currency} ({share * 100:.0f}%)</text>"
    )
    return _svg(body, f"Goal: {name}", 120)
