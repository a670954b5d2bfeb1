"""The price and period rules of an outsourcing engagement, in one place.

- A service month ``k`` (1-based) runs from the start date plus ``k - 1`` calendar months to the
  day before the start date plus ``k`` months (a start on the 31st runs to the end of shorter
  months).
- Its working days (工作日) are the Chinese working days in that period: public holidays off,
  调休 working days on (``shop.core.workdays``).
- One person's amount for a month: ``rate × (served workdays − absence days) / workdays of the
  month``, rounded half up to the fen (分). ``served`` is the whole month's workdays, or in the
  last month of an engagement ended early, the workdays up to and including its end date. A
  month's amount is the sum of its people's amounts.
- The full (no absence) monthly amount of a proposal is Σ rate × headcount per level: the
  order's payment stage of each month is that figure until the month is accepted."""

import calendar
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from shop.core.workdays import is_workday

CENT = Decimal("0.01")


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, the day clamped to the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_period(start_date: date, month: int) -> tuple[date, date]:
    """(first day, last day) of service month ``month`` (1-based)."""
    return add_months(start_date, month - 1), add_months(start_date, month) - timedelta(days=1)


def workdays_between(first: date, last: date) -> int:
    """Chinese working days from ``first`` to ``last``, both included (0 when last < first)."""
    count, day = 0, first
    while day <= last:
        count += is_workday(day)
        day += timedelta(days=1)
    return count


def month_for(start_date: date, day: date) -> int:
    """The service month (1-based) ``day`` falls in (0 before the start)."""
    if day < start_date:
        return 0
    month = 1
    while month_period(start_date, month)[1] < day:
        month += 1
    return month


def person_month_amount(*, rate: Decimal, workdays: int, absences: int, served: int | None = None) -> Decimal:
    """One person's amount for one month: rate × (served − absences) / workdays, to the fen
    (half up). ``served`` defaults to the whole month (``workdays``)."""
    served = workdays if served is None else served
    if workdays <= 0:
        return Decimal("0.00")
    payable_days = max(served - absences, 0)
    return (Decimal(rate) * payable_days / workdays).quantize(CENT, rounding=ROUND_HALF_UP)


def full_month_amount(rates_and_headcounts) -> Decimal:
    """Σ rate × headcount over (rate, headcount) pairs: a month without absences."""
    return sum((Decimal(rate) * count for rate, count in rates_and_headcounts), Decimal("0.00")).quantize(
        CENT
    )
