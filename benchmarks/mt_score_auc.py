"""ROC-AUC of the document MT score: real machine-translated articles against
clean human-written news.

Positives (MT): every `.txt` in ../shared/eval/dev, ../shared/eval/real and
../shared/eval/topics (and ../shared/eval/clean/ is used as extra negatives when
it exists). Negatives (human): tests/data/clean_news*.txt. Each text is checked
once with the configuration given (the per-file process, as `retrans check`
does) and scored by retrans.detect.mt_score. The AUC is the Mann-Whitney
probability that a random MT article scores above a random human one (ties count
half). Prints one row per configuration and per MT set, and each document's score
with -v. Run: `.venv/bin/python benchmarks/mt_score_auc.py [--config full|no-outlier|fast|all] [-v]`.
"""

from __future__ import annotations

import argparse
from functools import partial
from pathlib import Path

from retrans.app.api import Options, Tooling, build_tooling
from retrans.app.process import process

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval"
MT_SETS = ("dev", "real", "topics")
CONFIGS = {
    "full": Options(),  # harper grammar, embeddings when installed: the default run
    # Main turns the embedding outlier RT901 off by default (--extend-enable RT901):
    "no-outlier": Options(disable=frozenset({"RT901"})),
    "fast": Options(grammar="none", embeddings=False),
}


def auc(pos: list[float], neg: list[float]) -> float:
    """P(score of a positive > score of a negative), ties counting half."""
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def texts() -> tuple[dict[str, list[Path]], list[Path]]:
    mt = {s: sorted((EVAL / s).glob("*.txt")) for s in MT_SETS}
    human = sorted((ROOT / "tests" / "data").glob("clean_news*.txt"))
    clean = EVAL / "clean"
    if clean.is_dir():
        human += sorted(clean.glob("*.txt"))
    return mt, human


def _score(tooling: Tooling, label: str | None, p: Path) -> float:
    s = process(p.read_text(encoding="utf-8"), tooling).mt_score
    if label:
        print(f"  {label} {s:.3f} {p.parent.name}/{p.name}")
    return s


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--config", choices=(*CONFIGS, "all"), default="all")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    mt, human = texts()
    n_mt = sum(len(v) for v in mt.values())
    print(f"MT articles: {n_mt} ({', '.join(f'{k} {len(v)}' for k, v in mt.items())}); human articles: {len(human)}")
    print("| configuration | MT set | MT docs | AUC | mean MT score (MT) | mean MT score (human) |")
    print("|---|---|---:|---:|---:|---:|")
    for name in CONFIGS if a.config == "all" else (a.config,):
        tooling = build_tooling(CONFIGS[name])
        score = partial(_score, tooling, name if a.verbose else None)
        neg = [score(p) for p in human]
        pos_by = {k: [score(p) for p in v] for k, v in mt.items()}
        allpos = [s for v in pos_by.values() for s in v]
        hm = sum(neg) / len(neg)
        for k, v in [*pos_by.items(), ("all", allpos)]:
            if v:
                print(f"| {name} | {k} | {len(v)} | {auc(v, neg):.3f} | {sum(v) / len(v):.3f} | {hm:.3f} |", flush=True)


if __name__ == "__main__":
    main()
