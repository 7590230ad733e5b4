"""Invoice numbers: `INV-YYYY-NNNN` (more digits past 9999), gapless per year, from invoice_sequences only.

The number is allocated inside the transaction that inserts the invoice: the sequence row is created or
bumped by an `INSERT ... ON CONFLICT DO UPDATE ... RETURNING`, which row-locks it until commit, so a
rollback (any failure before commit, a killed process, a timeout) gives the number back. The invoice row
is inserted by that same statement, the last one before COMMIT — its lines are already written — so
concurrent issuers queue on the lock for one statement and the commit, not for the whole invoice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from creditpilot.platform.db import Connection

ALLOCATE_NUMBER = """
INSERT INTO invoice_sequences (year, last_number) VALUES (:year, 1)
ON CONFLICT (year) DO UPDATE SET last_number = invoice_sequences.last_number + 1
RETURNING last_number
"""

_NUMBER = re.compile(r"^INV-(\d{4})-(\d{4,})$")


def format_invoice_number(year: int, seq: int) -> str:
    return f"INV-{year:04d}-{seq:04d}"


def parse_invoice_number(number: str) -> tuple[int, int] | None:
    match = _NUMBER.match(number)
    return (int(match.group(1)), int(match.group(2))) if match else None


# The number's text in SQL; the same as format_invoice_number (check_invoice_numbers compares them).
NUMBER_TEXT_SQL = """'INV-' || lpad(CAST(:year AS integer)::text, 4, '0') || '-'
    || lpad(allocated.last_number::text, greatest(4, length(allocated.last_number::text)), '0')"""


NUMBERS_BY_YEAR = "SELECT year, seq, number FROM invoices ORDER BY year, seq"
SEQUENCES = "SELECT year, last_number FROM invoice_sequences ORDER BY year"


@dataclass(frozen=True)
class NumberCheck:
    years: dict[int, int]  # year -> invoices counted
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_invoice_numbers(conn: Connection) -> NumberCheck:
    """Unique, increasing, gapless per year, matching the sequence row and the number's own text."""
    problems: list[str] = []
    by_year: dict[int, list[int]] = {}
    seen: set[str] = set()
    for row in conn.run(NUMBERS_BY_YEAR):
        if row["number"] in seen:
            problems.append(f"duplicate number {row['number']}")
        seen.add(row["number"])
        if (
            parse_invoice_number(row["number"]) != (row["year"], row["seq"])
            or format_invoice_number(row["year"], row["seq"]) != row["number"]
        ):
            problems.append(f"number {row['number']} does not match year {row['year']} / seq {row['seq']}")
        by_year.setdefault(row["year"], []).append(row["seq"])
    sequences = {row["year"]: row["last_number"] for row in conn.run(SEQUENCES)}
    for year in sorted(set(by_year) | set(sequences)):
        seqs = by_year.get(year, [])
        expected = list(range(1, len(seqs) + 1))
        if seqs != expected:
            missing = sorted(set(expected) - set(seqs))[:10]
            problems.append(f"{year}: numbers are not 1..{len(seqs)} without gaps (missing {missing})")
        if sequences.get(year, 0) != len(seqs):
            problems.append(f"{year}: sequence says {sequences.get(year, 0)} but {len(seqs)} invoices exist")
    return NumberCheck(years={y: len(s) for y, s in by_year.items()}, problems=problems)
