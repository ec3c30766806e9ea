"""How well does the sense gate tell a mistranslated sense from a correct one?

The sense rule (rules/senses.yaml, RT351) proposes every occurrence of a
rendering of a polysemous French word; the embedding checker keeps one when the
sentence is closer to a right sense's gloss than to the found word's own gloss
by the margin. This script walks every proposal in three sets and prints, for
several margins, how many the gate would keep:

- artifacts: the rule's bad examples (the phenomena the lexicon is for);
- correct uses: the rule's good examples and every occurrence in the clean news
  texts (tests/data/clean_news*.txt), where any kept proposal is a false alarm;
- selection set (tests/data/sense_selection.yaml): calques and English uses
  written after the first glosses, then used to choose entries (optimistic);
- held-out set (tests/data/sense_heldout.yaml): calques and English uses written
  after every choice was made and never tuned on (the honest measure);
- seed: occurrences in the annotated suite, split by whether an artifact is there.

`--compare` also scores other ways of asking the same question with this model,
so that the gate's formulation is a measured choice (figures in the README):

- gloss (used): the sentence against "word: gloss" of the found and right senses;
- bare glosses: the same without the headwords;
- masked: the sentence with the word replaced by "something", against bare glosses;
- substituted: each sense's word put into the sentence, against its own gloss;
- same headword: every gloss headed by the found word ("saluted: expressed approval ...").

Run: `.venv/bin/python benchmarks/sense_gate.py [--suite ../shared/eval/dev] [--compare]`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import yaml

from retrans.app.api import build_stage
from retrans.detect.embeddings.checker import ContextStage, paragraphs
from retrans.detect.rules.context import TextContext
from retrans.detect.rules.engine import run_rules
from retrans.detect.rules.loader import load_rules
from retrans.detect.rules.types.sense import SenseRule, glosses_of

ROOT = Path(__file__).resolve().parents[1]
MARGINS = (-0.05, -0.02, 0.0, 0.02, 0.05)
SELECTION = ROOT / "tests" / "data" / "sense_selection.yaml"
HELD_OUT = ROOT / "tests" / "data" / "sense_heldout.yaml"


def margins(stage: ContextStage, rule: SenseRule, text: str) -> list[tuple[int, int, float]]:
    """(start, end, best right sense's margin) for every proposal in `text`."""
    found = run_rules([rule], TextContext(text, rule.lexicon))
    out = []
    for f in stage.sense_scores(text, found, paragraphs(text)):
        out.append((f[0].start, f[0].end, f[1]))
    return out


def variants(stage: ContextStage, rule: SenseRule, text: str) -> list[dict[str, float]]:
    """For every proposal in `text`: the best right sense's margin by each method."""
    found = run_rules([rule], TextContext(text, rule.lexicon))
    paras = paragraphs(text)
    out = []
    for f in found:
        glosses = glosses_of(f)
        if len(glosses) != len(f.suggestions) + 1:
            continue
        ss, se = stage._sentence(text, paras[stage._para_of(paras, f.start)], f.start, f.end)
        sent, a, b = text[ss:se], f.start - ss, f.end - ss
        heads, bare = zip(*(g.split(": ", 1) for g in glosses), strict=True)
        n = len(glosses)
        v = stage.model.encode(
            [sent, sent[:a] + "something" + sent[b:]]
            + glosses
            + list(bare)
            + [sent[:a] + h + sent[b:] for h in heads]
            + [f"{sent[a:b].lower()}: {g}" for g in bare]
        )
        full, masked = v[0], v[1]
        gl, br, sub, same = v[2 : 2 + n], v[2 + n : 2 + 2 * n], v[2 + 2 * n : 2 + 3 * n], v[2 + 3 * n :]
        scores = {
            "gloss (used)": gl @ full,
            "bare glosses": br @ full,
            "masked": br @ masked,
            "substituted": np.einsum("ij,ij->i", sub, gl),
            "same headword": same @ full,
        }
        out.append({k: float(max(x[1:] - x[0])) for k, x in scores.items()})
    return out


def compare(stage: ContextStage, rules: list[SenseRule]) -> None:
    """Each method's calques kept at margin 0 and at the lowest margin that keeps
    no correct use; calques: the bad examples and the held-out calques."""
    pos: list[dict[str, float]] = []
    neg: list[dict[str, float]] = []
    clean = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "tests" / "data").glob("clean_news*.txt"))]
    held = labelled(HELD_OUT)
    for rule in rules:
        for ex in rule.spec.examples.bad:
            pos += variants(stage, rule, ex.text)
        for text in held["calque"]:
            pos += variants(stage, rule, text)
        for text in [*rule.spec.examples.good, *clean, *held["english"]]:
            neg += variants(stage, rule, text)
    print(f"\n{len(pos)} calque proposals (bad examples, held-out calques); {len(neg)} correct uses.\n")
    print("| method | calques kept at 0 | false alarms at 0 | calques kept with no false alarm |")
    print("|---|---:|---:|---:|")
    for method in pos[0]:
        top = max(x[method] for x in neg)
        kept0 = sum(x[method] >= 0 for x in pos)
        alarms0 = sum(x[method] >= 0 for x in neg)
        print(f"| {method} | {kept0} | {alarms0} | {sum(x[method] > top for x in pos)} |")


def labelled(path: Path) -> dict[str, list[str]]:
    """The `calque` and `english` sentences of a sense test set, across entries."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {kind: [s for entry in data.values() for s in entry.get(kind, [])] for kind in ("calque", "english")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--suite", type=Path, default=ROOT.parent / "shared" / "eval" / "dev")
    ap.add_argument("--compare", action="store_true", help="also score other formulations of the gate")
    args = ap.parse_args()
    ruleset = load_rules(None)
    stage = build_stage(True, ruleset)
    assert stage is not None
    sets: dict[str, list[float]] = {"artifacts (bad examples)": [], "correct uses (good examples, clean texts)": []}
    calque_best: dict[tuple[str, str], float] = {}
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
        for name, path in (("selection", SELECTION), ("held-out", HELD_OUT)):
            for kind, sentences in labelled(path).items():
                key = f"{name}: {'calques' if kind == 'calque' else 'English uses'}"
                sets.setdefault(key, [])
                for text in sentences:
                    found = [m for *_, m in margins(stage, rule, text)]
                    if kind == "calque":  # one per sentence: a calque nothing proposes is missed
                        calque_best[(name, text)] = max([calque_best.get((name, text), -1.0), *found])
                    else:
                        sets[key] += found
        for gold_path in sorted(args.suite.glob("*.gold.json")):
            text = gold_path.with_name(gold_path.name.replace(".gold.json", ".txt")).read_text(encoding="utf-8")
            gold = json.loads(gold_path.read_text(encoding="utf-8"))
            for s, e, m in margins(stage, rule, text):
                hit = any(s < int(a["end"]) and int(a["start"]) < e for a in gold)
                sets.setdefault("seed: on an artifact" if hit else "seed: no artifact", []).append(m)
    for (name, _), best in calque_best.items():
        sets[f"{name}: calques"].append(best)
    print("Calque rows count sentences (one that no entry proposes counts as not kept); other rows count proposals.\n")
    print("| proposals | n | " + " | ".join(f"kept at {m:+.2f}" for m in MARGINS) + " |")
    print("|---|---:|" + "---:|" * len(MARGINS))
    for name, values in sets.items():
        cells = " | ".join(str(sum(v >= m for v in values)) for m in MARGINS)
        print(f"| {name} | {len(values)} | {cells} |")
    print(f"\nThe checker's margin: {stage.sense_margin:+.2f}.")
    if args.compare:
        compare(stage, [r for r in ruleset.rules if isinstance(r, SenseRule)])


if __name__ == "__main__":
    main()
