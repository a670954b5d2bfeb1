"""Chinese working days: holidays and 调休 from chinesecalendar, weekends only (with one
warning) for a year the library does not know yet."""

import logging
from datetime import date, datetime

from shop.core import workdays
from shop.core.workdays import CHINA, add_workdays, after_workdays, is_workday, next_workday


def test_national_day_is_off_and_its_saturday_makeup_day_is_a_working_day():
    # given the 2026 国庆 holiday (1–7 October) and its 调休 Saturday (10 October)
    # then the holiday is not worked, the Saturday is
    assert [is_workday(date(2026, 10, d)) for d in (1, 4, 7, 8, 10, 11)] == [
        False,
        False,
        False,
        True,
        True,
        False,
    ]


def test_two_working_days_after_the_eve_of_national_day_is_the_ninth():
    # given a day before the holiday (Wednesday 30 September 2026)
    # when two working days are added
    # then the holiday week does not count: Thursday 8th is the first, Friday 9th the second
    assert add_workdays(date(2026, 9, 30), 2) == date(2026, 10, 9)


def test_friday_plus_two_working_days_is_tuesday_at_the_same_time():
    # given Friday 13 November 2026, 10:30 in Shanghai (no holiday the next week)
    start = datetime(2026, 11, 13, 10, 30, tzinfo=CHINA)
    # when two working days pass
    # then it is Tuesday 17 November, 10:30
    assert after_workdays(start, 2) == datetime(2026, 11, 17, 10, 30, tzinfo=CHINA)


def test_next_workday_skips_a_weekend_and_keeps_a_working_day():
    assert next_workday(date(2026, 11, 14)) == date(2026, 11, 16)  # Saturday → Monday
    assert next_workday(date(2026, 11, 16)) == date(2026, 11, 16)


def test_an_unknown_year_counts_weekends_only_and_warns_once(caplog, monkeypatch):
    # given a year the holiday library does not know (2027 at the time of writing; reset the
    # "already warned" memory so the test sees the warning)
    monkeypatch.setattr(workdays, "_warned_years", set())
    caplog.set_level(logging.WARNING, logger="shop.core.workdays")
    # when weekdays and weekend days of 2030 are checked twice
    seen = [is_workday(date(2030, 1, d)) for d in (4, 5, 6, 7)] + [is_workday(date(2030, 1, 5))]
    # then Saturday and Sunday are off, the rest worked, and one warning names the year
    assert seen == [True, False, False, True, False]
    warnings = [r.getMessage() for r in caplog.records if r.name == "shop.core.workdays"]
    assert len(warnings) == 1 and "2030" in warnings[0]
