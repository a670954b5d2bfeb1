"""Chinese working days (工作日), in Asia/Shanghai.

Public holidays and the 调休 working days announced each year by the State Council come from
``chinese_calendar`` (PyPI ``chinesecalendar``, updated once the year's notice is out). For a year
the library does not know yet, only weekends are days off and a warning is logged once per year,
so deadlines keep working (a little early around holidays) instead of failing."""

import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

log = logging.getLogger(__name__)
CHINA = ZoneInfo("Asia/Shanghai")
_warned_years: set[int] = set()


def is_workday(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            log.warning("chinesecalendar 尚无 %s 年的节假日安排：该年只按周末计算非工作日。", day.year)
        return day.weekday() < 5


def add_workdays(day: date, days: int) -> date:
    """The date ``days`` working days after ``day`` (``day`` itself never counts)."""
    if days < 0:
        raise ValueError("days must be >= 0")
    current = day
    left = days
    while left:
        current += timedelta(days=1)
        if is_workday(current):
            left -= 1
    return current


def next_workday(day: date) -> date:
    """``day`` itself when it is a working day, else the next one."""
    while not is_workday(day):
        day += timedelta(days=1)
    return day


def local(moment: datetime) -> datetime:
    return moment.astimezone(CHINA)


def after_workdays(start: datetime, days: int) -> datetime:
    """The moment ``days`` working days after ``start``: the same clock time (Asia/Shanghai) on
    the ``days``-th working day after ``start``'s date. Friday 10:00 + 2 → Tuesday 10:00 (no
    holiday in between); the eve of 国庆 + 2 → the second working day after the holiday."""
    start = local(start)
    end_day = add_workdays(start.date(), days)
    return datetime.combine(end_day, start.timetz().replace(tzinfo=None), tzinfo=CHINA)


def end_of_workday(day: date) -> datetime:
    """The last moment of ``day`` in China (for deadlines stated as a date)."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=CHINA)
