"""The embedding checker's costs: model load, sentences per second, peak memory,
for each installed backend (onnx, sentence-transformers).

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
import json, resource, sys, time
import regex
t0 = time.perf_counter()
from retrans.detect.embeddings.model import EmbeddingCache, EmbeddingModel
m = EmbeddingModel(cache=EmbeddingCache(None), backend=sys.argv[1])
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
    sys.path.insert(0, str(ROOT / "src"))
    from retrans.detect.embeddings.model import installed_backends

    env = dict(os.environ, RETRANS_EMBEDDING_CACHE="off")
    results: dict[str, dict[str, float]] = {}
    for backend in installed_backends():
        res = subprocess.run(
            [sys.executable, "-c", PROBE, backend], cwd=ROOT, capture_output=True, text=True, env=env, check=True
        )
        results[backend] = json.loads(res.stdout.strip().splitlines()[-1])
    names = list(results)
    batch = next(iter(results.values()))["sentences"]
    rows = [
        ("model load (import + weights), s", "load_s", "{:.2f}"),
        (f"sentences encoded per second (batch of {batch:.0f})", "sentences_per_s", "{:.0f}"),
        ("single words encoded per second", "words_per_s_single_word_inputs", "{:.0f}"),
        ("peak memory, MB", "peak_mb", "{:.0f}"),
    ]
    print("| measure | " + " | ".join(names) + " |\n|---|" + "---:|" * len(names))
    for label, key, fmt in rows:
        print(f"| {label} | " + " | ".join(fmt.format(results[n][key]) for n in names) + " |")
    out = ROOT / "reports" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "embeddings.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
