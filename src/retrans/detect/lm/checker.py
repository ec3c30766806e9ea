"""The language-model checker: data proposes candidate repairs, the LM verifies
each in its sentence.

As a bare detector a small LM is weak (a word's surprisal barely separates MT
artifacts from good English), but as a judge between named alternatives it is
strong: "the party's chief" vs "the party's leader" is an easy call for it, and
so is "chief of police" vs "leader of police" the other way. So entries too
context-dependent to fire on their own become usable: the LM is the veto.

Cheap filters run first (entry guards, names and titles), only windows that hold a
candidate are scored, and all windows of a document go to the model in batches.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import ClassVar

from retrans.core.checker import CodeInfo
from retrans.core.finding import Finding, FixPolicy, Severity

from .candidates import (
    CODES,
    Candidate,
    Confusions,
    Source,
    confusion_candidates,
    content_words,
    freedict_candidates,
    load_confusions,
)
from .model import CausalLM, LMUnavailable, Window, shared_model

log = logging.getLogger("retrans.detect.lm")

#: Context given to the model: the sentence up to the span (plus the previous one,
#: for the topic) and the rest of the sentence after it, both capped.
LEFT_CHARS = 300
RIGHT_CHARS = 120
SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’»)]?\s+|\n+")


#: Longest rule span whose repair the model is asked to confirm (characters).
MAX_FIX_SPAN = 120


@dataclass(frozen=True)
class FixCandidate(Candidate):
    """A rule's suggested repair put to the model; `finding` is the rule's finding."""

    finding: Finding


@dataclass
class Verdict:
    """The LM's scores for one candidate: margins of each alternative (nats)."""

    candidate: Candidate
    margins: tuple[tuple[str, float], ...]

    @property
    def best(self) -> float:
        return max((m for _, m in self.margins), default=float("-inf"))


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence: a simple splitter is enough for context."""
    out, start = [], 0
    for m in SENTENCE_END.finditer(text):
        if m.start() > start:
            out.append((start, m.start()))
        start = m.end()
    if start < len(text):
        out.append((start, len(text)))
    return out


def windows_for(text: str, c: Candidate, bounds: Sequence[tuple[int, int]]) -> list[Window]:
    """The original window first, then one per alternative, sharing the context."""
    k = next((i for i, (s, e) in enumerate(bounds) if s <= c.start < e), 0)
    s_start, s_end = bounds[k] if bounds else (0, len(text))
    left_start = bounds[k - 1][0] if k > 0 and s_start - bounds[k - 1][0] < LEFT_CHARS else s_start
    left = text[max(left_start, c.start - LEFT_CHARS) : c.start]
    right = text[c.end : min(s_end, c.end + RIGHT_CHARS)]
    stripped = left.rstrip()
    gap = left[len(stripped) :]
    gap = " " if gap else ""
    return [Window(stripped, gap + w + right) for w in (c.original, *c.alternatives)]


def verify(
    text: str, candidates: Sequence[Candidate], score: Callable[[Sequence[Window]], list[float]]
) -> list[Verdict]:
    """Score all candidates of a document in one batched call."""
    return verify_many([(text, candidates)], score)[0]


def verify_many(
    docs: Sequence[tuple[str, Sequence[Candidate]]], score: Callable[[Sequence[Window]], list[float]]
) -> list[list[Verdict]]:
    """Score the candidates of several documents in one batched call (short texts,
    such as the entries' examples, batch much better together)."""
    groups = []
    for text, candidates in docs:
        bounds = sentence_bounds(text)
        groups.append([windows_for(text, c, bounds) for c in candidates])
    flat = [w for doc in groups for g in doc for w in g]
    scores = score(flat) if flat else []
    out: list[list[Verdict]] = []
    i = 0
    for (_, candidates), doc in zip(docs, groups, strict=True):
        verdicts = []
        for c, g in zip(candidates, doc, strict=True):
            base = scores[i]
            margins = tuple((alt, scores[i + 1 + j] - base) for j, alt in enumerate(c.alternatives))
            verdicts.append(Verdict(c, margins))
            i += len(g)
        out.append(verdicts)
    return out


def to_finding(v: Verdict, source: Source) -> Finding:
    """A warning with the alternatives that beat the original, best first."""
    c = v.candidate
    ranked = sorted(((a, m) for a, m in v.margins if m >= c.margin), key=lambda x: -x[1])
    shown = ", ".join(f"“{a}” {m:+.1f}" for a, m in sorted(v.margins, key=lambda x: -x[1]))
    fr = f" (French “{c.french}”)" if c.french else ""
    return Finding(
        rule=CODES[c.source],
        name=f"lm.{c.source}",
        start=c.start,
        end=c.end,
        message=f"“{c.original}”{fr} may be a mistranslation here; the language model prefers: {shown} "
        f"(margins in nats over the original; threshold {c.margin:+.1f})",
        severity=Severity.WARNING,
        category=c.category,
        suggestions=tuple(a for a, _ in ranked),
        confidence=0.6,
        fix=FixPolicy.SAFE if source.safe else FixPolicy.SUGGEST,
        details=(("entry", c.entry), ("best_margin", f"{v.best:.2f}")),
    )


LM_CODES = (
    CodeInfo(
        code="RT950",
        name="lm.confusions",
        checker="lm",
        message="A rendering French→English translation often gets wrong; the language model prefers the alternative "
        "in this context.",
        severity=Severity.WARNING,
        fix=FixPolicy.SUGGEST,
        category="accuracy/mistranslation",
        source="rules/lm/confusions.yaml",
    ),
    CodeInfo(
        code="RT951",
        name="lm.freedict",
        checker="lm",
        message="French-pivot alternative (FreeDict) that the language model prefers in context.",
        severity=Severity.WARNING,
        fix=FixPolicy.SUGGEST,
        category="accuracy/mistranslation",
        source="dict-freedict-eng-fra, dict-freedict-fra-eng",
        default_on=False,
    ),
)


@dataclass
class LMChecker:
    """Candidate repairs from data, verified by the language model in context.

    The model loads on the first check. If it is not installed, the checker says
    so once (a logged warning) and returns nothing, so the other checkers run."""

    name = "lm"
    stage = 0
    #: Its findings give way to another checker's on the same words (pipeline.py).
    second_opinion: ClassVar[bool] = True
    data: Confusions | None = None
    model: CausalLM | None = None
    sources: frozenset[str] | None = None
    _unavailable: bool = field(default=False, repr=False)

    def _model(self) -> CausalLM | None:
        if self.model is None and not self._unavailable:
            try:
                self.model = shared_model()
            except LMUnavailable as exc:
                self._unavailable = True
                log.warning("retrans: the language-model checker is off: %s", exc)
        return self.model

    def candidates(self, text: str, flagged: Sequence[tuple[int, int]] = ()) -> list[Candidate]:
        """All candidates of enabled sources, one per span (first source wins), except
        on spans another checker already flagged (`flagged`): the pipeline would drop
        such a second opinion anyway, so the model need not score it."""
        data = self.data or load_confusions()
        out: list[Candidate] = []
        taken: set[tuple[int, int]] = set()
        for c in confusion_candidates(text, data):
            if self.sources is not None and c.source not in self.sources:
                continue
            if any(a < c.end and c.start < b for a, b in flagged):
                continue
            if (c.start, c.end) not in taken:
                taken.add((c.start, c.end))
                out.append(c)
        fd = data.sources.get("freedict", Source("freedict", 8.0, enabled=False))
        if (fd.enabled and self.sources is None) or (self.sources is not None and "freedict" in self.sources):
            covered = [(c.start, c.end) for c in out]
            words = [w for w in content_words(text) if not any(a < w[1] and w[0] < b for a, b in covered)]
            out.extend(freedict_candidates(text, words, fd.margin))
        return out

    def verdicts(self, text: str) -> list[Verdict]:
        """Every candidate with its margins (for calibration and the benchmark)."""
        return self.verdicts_many([text])[0]

    def verdicts_many(
        self, texts: Sequence[str], flagged: Sequence[Sequence[tuple[int, int]]] = ()
    ) -> list[list[Verdict]]:
        """Verdicts for several texts, all windows scored in one batched call."""
        docs = [(t, self.candidates(t, flagged[i] if i < len(flagged) else ())) for i, t in enumerate(texts)]
        return self._verify(docs)

    def _verify(self, docs: Sequence[tuple[str, Sequence[Candidate]]]) -> list[list[Verdict]]:
        if not any(c for _, c in docs):
            return [[] for _ in docs]
        model = self._model()
        if model is None:
            return [[] for _ in docs]
        return verify_many(docs, model.score)

    def codes(self) -> Sequence[CodeInfo]:
        return LM_CODES

    def check(self, text: str, prior: Sequence[Finding] = ()) -> list[Finding]:
        """`prior`: the other checkers' findings so far. Candidates on their
        (confirmed) spans are not scored: the pipeline would drop them anyway."""
        flagged = [(f.start, f.end) for f in prior if not f.needs_context_gate]
        return self.check_many([text], [flagged])[0]

    def check_many(
        self, texts: Sequence[str], flagged: Sequence[Sequence[tuple[int, int]]] = ()
    ) -> list[list[Finding]]:
        """Findings for several texts: the candidates that beat their margin."""
        data = self.data or load_confusions()
        out: list[list[Finding]] = []
        for verdicts in self.verdicts_many(texts, flagged):
            found = []
            for v in verdicts:
                if v.best >= v.candidate.margin:
                    src = data.sources.get(v.candidate.source, Source(v.candidate.source, 0.0))
                    found.append(to_finding(v, src))
            out.append(found)
        return out

    def confirm_repairs(self, text: str, findings: Sequence[Finding]) -> list[Finding]:
        """`findings` (a whole pipeline's, for `text`) with each rule repair the model
        prefers by the `fixes` margin (see `fix_candidates`) replaced by a fixable copy.

        Only the paths that repair call this (fix, --diff, review, the library's
        fix_text): `check` shows a suggestion whatever the model thinks of it, and
        scoring every repair there cost one more model call per file, which doubled
        the time of many small files. The repairs go to the model in a batch of their
        own: a margin moves by a few tenths of a nat with the batch's shape (bf16
        kernels), and the confusion sets were calibrated on batches without them."""
        data = self.data or load_confusions()
        fixes = data.sources.get("fixes", Source("fixes", 0.0, enabled=False))
        if not fixes.enabled or self.sources is not None:
            return list(findings)
        pending = fix_candidates(text, findings, fixes.margin)
        if not pending:
            return list(findings)
        made = {
            id(v.candidate.finding): confirmed(v)
            for v in self._verify([(text, pending)])[0]
            if isinstance(v.candidate, FixCandidate) and v.best >= v.candidate.margin
        }
        return [made.get(id(f), f) for f in findings]


def fix_candidates(text: str, prior: Sequence[Finding], margin: float) -> list[FixCandidate]:
    """The rule findings whose repair the model may confirm: a suggestion shown
    only (`fix: suggest`), a replacement (not a bare deletion or insertion) of a
    short span within one line. Rule authors mark `suggest` where the wrong form
    can be English elsewhere; their context conditions already chose this place,
    and the model's judgement of the repaired sentence is a second, independent
    check before `fix` applies it unattended. Grammar-checker and language-model
    findings are left as they are (their own policies decide)."""
    out = []
    for f in prior:
        if f.fix is not FixPolicy.SUGGEST or f.needs_context_gate or not f.suggestions:
            continue
        if not f.rule.startswith("RT") or any(i.owns(f.rule) for i in LM_CODES):
            continue
        original, repair = text[f.start : f.end], f.suggestions[0]
        if not original.strip() or not repair.strip() or repair == original:
            continue
        if f.length > MAX_FIX_SPAN or "\n" in original or "\n" in repair:
            continue
        out.append(FixCandidate(f.start, f.end, original, (repair,), "fixes", f.rule, "", f.category, margin, f))
    return out


def confirmed(v: Verdict) -> Finding:
    """The rule's finding, now applied by `fix` on its own, with the model's margin."""
    assert isinstance(v.candidate, FixCandidate)
    f = v.candidate.finding
    return replace(
        f,
        fix=FixPolicy.SAFE,
        message=f"{f.message} (Repair confirmed by the language model: {v.best:+.1f} nats.)",
        details=(*f.details, ("lm_fix_margin", f"{v.best:.2f}")),
    )
