"""Operator commands: `python -m creditpilot COMMAND`.

migrate                   apply pending SQL migrations (DATABASE_URL, or DB_HOST + DB_SECRET_ARN)
seed                      load the demo data (idempotent)
check-invoice-numbers     verify numbers are unique, increasing and gapless per year (exit 1 if not)
invoke NAME [--event F]   run one function once against the local cloud (from a project checkout)
smoke [--url U]           sign in and read /health and /stats of a running stack
"""

from __future__ import annotations

import argparse
import json
import os
import sys


def _db():
    from creditpilot.platform.runtime import database

    return database()


def cmd_migrate(_: argparse.Namespace) -> int:
    from creditpilot.platform.migrate import apply_migrations

    applied = apply_migrations(_db())
    print(json.dumps({"applied": applied}))
    return 0


def cmd_seed(_: argparse.Namespace) -> int:
    from creditpilot.ops.seed import seed_demo_data

    print(json.dumps(seed_demo_data(_db())))
    return 0


def cmd_check_invoice_numbers(_: argparse.Namespace) -> int:
    from creditpilot.invoices.numbering import check_invoice_numbers

    with _db().connection() as conn:
        result = check_invoice_numbers(conn)
    print(json.dumps({"ok": result.ok, "years": result.years, "problems": result.problems}, indent=2))
    return 0 if result.ok else 1


def cmd_invoke(args: argparse.Namespace) -> int:
    try:
        from local.cloud import invoke
    except ImportError:
        print("invoke needs a project checkout: run it from the repository root", file=sys.stderr)
        return 2
    invoke(args.name, args.event)
    return 0


def cmd_smoke(args: argparse.Namespace) -> int:
    from creditpilot.ops.smoke import run_smoke

    report = run_smoke(
        args.url,
        os.environ.get("SMOKE_EMAIL", "demo@creditpilot.local"),
        os.environ.get("SMOKE_PASSWORD") or os.environ.get("DEV_PASSWORD") or "CreditPilot-demo1",
    )
    print(json.dumps(report, indent=2))
    return 0 if report["ok"] else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m creditpilot",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate").set_defaults(run=cmd_migrate)
    sub.add_parser("seed").set_defaults(run=cmd_seed)
    sub.add_parser("check-invoice-numbers").set_defaults(run=cmd_check_invoice_numbers)
    invoke = sub.add_parser("invoke")
    invoke.add_argument("name")
    invoke.add_argument("--event")
    invoke.set_defaults(run=cmd_invoke)
    smoke = sub.add_parser("smoke")
    smoke.add_argument("--url", default=f"http://127.0.0.1:{os.environ.get('PORT', '3000')}")
    smoke.set_defaults(run=cmd_smoke)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
