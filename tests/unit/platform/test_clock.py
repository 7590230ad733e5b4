"""Services read Malaysia time from a clock they are given."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from creditpilot.platform.clock import MALAYSIA_TIME, Clock, FixedClock, SystemClock


def test_system_clock_reads_the_current_instant_in_malaysia_time() -> None:
    before = datetime.now(UTC)
    now = SystemClock().now()
    after = datetime.now(UTC)

    assert now.utcoffset() == timedelta(hours=8)
    assert before <= now <= after


def test_system_clock_today_is_the_malaysian_calendar_date() -> None:
    before = datetime.now(MALAYSIA_TIME).date()
    today = SystemClock().today()
    after = datetime.now(MALAYSIA_TIME).date()

    assert today in {before, after}


def test_malaysia_time_is_utc_plus_eight_all_year_without_daylight_saving() -> None:
    for month in range(1, 13):
        moment = datetime(2026, month, 15, 12, tzinfo=MALAYSIA_TIME)
        assert moment.utcoffset() == timedelta(hours=8)
        assert moment.dst() is None


def test_late_evening_utc_on_the_31st_is_already_the_1st_in_malaysia() -> None:
    clock = FixedClock(datetime(2026, 1, 31, 16, 30, tzinfo=UTC))

    assert clock.today() == date(2026, 2, 1)
    assert clock.now() == datetime(2026, 2, 1, 0, 30, tzinfo=MALAYSIA_TIME)
    assert clock.now().utcoffset() == timedelta(hours=8)


def test_fixed_clock_stands_still_until_advanced() -> None:
    clock = FixedClock(datetime(2026, 3, 31, 23, 59, tzinfo=MALAYSIA_TIME))
    first, second = clock.now(), clock.now()

    clock.advance(timedelta(minutes=2))

    assert first == second
    assert clock.now() == datetime(2026, 4, 1, 0, 1, tzinfo=MALAYSIA_TIME)
    assert clock.today() == date(2026, 4, 1)


def test_fixed_clock_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="time zone aware"):
        FixedClock(datetime(2026, 1, 1, 9, 0))


def test_both_clocks_serve_a_service_that_asks_for_a_clock() -> None:
    def invoice_date(clock: Clock) -> date:
        return clock.today()

    fixed = FixedClock(datetime(2026, 6, 30, 9, tzinfo=MALAYSIA_TIME))

    assert invoice_date(fixed) == date(2026, 6, 30)
    assert isinstance(invoice_date(SystemClock()), date)
