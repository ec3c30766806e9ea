"""The language-model checker's costs: model load (cold: GGUF conversion; cached:
the bf16 copy), tokens scored per second, words checked per second, peak memory.

Run: `.venv/bin/python benchmarks/bench_lm.py`. Each figure comes from a fresh
process, three times (median, min-max: the machines are shared, so wall time is
noisy; CPU time is printed beside it); the cold load uses an empty temporary cache
folder. Targets (the issue):
at most 3 s per 1,000 words added, peak RSS at most 1.5 GB.

`--calibrate SUITE...` instead measures each candidate source the way the data
file's header reports it: over annotated suites (NAME.txt + NAME.gold.json) the
candidates that fire at each margin and how many locate an artifact, and over the
clean texts (tests/data/clean_news*.txt) the false alarms per 10,000 words.
Never pass the held-out files.
"""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LOAD = r"""
import json, resource, time
t0 = time.perf_counter(); c0 = time.process_time()
from retrans.detect.lm.model import CausalLM
CausalLM.load()
print(json.dumps({"load_s": time.perf_counter() - t0, "load_cpu_s": time.process_time() - c0,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

#: Dense MT text to time: the studied real articles when present, else the seed.
MT_SUITES = ("/work/evalsets/real7/*.txt", "seeds/*.txt")

RUN = r"""
import glob, json, os, resource, time
MT_GLOB = os.environ.get("RETRANS_BENCH_MT", "seeds/*.txt")
from retrans.detect.lm.checker import LMChecker
from retrans.detect.lm.model import Window, shared_model
t0 = time.perf_counter()
model = shared_model()
load = time.perf_counter() - t0
clean = [open(p, encoding="utf-8").read() for p in sorted(glob.glob("tests/data/clean_news*.txt"))]
mt = [open(p, encoding="utf-8").read() for p in sorted(glob.glob(MT_GLOB))]
checker = LMChecker(model=model)
checker.check("warm-up: a commercial war.")
# What the checker adds in the pipeline: it sees the rules' and Harper's findings and
# does not score candidates on words they flagged (computed here, outside the timing).
from retrans.core.options import Options
from retrans.detect.build import build_tooling
others = build_tooling(Options(embeddings=False, lm=False)).pipeline
def timed(texts):
    words = sum(len(t.split()) for t in texts)
    priors = [others.check(t) for t in texts]
    flagged = [[(f.start, f.end) for f in p] for p in priors]
    windows = sum(1 + len(c.alternatives) for t, fl in zip(texts, flagged) for c in checker.candidates(t, fl))
    t0 = time.perf_counter(); c0 = time.process_time()
    for t, p in zip(texts, priors):
        checker.check(t, p)
    return words, windows, time.perf_counter() - t0, time.process_time() - c0
words, n_windows, check_s, check_cpu = timed(clean)
mt_words, mt_windows, mt_s, mt_cpu = timed(mt)
texts = clean + mt
sentences = [s for t in texts for s in t.split(". ") if len(s.split()) > 5][:64]
windows = [Window("", " " + s) for s in sentences]
tokens = sum(len(model.encode(w.text)) + 1 for w in windows)
t0 = time.perf_counter()
model.score(windows)
score_s = time.perf_counter() - t0
print(json.dumps({"cached_load_s": load, "words": words, "windows": n_windows, "check_s": check_s,
                  "s_per_1000_words": 1000 * check_s / words, "words_per_s": words / check_s,
                  "cpu_s_per_1000_words": 1000 * check_cpu / words,
                  "mt_words": mt_words, "mt_windows": mt_windows, "mt_s_per_1000_words": 1000 * mt_s / mt_words,
                  "mt_cpu_s_per_1000_words": 1000 * mt_cpu / mt_words,
                  "tokens_per_s": tokens / score_s,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _run(probe: str, env: dict[str, str]) -> dict[str, float]:
    res = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, env=env, check=True)
    out: dict[str, float] = json.loads(res.stdout.strip().splitlines()[-1])
    return out


def calibrate(suites: list[str], sources: frozenset[str]) -> None:
    """Per source and margin: findings, true findings, precision; clean false alarms."""
    sys.path.insert(0, str(ROOT / "src"))
    from retrans.detect.lm.checker import LMChecker

    checker = LMChecker(sources=sources)
    rows: list[tuple[str, str, float, bool]] = []  # source, entry, best margin, locates an artifact
    clean_words = 0
    for suite in suites:
        for txt in sorted(Path(suite).glob("*.txt")):
            gold = json.loads(txt.with_suffix(".gold.json").read_text("utf-8"))
            for v in checker.verdicts(txt.read_text("utf-8")):
                c = v.candidate
                hit = any(a["start"] < c.end and c.start < a["end"] for a in gold)
                rows.append((c.source, c.entry, v.best, hit))
    clean: list[tuple[str, str, float]] = []
    for txt in sorted((ROOT / "tests" / "data").glob("clean_news*.txt")):
        text = txt.read_text("utf-8")
        clean_words += len(text.split())
        clean.extend((v.candidate.source, v.candidate.entry, v.best) for v in checker.verdicts(text))
    print(f"clean words: {clean_words}")
    print("| source | margin | findings | true | precision | clean false alarms | per 10k clean words |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for src in sorted({r[0] for r in rows} | {c[0] for c in clean}):
        for margin in (-2.0, 0.0, 0.5, 1.0, 2.0, 4.0, 8.0):
            fired = [r for r in rows if r[0] == src and r[2] >= margin]
            true = sum(r[3] for r in fired)
            fa = [c for c in clean if c[0] == src and c[2] >= margin]
            prec = f"{true / len(fired):.0%}" if fired else "n/a"
            per10k = 10000 * len(fa) / max(1, clean_words)
            print(f"| {src} | {margin:+.1f} | {len(fired)} | {true} | {prec} | {len(fa)} | {per10k:.1f} |")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--calibrate":
        args = sys.argv[2:]
        sources = frozenset(a.split("=", 1)[1].split(",") for a in args if a.startswith("--sources="))
        wanted = frozenset(s for group in sources for s in group) or frozenset({"confusions"})
        calibrate([a for a in args if not a.startswith("--")], wanted)
        return
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    mt_glob = next((g for g in MT_SUITES if glob.glob(g, root_dir=ROOT)), "seeds/*.txt")
    env["RETRANS_BENCH_MT"] = mt_glob
    repeats = 3
    colds, cacheds, runs = [], [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            colds.append(_run(LOAD, dict(env, RETRANS_CACHE_DIR=tmp)))
            cacheds.append(_run(LOAD, dict(env, RETRANS_CACHE_DIR=tmp)))
        runs.append(_run(RUN, env))

    def spread(rows: list[dict[str, float]], key: str, fmt: str = "{:.2f}") -> str:
        vals = sorted(r[key] for r in rows)
        return f"{fmt.format(vals[len(vals) // 2])} ({fmt.format(vals[0])}-{fmt.format(vals[-1])})"

    r = runs[0]
    rows = [
        ("model load, cold (GGUF conversion + bf16 cache write), wall s", spread(colds, "load_s", "{:.1f}")),
        ("model load, cold, CPU s", spread(colds, "load_cpu_s", "{:.1f}")),
        ("model load, cached bf16 (import torch + weights + tokenizer), wall s", spread(cacheds, "load_s")),
        ("model load, cached, CPU s", spread(cacheds, "load_cpu_s")),
        ("tokens scored per second (batch of 64 sentences)", spread(runs, "tokens_per_s", "{:.0f}")),
        (
            f"clean news: {r['words']:.0f} words, {r['windows']:.0f} windows; wall s per 1,000 words",
            spread(runs, "s_per_1000_words"),
        ),
        ("clean news, CPU s per 1,000 words", spread(runs, "cpu_s_per_1000_words")),
        (
            f"MT text ({mt_glob}: {r['mt_words']:.0f} words, {r['mt_windows']:.0f} windows), "
            "wall s per 1,000 words (target <= 3)",
            spread(runs, "mt_s_per_1000_words"),
        ),
        ("MT text, CPU s per 1,000 words", spread(runs, "mt_cpu_s_per_1000_words")),
        ("peak RSS, cold load, MB", spread(colds, "peak_mb", "{:.0f}")),
        ("peak RSS, checking, MB (target <= 1,536)", spread(runs, "peak_mb", "{:.0f}")),
    ]
    print(f"median (min-max) of {repeats} fresh processes each")
    print("| measure | value |\n|---|---:|")
    for k, v in rows:
        print(f"| {k} | {v} |")
    out = ROOT / "reports" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "lm.json").write_text(json.dumps({"cold": colds, "cached": cacheds, "run": runs}, indent=1) + "\n", "utf-8")


if __name__ == "__main__":
    main()
