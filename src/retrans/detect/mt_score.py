"""A document-level machine-translation score, 0 to 1, from the findings the
checkers already made (no extra model, no second pass over the text).

    evidence = sum over findings of weight(source) x confidence
    density  = 1000 x evidence / max(words, MIN_WORDS)      (evidence per 1,000 words)
    score    = 1 - exp(-density / SCALE)

Weights by source: the MT-artifact rules (RT codes) 1.0; grammar checkers (HARPER/*,
LT/*) 0.5, since human text has grammar slips too; the embedding outlier (RT901) 0.25,
a weak signal that also fires on names in human news; internal errors 0. A floor of
MIN_WORDS words keeps one finding in a two-line text from scoring like a dense
article. SCALE puts 0.5 at about two full-weight findings per 1,000 words. The
score is monotone in the density, so its ROC-AUC is that of the density; docs/corpus.md
gives the AUC measured on real MT articles against clean human news.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from retrans.core.finding import Finding

MIN_WORDS = 300
SCALE = 3.0
OUTLIER_CODE = "RT901"
INTERNAL_CODE = "RT000"
WEIGHTS = {"rule": 1.0, "grammar": 0.5, "outlier": 0.25, "internal": 0.0}


def source(rule: str) -> str:
    """Which kind of checker made a finding with this code."""
    if rule == OUTLIER_CODE:
        return "outlier"
    if rule == INTERNAL_CODE:
        return "internal"
    if rule.startswith(("HARPER/", "LT/")):
        return "grammar"
    return "rule"


def count_words(text: str) -> int:
    return len(text.split())


def mt_score(findings: Iterable[Finding], words: int) -> float:
    """The score of a document of `words` words with these findings, rounded to 4 places."""
    evidence = sum(WEIGHTS[source(f.rule)] * f.confidence for f in findings)
    density = 1000.0 * evidence / max(words, MIN_WORDS)
    return round(1.0 - math.exp(-density / SCALE), 4)
