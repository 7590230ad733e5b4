"""The time of day as services see it: Malaysia time, from a clock passed in so tests can fix it.

Malaysia time is a fixed UTC+8 rather than ZoneInfo("Asia/Kuala_Lumpur"): the country has kept UTC+8
without daylight saving since 1982, and a fixed offset needs no time zone database. Lambda's Amazon
Linux 2023 images are minimal and the `tzdata` wheel is not a dependency, so a zoneinfo lookup could
fail in production while passing on a developer's machine.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Protocol

MALAYSIA_TIME = timezone(timedelta(hours=8), "MYT")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, time zone aware, in Malaysia time."""
        ...

    def today(self) -> date:
        """The current calendar date in Malaysia (which is not the UTC date from 16:00 UTC on)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(MALAYSIA_TIME)

    def today(self) -> date:
        return self.now().date()


class FixedClock:
    """A clock that reads `instant` until told to move, for tests of month ends, due dates and expiry."""

    def __init__(self, instant: datetime) -> None:
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ValueError("FixedClock needs a time zone aware datetime, e.g. tzinfo=MALAYSIA_TIME")
        self._instant = instant.astimezone(MALAYSIA_TIME)

    def now(self) -> datetime:
        return self._instant

    def today(self) -> date:
        return self._instant.date()

    def advance(self, delta: timedelta) -> None:
        self._instant += delta
