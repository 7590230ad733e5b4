"""The local cloud's schedules fire when EventBridge would."""

from datetime import UTC, datetime

import pytest

from local.functions import Template
from local.triggers import CronExpression, next_fire


def test_daily_rates_refresh_fires_at_22_utc_which_is_6am_in_malaysia():
    after = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
    assert next_fire("cron(0 22 * * ? *)", after) == datetime(2026, 12, 4, 22, 0, tzinfo=UTC)
    assert next_fire("cron(0 22 * * ? *)", datetime(2026, 12, 4, 22, 0, tzinfo=UTC)) == datetime(
        2026, 12, 5, 22, 0, tzinfo=UTC
    )


def test_weekday_names_and_ranges_use_aws_numbering_sunday_is_1():
    monday_9 = CronExpression("0 9 ? * MON-FRI *")
    assert monday_9.matches(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))  # a Monday
    assert not monday_9.matches(datetime(2026, 12, 6, 9, 0, tzinfo=UTC))  # a Sunday
    assert CronExpression("0 9 ? * 1 *").matches(datetime(2026, 12, 6, 9, 0, tzinfo=UTC))


def test_month_end_style_expressions_and_rates():
    assert next_fire("cron(30 16 L * ? *)".replace("L", "28"), datetime(2026, 2, 1, tzinfo=UTC)).day == 28
    assert next_fire("rate(5 minutes)", datetime(2026, 1, 1, tzinfo=UTC)) == datetime(
        2026, 1, 1, 0, 5, tzinfo=UTC
    )
    assert next_fire("rate(1 day)", datetime(2026, 1, 1, tzinfo=UTC)) == datetime(2026, 1, 2, tzinfo=UTC)


def test_unsupported_expressions_are_refused():
    with pytest.raises(ValueError):
        next_fire("every tuesday", datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError):
        CronExpression("0 9 * *")


def test_the_template_schedules_are_read_and_parse():
    schedules = Template().schedules()
    assert schedules, "the template declares at least the daily rates refresh"
    for schedule in schedules:
        next_fire(schedule.expression, datetime(2026, 1, 1, tzinfo=UTC))
