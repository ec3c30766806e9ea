"""How well does the sense gate tell a mistranslated sense from a correct one?

The sense rule (rules/senses.yaml, RT351) proposes every occurrence of a
rendering of a polysemous French word; the embedding checker keeps one when the
sentence is closer to a right sense's gloss than to the found word's own gloss
by the margin. This script walks every proposal in three sets and prints, for
several margins, how many the gate would keep:

- artifacts: the rule's bad examples (the phenomena the lexicon is for);
- correct uses: the rule's good examples and every occurrence in the clean news
  texts (tests/data/clean_news*.txt), where any kept proposal is a false alarm;
- seed: occurrences in the annotated suite, split by whether an artifact is there.

Run: `.venv/bin/python benchmarks/sense_gate.py [--suite ../shared/eval/dev]`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from retrans.api import build_stage
from retrans.context import TextContext
from retrans.context_stage import ContextStage, paragraphs
from retrans.engine import run_rules
from retrans.loader import load_rules
from retrans.ruletypes.sense import SenseRule

ROOT = Path(__file__).resolve().parents[1]
MARGINS = (-0.05, -0.02, 0.0, 0.02, 0.05)


def margins(stage: ContextStage, rule: SenseRule, text: str) -> list[tuple[int, int, float]]:
    """(start, end, best right sense's margin) for every proposal in `text`."""
    found = run_rules([rule], TextContext(text, rule.lexicon))
    out = []
    for f in stage.sense_scores(text, found, paragraphs(text)):
        out.append((f[0].start, f[0].end, f[1]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--suite", type=Path, default=ROOT.parent / "shared" / "eval" / "dev")
    args = ap.parse_args()
    ruleset = load_rules(None)
    stage = build_stage(True, ruleset)
    assert stage is not None
    sets: dict[str, list[float]] = {"artifacts (bad examples)": [], "correct uses (good examples, clean texts)": []}
    for rule in ruleset.rules:
        if not isinstance(rule, SenseRule):
            continue
        for ex in rule.spec.examples.bad:
            sets["artifacts (bad examples)"] += [m for *_, m in margins(stage, rule, ex.text)]
        for text in rule.spec.examples.good:
            sets["correct uses (good examples, clean texts)"] += [m for *_, m in margins(stage, rule, text)]
        for path in sorted((ROOT / "tests" / "data").glob("clean_news*.txt")):
            text = path.read_text(encoding="utf-8")
            sets["correct uses (good examples, clean texts)"] += [m for *_, m in margins(stage, rule, text)]
        for gold_path in sorted(args.suite.glob("*.gold.json")):
            text = gold_path.with_name(gold_path.name.replace(".gold.json", ".txt")).read_text(encoding="utf-8")
            gold = json.loads(gold_path.read_text(encoding="utf-8"))
            for s, e, m in margins(stage, rule, text):
                hit = any(s < int(a["end"]) and int(a["start"]) < e for a in gold)
                sets.setdefault("seed: on an artifact" if hit else "seed: no artifact", []).append(m)
    print("| proposals | n | " + " | ".join(f"kept at {m:+.2f}" for m in MARGINS) + " |")
    print("|---|---:|" + "---:|" * len(MARGINS))
    for name, values in sets.items():
        cells = " | ".join(str(sum(v >= m for v in values)) for m in MARGINS)
        print(f"| {name} | {len(values)} | {cells} |")
    print(f"\nThe checker's margin: {stage.sense_margin:+.2f}.")


if __name__ == "__main__":
    main()
