"""Corpus throughput: a Dask LocalCluster of 2 workers against the local `-j 2` runner.

Synthesises a JSON Lines corpus of N documents (default 10,000) by repeating and
shuffling the paragraphs of the project's own clean news texts
(tests/data/clean_news*.txt), with a sentence of MT artifacts written for this
benchmark added to every third document (no evaluation text). Then runs
`retrans check CORPUS --format json` as a subprocess, once with `-j 2` and once
with `--scheduler local:2`, and prints wall time, documents per second, the
throughput ratio (Dask / -j 2), and peak memory: of the client process, and per
worker (the largest peak RSS among the run's worker processes, sampled every
0.2 s with psutil; Dask's nanny processes are excluded). Both runs' outputs are
compared byte for byte. Cluster start-up and model loading are inside the timings,
as a user sees them.

Run: `.venv/bin/python benchmarks/bench_corpus.py [--docs 10000] [--config fast|full]`
(`fast` = `--grammar none --no-embeddings`, minutes; `full` = the default checkers).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
OWN_MT = [
    "The Prime Minister of Alberta spoke to journalists. Shortly after the re -election, she left.",
    "The Prime Minister of Ontario answered the opposition in the afternoon.",
]
CONFIGS = {"fast": ["--grammar", "none", "--no-embeddings"], "full": []}


def synthesise(path: Path, n: int, seed: int = 18) -> int:
    paras = [
        p.strip()
        for f in sorted((ROOT / "tests" / "data").glob("clean_news*.txt"))
        for p in f.read_text(encoding="utf-8").splitlines()
        if len(p.split()) > 8
    ]
    rng = random.Random(seed)
    words = 0
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            body = rng.sample(paras, k=rng.randint(3, 6))
            if i % 3 == 0:
                body.insert(rng.randrange(len(body) + 1), OWN_MT[i % 2])
            text = "\n\n".join(body) + "\n"
            words += len(text.split())
            out.write(json.dumps({"id": i, "text": text}) + "\n")
    return words


def run(argv: list[str], out: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    t0 = time.perf_counter()
    with out.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "retrans", *argv], stdout=sink, stderr=subprocess.DEVNULL, env=env
        )
        main = psutil.Process(proc.pid)
        peaks: dict[int, tuple[str, int]] = {}
        client = 0
        while proc.poll() is None:
            try:
                client = max(client, main.memory_info().rss)
                for child in main.children(recursive=True):
                    try:
                        name = " ".join(child.cmdline())[:200]
                        rss = child.memory_info().rss
                    except psutil.Error:
                        continue
                    peaks[child.pid] = (name, max(rss, peaks.get(child.pid, ("", 0))[1]))
            except psutil.Error:
                pass
            time.sleep(0.2)
    dt = time.perf_counter() - t0
    workers = [rss for name, rss in peaks.values() if "nanny" not in name and "resource_tracker" not in name]
    workers.sort(reverse=True)
    return {
        "seconds": dt,
        "client_mb": client / 2**20,
        "worker_mb": (workers[0] / 2**20) if workers else 0.0,
        "workers_seen": float(len(workers)),
        "rc": float(proc.returncode),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--config", choices=tuple(CONFIGS), default="fast")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        words = synthesise(d / "corpus.jsonl", a.docs)
        print(f"{a.docs} documents, {words} words, config {a.config} ({' '.join(CONFIGS[a.config]) or 'default'})")
        base = ["check", str(d / "corpus.jsonl"), "--format", "json", *CONFIGS[a.config]]
        rows = {}
        for label, extra, out in (
            ("-j 2", ["-j", "2", "--output-dir", str(d / "local")], d / "local.json"),
            ("dask local:2", ["--scheduler", "local:2", "--output-dir", str(d / "dask")], d / "dask.json"),
        ):
            rows[label] = r = run([*base, *extra], out)
            print(f"  {label}: {r['seconds']:.1f} s, rc {r['rc']:.0f}", flush=True)
        same = (d / "local.json").read_bytes() == (d / "dask.json").read_bytes() and (
            d / "local" / "corpus.jsonl"
        ).read_bytes() == (d / "dask" / "corpus.jsonl").read_bytes()
        print()
        print("| runner | seconds | docs/s | throughput vs -j 2 | client peak RSS (MB) | peak RSS per worker (MB) |")
        print("|---|---:|---:|---:|---:|---:|")
        ref = rows["-j 2"]["seconds"]
        for label, r in rows.items():
            print(
                f"| {label} | {r['seconds']:.1f} | {a.docs / r['seconds']:.1f} | {ref / r['seconds']:.2f} "
                f"| {r['client_mb']:.0f} | {r['worker_mb']:.0f} |"
            )
        print(f"outputs identical: {same}")


if __name__ == "__main__":
    main()
