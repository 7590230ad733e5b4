"""Local triggers: EventBridge `Schedule` events on their cron/rate, and SQS queue polling.

AWS cron has six fields — minutes hours day-of-month month day-of-week year — in UTC, with `?` for
"any" and day-of-week 1-7 meaning SUN-SAT.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import uuid
from datetime import UTC, datetime, timedelta

from local.functions import FunctionLoader, QueueTrigger, Schedule

_DOW = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], start=1
    )
}


def _field(spec: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int] | None:
    """The values a cron field allows; None means any."""
    if spec in ("*", "?"):
        return None
    values: set[int] = set()
    for part in spec.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
        if names:
            for name, number in names.items():
                part = part.replace(name, str(number))
        if part in ("*", ""):
            start, end = low, high
        elif "-" in part:
            start, end = (int(x) for x in part.split("-", 1))
        else:
            start = int(part)
            end = high if step > 1 else start
        values.update(range(start, end + 1, step))
    return values


class CronExpression:
    def __init__(self, text: str):
        fields = text.split()
        if len(fields) != 6:
            raise ValueError(f"AWS cron needs 6 fields: {text!r}")
        self.minutes = _field(fields[0], 0, 59)
        self.hours = _field(fields[1], 0, 23)
        self.days = _field(fields[2], 1, 31)
        self.months = _field(fields[3], 1, 12, _MONTHS)
        self.weekdays = _field(fields[4], 1, 7, _DOW)
        self.years = _field(fields[5], 1970, 2199)

    def matches(self, moment: datetime) -> bool:
        aws_weekday = (moment.isoweekday() % 7) + 1  # Monday=1 in ISO -> 2 in AWS; Sunday -> 1
        checks = (
            (self.minutes, moment.minute),
            (self.hours, moment.hour),
            (self.days, moment.day),
            (self.months, moment.month),
            (self.weekdays, aws_weekday),
            (self.years, moment.year),
        )
        return all(allowed is None or value in allowed for allowed, value in checks)

    def next_after(self, moment: datetime) -> datetime:
        candidate = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
        for _ in range(366 * 24 * 60):
            if self.matches(candidate):
                return candidate
            candidate += timedelta(minutes=1)
        raise ValueError("cron expression never fires within a year")


_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_UNITS = {"minute": 60, "hour": 3600, "day": 86400}


def next_fire(expression: str, after: datetime) -> datetime:
    expression = expression.strip()
    rate = _RATE.match(expression)
    if rate:
        return after + timedelta(seconds=int(rate.group(1)) * _UNITS[rate.group(2).rstrip("s")])
    if expression.startswith("cron(") and expression.endswith(")"):
        return CronExpression(expression[5:-1]).next_after(after)
    raise ValueError(f"unsupported schedule expression: {expression!r}")


def schedule_event(schedule: Schedule, when: datetime) -> dict:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "000000000000",
        "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "ap-southeast-5",
        "resources": [f"arn:aws:events:ap-southeast-5:000000000000:rule/{schedule.name}"],
        "detail": {},
    }


class Scheduler(threading.Thread):
    def __init__(self, loader: FunctionLoader, schedules: list[Schedule]):
        super().__init__(daemon=True, name="schedules")
        self.loader = loader
        self.schedules = [s for s in schedules if s.enabled]
        self.stop_event = threading.Event()

    def run(self) -> None:
        now = datetime.now(UTC)
        due = {s.name: next_fire(s.expression, now) for s in self.schedules}
        while not self.stop_event.wait(5):
            now = datetime.now(UTC)
            for schedule in self.schedules:
                if now >= due[schedule.name]:
                    due[schedule.name] = next_fire(schedule.expression, now)
                    try:
                        self.loader.invoke(schedule.function, schedule_event(schedule, now))
                        print(f"schedule {schedule.name} ran {schedule.function}", file=sys.stderr)
                    except Exception as exc:  # noqa: BLE001 - a failed run is reported and retried next time
                        print(
                            f"schedule {schedule.name} failed: {type(exc).__name__}: {exc}", file=sys.stderr
                        )


class QueuePoller(threading.Thread):
    """Long-polls each triggering queue and hands batches to the function, as Lambda's event source mapping
    does: messages are deleted only when the batch succeeds (or its failures are reported per item)."""

    def __init__(
        self,
        loader: FunctionLoader,
        triggers: list[QueueTrigger],
        queue_urls: dict[str, str],
        queue_arns: dict[str, str],
        sqs_client,
    ):
        super().__init__(daemon=True, name="queues")
        self.loader = loader
        self.triggers = [t for t in triggers if t.queue_logical_id in queue_urls]
        self.urls = queue_urls
        self.arns = queue_arns
        self.sqs = sqs_client
        self.stop_event = threading.Event()

    def run(self) -> None:
        while not self.stop_event.is_set():
            idle = True
            for trigger in self.triggers:
                url = self.urls[trigger.queue_logical_id]
                messages = self.sqs.receive_message(
                    QueueUrl=url,
                    MaxNumberOfMessages=min(trigger.batch_size, 10),
                    WaitTimeSeconds=1,
                    AttributeNames=["All"],
                ).get("Messages", [])
                if not messages:
                    continue
                idle = False
                self._deliver(trigger, url, messages)
            if idle:
                self.stop_event.wait(0.5)

    def _deliver(self, trigger: QueueTrigger, url: str, messages: list[dict]) -> None:
        arn = self.arns.get(trigger.queue_logical_id, "")
        event = {
            "Records": [
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "attributes": m.get("Attributes", {}),
                    "messageAttributes": m.get("MessageAttributes", {}),
                    "md5OfBody": m.get("MD5OfBody"),
                    "eventSource": "aws:sqs",
                    "eventSourceARN": arn,
                    "awsRegion": "ap-southeast-5",
                }
                for m in messages
            ]
        }
        try:
            result = self.loader.invoke(trigger.function, event) or {}
        except Exception as exc:  # noqa: BLE001 - the batch stays on the queue and is retried / dead-lettered
            print(f"{trigger.function} failed on a batch: {type(exc).__name__}: {exc}", file=sys.stderr)
            return
        failed = {f.get("itemIdentifier") for f in (result.get("batchItemFailures") or [])}
        for message in messages:
            if message["MessageId"] not in failed:
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def load_event(path: str | None) -> dict:
    if not path:
        return {}
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)
