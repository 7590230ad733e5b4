"""`make bench`: every performance figure beside its target, as a table and as bench/results.json.

    python -m bench [--only NAME[,NAME]] [--quick]

Each module contributes `figures(env) -> list[dict]` with name, value, unit, target, better
("lower"|"higher") and, where the issue names one, a reference measured in the same run. The runner
adds `meets`. A private PostgreSQL (.local/pg-bench, recreated database) and a moto server are started
for the run and stopped after it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "layers" / "shared"), str(ROOT)]

from bench import environment  # noqa: E402

SUITES = ("cold_start", "platform_warm", "invoices_pdf", "invoices_db", "loans")


def _meets(figure: dict) -> bool:
    if figure.get("target") is None:
        return True
    return (
        figure["value"] <= figure["target"]
        if figure["better"] == "lower"
        else figure["value"] >= figure["target"]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--only", help="comma-separated suites: " + ", ".join(SUITES))
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (smoke-testing the bench)")
    args = parser.parse_args(argv)
    wanted = args.only.split(",") if args.only else list(SUITES)
    # Read compiled code, as Lambda reads the layer's .pyc files, so the figures are not compile time.
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "layers" / "shared"), str(ROOT / "functions")],
        check=False,
    )
    started = time.monotonic()
    figures: list[dict] = []
    with environment.BenchEnvironment(quick=args.quick) as env:
        for suite in wanted:
            module = __import__(f"bench.{suite}", fromlist=["figures"])
            suite_started = time.monotonic()
            for figure in module.figures(env):
                figure.setdefault("suite", suite)
                figure["meets"] = _meets(figure)
                figures.append(figure)
            print(f"[{suite}: {time.monotonic() - suite_started:.1f} s]", file=sys.stderr)
    report = {
        "figures": figures,
        "seconds": round(time.monotonic() - started, 1),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
    }
    (ROOT / "bench" / "results.json").write_text(json.dumps(report, indent=2))
    _print_table(figures)
    print(json.dumps(report, indent=2))
    return 0


def _print_table(figures: list[dict]) -> None:
    print(f"{'figure':58} {'value':>10} {'target':>10} {'reference':>10}  unit   meets", file=sys.stderr)
    for f in figures:
        target = (
            "" if f.get("target") is None else f"{'<=' if f['better'] == 'lower' else '>='}{f['target']:g}"
        )
        reference = "" if f.get("reference") is None else f"{f['reference']:.4g}"
        print(
            f"{f['name'][:58]:58} {f['value']:>10.4g} {target:>10} {reference:>10}  {f['unit']:6} "
            f"{'yes' if f['meets'] else 'NO'}",
            file=sys.stderr,
        )


if __name__ == "__main__":
    sys.exit(main())
