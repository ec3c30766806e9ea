"""The embedding checker's costs: model load, sentences per second, peak memory.

Run: `.venv/bin/python benchmarks/bench_embeddings.py`. Each figure comes from a
fresh process with the on-disk cache off, so nothing is reused between runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = r"""
import json, resource, time
import regex
t0 = time.perf_counter()
from retrans.detect.embeddings.model import EmbeddingCache, EmbeddingModel
m = EmbeddingModel(cache=EmbeddingCache(None))
m.model
load = time.perf_counter() - t0
text = open("seeds/000_f35722fa09ccbc01.txt", encoding="utf-8").read()
sentences = [s.strip() for s in regex.split(r"(?<=[.!?])\s+", text) if s.strip()]
batch = [f"{i}. {s}" for i in range(10) for s in sentences]
t0 = time.perf_counter()
m.encode(batch)
enc = time.perf_counter() - t0
words = [w for s in sentences for w in s.split()]
t0 = time.perf_counter()
m.encode([f"{w}{i}" for i, w in enumerate(words)])
wenc = time.perf_counter() - t0
print(json.dumps({"load_s": load, "sentences": len(batch), "sentences_per_s": len(batch) / enc,
                  "words_per_s_single_word_inputs": len(words) / wenc,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> None:
    env = dict(os.environ, RETRANS_EMBEDDING_CACHE="off")
    res = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, env=env, check=True)
    r = json.loads(res.stdout.strip().splitlines()[-1])
    rows = [
        ("model load (import + weights), s", f"{r['load_s']:.2f}"),
        ("sentences encoded per second (batch of " + str(r["sentences"]) + ")", f"{r['sentences_per_s']:.0f}"),
        ("single words encoded per second", f"{r['words_per_s_single_word_inputs']:.0f}"),
        ("peak memory, MB", f"{r['peak_mb']:.0f}"),
    ]
    print("| measure | value |\n|---|---:|")
    for k, v in rows:
        print(f"| {k} | {v} |")
    out = ROOT / "reports" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "embeddings.json").write_text(json.dumps(r, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
