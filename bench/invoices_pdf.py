"""Invoice PDF rendering: warm render time per layout and language, cached vs naive font loading, size.

`figures()` is what `make bench` collects; `python bench/invoices_pdf.py` prints the same as JSON.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "layers" / "shared"))

from creditpilot.invoices.models import InvoiceDocument, sample_draft  # noqa: E402
from creditpilot.invoices.pdf import render_invoice_pdf  # noqa: E402
from creditpilot.invoices.profile import load_profile  # noqa: E402

WARM_RUNS = 25
NAIVE_RUNS = 7
TARGET_MS = {"en": 40.0, "zh": 80.0}
TARGET_KB = 100.0


def _p50_ms(doc: InvoiceDocument, font_loading: str, runs: int) -> tuple[float, int]:
    size = len(render_invoice_pdf(doc, font_loading=font_loading))  # warms caches and imports
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        render_invoice_pdf(doc, font_loading=font_loading)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), size


def figures(env=None) -> list[dict]:
    profile = load_profile()
    results: list[dict] = []
    largest_kb = 0.0
    for layout in ("service", "debit", "itemised"):
        for lang in ("en", "zh"):
            doc = InvoiceDocument.build(sample_draft(layout, lang), profile, number="INV-2026-0001")
            warm_ms, size = _p50_ms(doc, "cached", WARM_RUNS)
            naive_ms, _ = _p50_ms(doc, "naive", NAIVE_RUNS)
            largest_kb = max(largest_kb, size / 1024)
            results.append(
                {
                    "name": f"invoice_pdf_{layout}_{lang}_warm_p50",
                    "value": round(warm_ms, 1),
                    "unit": "ms",
                    "target": TARGET_MS[lang],
                    "better": "lower",
                    "reference": round(naive_ms, 1),
                }
            )
            results.append(
                {
                    "name": f"invoice_pdf_{layout}_{lang}_naive_over_warm",
                    "value": round(naive_ms / warm_ms, 2),
                    "unit": "x",
                    "target": None,
                    "better": "higher",
                }
            )
    results.append(
        {
            "name": "invoice_pdf_max_size",
            "value": round(largest_kb, 1),
            "unit": "KB",
            "target": TARGET_KB,
            "better": "lower",
        }
    )
    return results


if __name__ == "__main__":
    print(json.dumps(figures(), indent=2))
