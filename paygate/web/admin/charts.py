"""Server-rendered SVG bar charts of daily totals: no script, no external files, and every
piece of text escaped. Amounts stay integer minor units; only geometry uses floats."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

from markupsafe import Markup

from paygate import i18n
from paygate.domain.money import Money, exponent

MAX_DAYS = 92
WIDTH, HEIGHT = 960, 300
LEFT, RIGHT, TOP, BOTTOM = 100, 16, 30, 58
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
BAR, GRID, AXIS, INK = "#2b4eff", "#e2e8f0", "#a0aec0", "#4a5568"


@dataclass(frozen=True)
class DayTotal:
    amount: int   # minor units
    count: int


def chart_days(date_from: date | None, date_to: date | None,
               data_days: Sequence[date]) -> tuple[list[date], bool]:
    """Every day the chart shows (empty days included), and whether the range was cut to
    its last MAX_DAYS days."""
    if not data_days and not (date_from and date_to):
        return [], False
    start = date_from or min(data_days)
    end = date_to or max(data_days)
    cut = (end - start).days + 1 > MAX_DAYS
    if cut:
        start = end - timedelta(days=MAX_DAYS - 1)
    return [start + timedelta(days=i) for i in range((end - start).days + 1)], cut


def long_day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def plain_amount(amount: int, currency: str) -> str:
    """An axis label: the amount in major units without the currency code ("1,200.00")."""
    return f"{Money(amount, currency).to_major():,.{exponent(currency)}f}"


def nice_step(top: int, ticks: int = 4) -> int:
    """A round gridline step (1, 2 or 5 times a power of ten) so `ticks` steps cover top."""
    raw = max(1, -(-top // ticks))
    magnitude = int("1" + "0" * (len(str(raw)) - 1))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)


def daily_chart(chart_id: str, title: str, currency: str, days: Sequence[date],
                totals: Mapping[date, DayTotal]) -> Markup:
    """A bar per day with a total, on a shared axis of `days`. Text alternatives: the
    <title>, a <desc> summing the data up, and a <title> on every bar."""
    on_axis = set(days)
    shown = {d: t for d, t in totals.items() if d in on_axis and t.amount > 0}
    highest = max((t.amount for t in shown.values()), default=0)
    step = nice_step(highest)
    top = max(step, -(-highest // step) * step)
    slot = PLOT_W / max(1, len(days))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="chart" role="img" aria-label="{_e(title)}" '
        f'aria-describedby="{_e(chart_id)}-desc" font-family="{_e(FONT)}" font-size="12">',
        f'<title id="{_e(chart_id)}-title">{_e(title)}</title>',
        f'<desc id="{_e(chart_id)}-desc">{_e(_summary(currency, days, shown))}</desc>',
        f'<text x="{LEFT - 8}" y="{TOP - 14}" text-anchor="end" fill="{INK}" '
        f'font-weight="600">{_e(currency.upper())}</text>',
    ]
    for value in range(0, top + 1, step):
        y = _y(value, top)
        parts.append(f'<line x1="{LEFT}" x2="{LEFT + PLOT_W}" y1="{y}" y2="{y}" '
                     f'stroke="{GRID if value else AXIS}" stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 8}" y="{y + 4}" text-anchor="end" fill="{INK}">'
                     f'{_e(plain_amount(value, currency))}</text>')
    every = -(-len(days) // 14) if days else 1
    for index, day in enumerate(days):
        center = LEFT + slot * (index + 0.5)
        if index % every == 0:
            parts.append(f'<text x="{center:.1f}" y="{TOP + PLOT_H + 18}" '
                         f'text-anchor="middle" fill="{INK}">{_e(f"{day.day} {day:%b}")}</text>')
        if day in shown:
            parts.append(_bar(day, shown[day], currency, center, slot, top, len(days) <= 16))
    parts.append(f'<text x="{LEFT + PLOT_W / 2:.1f}" y="{HEIGHT - 10}" text-anchor="middle" '
                 f'fill="{INK}">Day (UTC)</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above went through _e


def _bar(day: date, total: DayTotal, currency: str, center: float, slot: float, top: int,
         labelled: bool) -> str:
    width = max(2.0, min(slot * 0.7, 48.0))
    y = _y(total.amount, top)
    height = TOP + PLOT_H - y
    money = i18n.format_money(total.amount, currency, "en")
    payments = "payment" if total.count == 1 else "payments"
    label = f"{long_day(day)}: {money} net from {total.count} {payments}"
    bar = (f'<rect x="{center - width / 2:.1f}" y="{y:.1f}" width="{width:.1f}" '
           f'height="{max(height, 1.0):.1f}" fill="{BAR}" rx="2" data-day="{day.isoformat()}">'
           f"<title>{_e(label)}</title></rect>")
    if labelled:
        bar += (f'<text x="{center:.1f}" y="{y - 5:.1f}" text-anchor="middle" fill="{INK}" '
                f'font-size="11">{_e(plain_amount(total.amount, currency))}</text>')
    return bar


def _y(value: int, top: int) -> float:
    return round(TOP + PLOT_H - PLOT_H * value / top, 1)


def _summary(currency: str, days: Sequence[date], shown: Mapping[date, DayTotal]) -> str:
    span = f"{long_day(days[0])} to {long_day(days[-1])}" if days else "no days"
    if not shown:
        return f"No payments in {currency.upper()} from {span}."
    best = max(shown, key=lambda d: (shown[d].amount, d))
    total = sum(t.amount for t in shown.values())
    with_payments = "day" if len(shown) == 1 else "days"
    return (f"Net paid per day in {currency.upper()}, {span}: {len(shown)} {with_payments} "
            f"with payments, highest {i18n.format_money(shown[best].amount, currency, 'en')} "
            f"on {long_day(best)}, total {i18n.format_money(total, currency, 'en')}.")


def _e(text: str) -> str:
    return escape(text, quote=True)
