"""False alarms of the rule engine on WordNet's usage examples.

WordNet 3.0 (Debian `wordnet-base`) holds about 48,000 short usage examples written
by lexicographers: correct English that uses words in all their senses, including
the English senses of French look-alikes ("the chief of police", "an important
meeting", "she assisted the surgeon"). A rule that fires on them fires on correct
English. This prints every rule that fires, with the sentences, so an entry can be
given a context condition or dropped.

    .venv/bin/python benchmarks/wordnet_precision.py [--rules-only CODE...] [--show 5]
"""

from __future__ import annotations

import argparse
import re
from collections import defaultdict
from pathlib import Path

from retrans.core.options import Options
from retrans.detect.build import build_tooling

WORDNET = Path("/usr/share/wordnet")


def examples() -> list[str]:
    out: list[str] = []
    for part in ("noun", "verb", "adj", "adv"):
        path = WORDNET / f"data.{part}"
        if not path.exists():
            continue
        for line in path.read_text("latin-1").splitlines():
            gloss = line.partition(" | ")[2]
            out.extend(m.group(1).strip() for m in re.finditer(r'"([^"]{12,})"', gloss))
    return list(dict.fromkeys(out))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--show", type=int, default=4, help="sentences shown per rule")
    ap.add_argument("codes", nargs="*", help="only these rule codes")
    args = ap.parse_args()
    sents = examples()
    if not sents:
        print("WordNet is not installed (apt-get install wordnet-base)")
        return 2
    tooling = build_tooling(Options(grammar="none", embeddings=False, lm=False))
    # One text of many lines: each example is its own paragraph.
    text = "\n".join(s[0].upper() + s[1:] + ("" if s.endswith((".", "!", "?")) else ".") for s in sents)
    hits: dict[str, list[str]] = defaultdict(list)
    for f in tooling.pipeline.check(text):
        if args.codes and f.rule not in args.codes:
            continue
        line_start = text.rfind("\n", 0, f.start) + 1
        line_end = text.find("\n", f.end)
        line = text[line_start : line_end if line_end >= 0 else len(text)]
        hits[f"{f.rule} {f.name}"].append(f"{line}   <- {text[f.start:f.end]!r}")
    words = len(text.split())
    total = sum(len(v) for v in hits.values())
    rate = 1000 * total / words
    print(f"{len(sents)} WordNet examples, {words} words: {total} findings ({rate:.2f} per 1,000 words)")
    for key, lines in sorted(hits.items(), key=lambda kv: -len(kv[1])):
        print(f"\n{key}: {len(lines)}")
        for line in lines[: args.show]:
            print("   ", line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
