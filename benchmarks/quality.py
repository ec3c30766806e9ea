"""Recall and precision on the annotated suites, and false alarms on clean text.

    .venv/bin/python benchmarks/quality.py [--config default|no-lm|...] [--out reports/quality.md]

Suites (../shared/eval): dev (the seed), real/ split into its seven development
articles and the three the project keeps held out (never used to write a rule),
topics/ (other subjects). Clean text: tests/data/clean_news*.txt, correct edited
English; every finding there is a false alarm, counted per 1,000 words by checker.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval"
HELD_OUT = ("timesmoguls_carney_steel", "thetimeshub_session_review", "zomaloma_assembly_balance")
CONFIGS = {
    "default": [],
    "no-lm": ["--no-lm"],
    "no-embeddings": ["--no-embeddings"],
    "rules-only": ["--no-embeddings", "--grammar", "none"],
}
TOOL = str(ROOT / ".venv" / "bin" / "retrans")


def suites(tmp: Path) -> dict[str, Path]:
    """dev, real (7 development articles), held-out (3), topics: folders of links."""
    out = {"dev": EVAL / "dev", "topics": EVAL / "topics"}
    for name, keep in (("real-7", False), ("held-out-3", True)):
        folder = tmp / name
        folder.mkdir()
        for f in (EVAL / "real").iterdir():
            if f.name.endswith((".txt", ".gold.json")) and f.name.startswith(HELD_OUT) == keep:
                (folder / f.name).symlink_to(f)
        out[name] = folder
    return out


def score(suite: Path, flags: list[str]) -> dict[str, float]:
    tool = " ".join([TOOL, *flags])
    run = subprocess.run(
        [sys.executable, str(EVAL / "score.py"), "--suite", str(suite), "--tool", tool, "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(run.stdout)
    return dict(data.get("totals", data))


def clean_rates(flags: list[str]) -> tuple[int, Counter[str]]:
    files = sorted((ROOT / "tests" / "data").glob("clean_news*.txt"))
    words = sum(len(f.read_text(encoding="utf-8").split()) for f in files)
    run = subprocess.run(
        [TOOL, *flags, "check", "--format", "json", *map(str, files)], capture_output=True, text=True
    )
    by: Counter[str] = Counter()
    for entry in json.loads(run.stdout)["files"]:
        for f in entry["findings"]:
            by[f["rule"].split("/")[0] if "/" in f["rule"] else f["rule"]] += 1
    return words, by


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", action="append", choices=sorted(CONFIGS))
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "quality.md")
    args = ap.parse_args()
    configs = args.config or ["default", "no-lm"]
    rows = ["| configuration | suite | recall | precision | exact repairs | harm |", "|---|---|---:|---:|---:|---:|"]
    clean = ["| configuration | clean words | findings | per 1,000 words | by code |", "|---|---:|---:|---:|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        for name in configs:
            flags = CONFIGS[name]
            folder = Path(tmp) / name
            folder.mkdir()
            for label, suite in suites(folder).items():
                t = score(suite, flags)
                rows.append(
                    f"| {name} | {label} | {100 * t['recall']:.1f} % ({t['detected']}/{t['artifacts']}) "
                    f"| {100 * t['precision']:.1f} % ({t['true_findings']}/{t['findings']}) "
                    f"| {100 * t['repair_rate']:.1f} % | {t['harm']} |"
                )
                print(rows[-1], flush=True)
            words, by = clean_rates(flags)
            n = sum(by.values())
            codes = ", ".join(f"{k} {v}" for k, v in by.most_common())
            clean.append(f"| {name} | {words} | {n} | {1000 * n / words:.2f} | {codes} |")
            print(clean[-1], flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(rows) + "\n\n" + "\n".join(clean) + "\n", encoding="utf-8")
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("NO_COLOR", "1")
    raise SystemExit(main())
