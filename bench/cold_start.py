"""Cold start of every function: a fresh interpreter that imports the function and serves its first
event (`events/<name>.json`), as a ratio to a minimal function importing only Powertools Logger and
boto3, measured in the same run. Target ≤ 1.3.

Measured from process spawn to the end of the first invocation (the child prints the clock when its
handler returns), as Lambda's Init Duration plus the first Duration: interpreter teardown is not part of
a cold start, since a Lambda execution environment lives on after its first request."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from local.functions import Template

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 1.3

CHILD = r"""
import importlib.util, json, sys, uuid
sys.path[:0] = [{layer!r}, {root!r}]
class Context:
    function_name = "bench"; memory_limit_in_mb = 512; function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:local:000000000000:function:bench"
    aws_request_id = str(uuid.uuid4())
    def get_remaining_time_in_millis(self): return 10000
spec = importlib.util.spec_from_file_location({module!r}, {path!r})
module = importlib.util.module_from_spec(spec); sys.modules[{module!r}] = module; spec.loader.exec_module(module)
with open({event!r}, encoding="utf-8") as fh:
    event = json.load(fh)
result = module.lambda_handler(event, Context())
import time
print("DONE", time.time(), flush=True)
status = result.get("statusCode", 200) if isinstance(result, dict) else 200
sys.exit(0 if status < 500 else 3)
"""

BASELINE = """
from aws_lambda_powertools import Logger
import boto3
logger = Logger(service="baseline")
def lambda_handler(event, context):
    logger.info("hello")
    return {"statusCode": 200, "body": "{}"}
lambda_handler({}, None)
import time
print("DONE", time.time(), flush=True)
"""


def _event_for(short_name: str) -> Path | None:
    exact = ROOT / "events" / f"{short_name}.json"
    if exact.exists():
        return exact
    candidates = sorted((ROOT / "events").glob(f"{short_name}_*.json"))
    return candidates[0] if candidates else None


def _once_ms(code: str, env: dict[str, str]) -> float | None:
    started = time.time()
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    done = [line for line in proc.stdout.splitlines() if line.startswith("DONE ")]
    if proc.returncode != 0 or not done:
        sys.stderr.write(proc.stderr[-800:])
        return None
    return (float(done[-1].split()[1]) - started) * 1000


def figures(env) -> list[dict]:
    """Rounds interleave the baseline with every function, and each ratio is the median of per-round
    ratios, so machine noise that drifts during the run hits both sides of every ratio alike."""
    rounds = 3 if env.quick else 9
    child_env = {**os.environ, **env.env, "POWERTOOLS_LOG_LEVEL": "ERROR"}
    subjects = []
    for spec in Template().functions().values():
        event = _event_for(spec.short_name)
        if event is not None:
            code = CHILD.format(
                layer=str(ROOT / "layers" / "shared"),
                root=str(ROOT),
                module=spec.module_name,
                path=str(spec.code_dir / "app.py"),
                event=str(event),
            )
            subjects.append((spec.short_name, event.name, code))
    baselines: list[float] = []
    ratios: dict[str, list[float]] = {name: [] for name, _, _ in subjects}
    times: dict[str, list[float]] = {name: [] for name, _, _ in subjects}
    failures: dict[str, int] = {name: 0 for name, _, _ in subjects}
    for _ in range(rounds):
        baseline = _once_ms(BASELINE, child_env)
        if baseline is None:
            continue
        baselines.append(baseline)
        for name, _, code in subjects:
            elapsed = _once_ms(code, child_env)
            if elapsed is None:
                failures[name] += 1
                continue
            times[name].append(elapsed)
            ratios[name].append(elapsed / baseline)
    base = statistics.median(baselines)
    results = [
        {
            "name": "cold start: minimal function (Logger + boto3)",
            "value": round(base, 1),
            "unit": "ms",
            "target": None,
            "better": "lower",
        }
    ]
    for name, event_name, _ in subjects:
        if not ratios[name]:
            continue
        results.append(
            {
                "name": f"cold start ratio: {name} ({event_name})",
                "value": round(statistics.median(ratios[name]), 3),
                "unit": "x",
                "target": TARGET_RATIO,
                "better": "lower",
                "reference": round(base, 1),
                "detail": {"ms": round(statistics.median(times[name]), 1), "failed_runs": failures[name]},
            }
        )
    return results
