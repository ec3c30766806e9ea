"""Scaling of `retrans check` with input size: time must grow linearly.

Builds texts of growing size by repeating the seed article (paragraphs renumbered
so the repeats are not identical lines), checks each in process, and prints a
table of size, wall time and time per megabyte. Run: `.venv/bin/python
benchmarks/bench_scaling.py [--max-mb 20] [--grammar harper|none]`.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from retrans.app.api import Options, build_tooling

SEED = Path(__file__).resolve().parents[1] / "seeds" / "000_f35722fa09ccbc01.txt"


def corpus(size: int) -> str:
    seed = SEED.read_text(encoding="utf-8")
    parts, total, i = [], 0, 0
    while total < size:
        block = f"Part {i}.\n{seed}\n"
        parts.append(block)
        total += len(block)
        i += 1
    return "".join(parts)[:size]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--max-mb", type=float, default=20.0)
    ap.add_argument("--grammar", default="harper", choices=("harper", "none"))
    a = ap.parse_args()
    tooling = build_tooling(Options(grammar=a.grammar))
    tooling.pipeline.check(corpus(20_000))  # warm up: model loads are not part of scaling
    sizes = [s for s in (100_000, 1_000_000, 5_000_000, 20_000_000) if s <= a.max_mb * 1_000_000]
    print(f"grammar={a.grammar}")
    print(f"| {'size (MB)':>9} | {'findings':>8} | {'seconds':>8} | {'s per MB':>8} | {'peak RSS (MB)':>13} |")
    print(f"|{'-' * 11}|{'-' * 10}|{'-' * 10}|{'-' * 10}|{'-' * 15}|")
    for size in sizes:
        text = corpus(size)
        t0 = time.perf_counter()
        n = len(tooling.pipeline.check(text))
        dt = time.perf_counter() - t0
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"| {size / 1e6:9.1f} | {n:8d} | {dt:8.2f} | {dt / (size / 1e6):8.2f} | {rss:13.0f} |", flush=True)


if __name__ == "__main__":
    main()
