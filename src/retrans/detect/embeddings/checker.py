"""The embedding checker: what rules cannot see about context.

1. Sense gate. A sense rule (rules/senses.yaml) proposes every occurrence of a
   rendering of a polysemous French word ("movements" for *mouvement*, which may
   have meant "moves"), with a gloss for each sense. The gate keeps a proposal only
   when the word's sentence is closer to a right sense's gloss than to the found
   word's own gloss by `sense_margin`, and ranks the suggestions by that margin.
   Without embeddings, gated findings are not reported at all.
2. Outliers. Machine translation's wrong word senses are off-topic words
   ("supplied by Mexican cars", "marinated in the United States"). A content word
   that is not frequent English (wordfreq) and whose embedding is far from both its
   paragraph and the document is flagged as a possible mistranslation, with
   candidates (the sense lexicon's alternatives and the word's other inflections)
   ranked by how well the sentence fits its context with each.

An earlier gate compared the sentence's fit to its paragraph with each candidate
swapped in; single-word swaps barely move a sentence vector ("movements" ->
"moves" gained 0.0098), and a one-sentence text has no context at all, so it
could not confirm its own rule's examples. Glosses give the model a whole
definition to compare, which separates senses (README, issue 4). The sense
margin is the natural zero (a right sense must fit better than the found one);
the outlier threshold is calibrated on clean news text (tests/data/clean_news*.txt), where it flags
one word in about 1,000, because a warning that fires on correct text teaches
editors to ignore it. benchmarks/outlier_signals.py measures it against other
signals and thresholds (figures in the README).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import TYPE_CHECKING

import regex

from retrans.detect.rules.frequency import zipf_frequency

from ...core.checker import CodeInfo
from ...core.finding import Finding, FixPolicy, Severity
from ..rules.context import ROUGH_SENTENCE
from ..rules.morph import base_form, gerund, past_of_participle, past_tense
from .model import EmbeddingModel

if TYPE_CHECKING:
    import numpy as np

_PARA = regex.compile(r"[^\r\n]+")
_WORD = regex.compile(r"(?<![\w'’-])[a-z]{4,}(?![\w'’-])")
_STOP = frozenset(
    line.strip()
    for line in resources.files(__package__).joinpath("stopwords.txt").read_text("utf-8").splitlines()
    if line.strip() and not line.startswith("#")
)


OUTLIER = CodeInfo(
    code="RT901",
    name="embedding.outlier",
    checker="embeddings",
    message="A word foreign to its context (sentence embeddings): possibly a mistranslation.",
    severity=Severity.WARNING,
    fix=FixPolicy.SUGGEST,
    category="accuracy/mistranslation",
    description="A content word that is not frequent English and whose embedding is far from its paragraph "
    "and the document; candidates are the sense lexicon's alternatives and the word's other inflections.",
    source=__file__,
    # On professionally edited news it flagged ordinary words ("sweeping", "centred",
    # "virtual") about twice per 1,000 words, and found almost nothing on real MT
    # articles: opt-in (--extend-enable RT901) until a verifier backs it.
    default_on=False,
)


@dataclass
class EmbeddingChecker:
    """The embedding checker: a later-stage checker that confirms the sense rules'
    proposals (the context gate) and flags outliers, with sentence embeddings."""

    name = "embeddings"
    stage = 1
    model: EmbeddingModel = field(default_factory=EmbeddingModel)
    sense: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sense_margin: float = 0.0
    outlier_threshold: float = 0.04
    max_zipf: float = 4.5
    words_per_outlier: int = 60
    #: Whether to look for outliers at all (RT901 selected); the sense gate always runs.
    outliers: bool = True
    #: Gloss vectors met so far (sense_scores): rule-set constants, encoded once.
    _glosses: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def codes(self) -> Sequence[CodeInfo]:
        return (OUTLIER,)

    def check(self, text: str, prior: Sequence[Finding] = ()) -> list[Finding]:
        """Confirmed copies of the gated proposals in `prior`, and outliers.

        Only what the selected codes read is encoded: the sense gate encodes the
        sentences of its proposals and their glosses (nothing when there is no
        proposal); the paragraph vectors, which only the outlier search reads, are
        encoded only when RT901 is selected (`outliers`). In the default
        configuration they were ~90 % of this checker's time (docs/performance.md)."""
        paras = paragraphs(text)
        if not paras:
            return []
        plain = [f for f in prior if not f.needs_context_gate]
        # A gated substitution only fills gaps: where another finding already covers
        # the span, it would say the same thing twice.
        open_gated = [f for f in prior if f.needs_context_gate and not any(f.overlaps(o) for o in plain)]
        out = self._sense_gate(text, open_gated, paras)
        if self.outliers:
            out.extend(self._outliers(text, [*plain, *out], paras))
        return out

    # -- shared -------------------------------------------------------------
    @staticmethod
    def _para_of(paras: list[tuple[int, int]], pos: int) -> int:
        for i, (s, e) in enumerate(paras):
            if s <= pos <= e:
                return i
        return len(paras) - 1

    @staticmethod
    def _sentence(text: str, para: tuple[int, int], start: int, end: int) -> tuple[int, int]:
        ps, pe = para
        for m in ROUGH_SENTENCE.finditer(text, ps, pe):
            if m.start() <= start < m.end() or m.start() <= start == m.end():
                return m.start(), max(m.end(), min(end, pe))
        return ps, pe

    def _rank(
        self,
        text: str,
        paras: list[tuple[int, int]],
        pvecs: np.ndarray,
        doc: np.ndarray,
        items: list[tuple[int, int, list[str]]],
    ) -> list[list[tuple[str, float]]]:
        """For each (start, end, candidates): candidates with the change in sentence
        fit they bring, best first. The context is the rest of the paragraph plus the
        other paragraphs, never the sentence itself (which would favour the original).
        One batch encodes every sentence variant and context."""
        import numpy as np
        batch: list[str] = []
        plan = []
        for start, end, cands in items:
            i = self._para_of(paras, start)
            ss, se = self._sentence(text, paras[i], start, end)
            sent = text[ss:se]
            rest = (text[paras[i][0] : ss] + " " + text[se : paras[i][1]]).strip()
            variants = [sent] + [sent[: start - ss] + c + sent[end - ss :] for c in cands]
            plan.append((i, len(batch), cands, bool(rest)))
            batch.extend(variants + ([rest] if rest else []))
        vecs = self.model.encode(batch) if batch else np.zeros((0, 384))
        total = pvecs.sum(axis=0)
        ranked = []
        for i, at, cands, has_rest in plan:
            others = total - pvecs[i]
            norm = float(np.linalg.norm(others))
            ctx = others / norm if len(pvecs) > 1 and norm else np.zeros_like(doc)
            if has_rest:
                ctx = ctx + vecs[at + len(cands) + 1]
            fits = vecs[at : at + len(cands) + 1] @ ctx
            ranked.append(sorted(((c, float(fits[k + 1] - fits[0])) for k, c in enumerate(cands)), key=lambda x: -x[1]))
        return ranked

    # -- 1. sense gate ----------------------------------------------------------
    def _sense_gate(self, text: str, findings: list[Finding], paras: list[tuple[int, int]]) -> list[Finding]:
        """Word-sense disambiguation by gloss: keep a sense finding when its sentence
        is closer to a right sense's gloss than to the found word's own gloss by
        `sense_margin`. Both glosses name their word ("movements: organized
        campaigns…"), so the word the sentence contains starts with an advantage:
        the test leans towards leaving correct text alone."""
        kept = []
        for f, best, ranked in self.sense_scores(text, findings, paras):
            if best < self.sense_margin:
                continue
            scores = ", ".join(f"{c} {d:+.3f}" for c, d in ranked)
            kept.append(
                replace(
                    f,
                    suggestions=tuple(c for c, d in ranked if d >= self.sense_margin),
                    message=f"{f.message} (sense fit against “{text[f.start : f.end]}”: {scores})",
                    details=(*f.details, ("sense_fit", scores)),
                    gate=None,
                )
            )
        return kept

    def sense_scores(
        self, text: str, findings: list[Finding], paras: list[tuple[int, int]]
    ) -> list[tuple[Finding, float, list[tuple[str, float]]]]:
        """For each sense proposal: the best margin and every suggestion's margin
        (its gloss's similarity to the sentence minus the found word's gloss's), best
        first. A proposal without a gloss for the found word and one per suggestion
        cannot be judged and is left out. One batch encodes the sentences and the
        glosses not met before: a gloss belongs to the rule set, not to the text, so
        its vector is kept for the checker's lifetime (as the on-disk cache would
        keep it across runs; a vector does not depend on its batch)."""
        import numpy as np
        findings = [f for f in findings if f.gate is not None and len(f.gate.glosses) == len(f.suggestions) > 0]
        if not findings:
            return []
        sents = [
            text[slice(*self._sentence(text, paras[self._para_of(paras, f.start)], f.start, f.end))] for f in findings
        ]
        glosses = [[f.gate.found_gloss, *f.gate.glosses] for f in findings if f.gate is not None]
        new = list(dict.fromkeys(g for gs in glosses for g in gs if g not in self._glosses))
        vecs = self.model.encode(sents + new)
        self._glosses.update(zip(new, vecs[len(sents) :], strict=True))
        out = []
        for i, f in enumerate(findings):
            sims = np.stack([self._glosses[g] for g in glosses[i]]) @ vecs[i]
            ranked = sorted(
                ((c, float(sims[k + 1] - sims[0])) for k, c in enumerate(f.suggestions)), key=lambda x: -x[1]
            )
            out.append((f, ranked[0][1], ranked))
        return out

    # -- 2. outliers -------------------------------------------------------------
    def _outliers(self, text: str, findings: list[Finding], paras: list[tuple[int, int]]) -> list[Finding]:
        import numpy as np
        cands = outlier_candidates(text, paras, [(f.start, f.end) for f in findings], self.max_zipf)
        if not cands:
            return []
        # One batch: the paragraphs (read only here) and the candidate words.
        vecs = self.model.encode([*(text[s:e] for s, e in paras), *(w for _, _, w, _ in cands)])
        pvecs, wvecs = vecs[: len(paras)], vecs[len(paras) :]
        doc = pvecs.mean(axis=0)
        doc = doc / (np.linalg.norm(doc) or 1.0)
        # Topic fit: the word against its paragraph and the document. (Adding the
        # word's own sentence found the same number of artifacts on the seed at the
        # same cost in false alarms, for twice the encoding time.)
        scores = [float(v @ pvecs[pi] + v @ doc) for v, (_, _, _, pi) in zip(wvecs, cands, strict=True)]
        budget = max(1, len(text.split()) // self.words_per_outlier)
        chosen = sorted((s, c) for s, c in zip(scores, cands, strict=True) if s < self.outlier_threshold)[:budget]
        items = [(c[0], c[1], self._candidates(c[2])) for _, c in chosen]
        ranked = self._rank(text, paras, pvecs, doc, items)
        out = []
        for (score, (start, end, w, _)), options in zip(chosen, ranked, strict=True):
            shown = ", ".join(f"{c} {d:+.3f}" for c, d in options[:5])
            message = f"“{w}” is foreign to its context (topic fit {score:.2f}); possibly a mistranslation"
            out.append(
                Finding(
                    rule="RT901",
                    name="embedding.outlier",
                    start=start,
                    end=end,
                    message=message + (f"; candidates: {shown}" if shown else ""),
                    severity=Severity.WARNING,
                    category="accuracy/mistranslation",
                    suggestions=tuple(c for c, d in options if d > 0)[:5],
                    confidence=round(max(0.2, min(0.6, 0.6 - score)), 3),
                    fix=FixPolicy.SUGGEST,
                    priority=-2,
                    details=(("topic_fit", f"{score:.3f}"), ("candidates", shown)),
                )
            )
        return out

    def _candidates(self, word: str) -> list[str]:
        """The sense lexicon's alternatives and the word's other inflections."""
        out = list(self.sense.get(word, ()))
        base = base_form(word)
        for form in (base, base + "s", past_of_participle(word), gerund(base), past_tense(base)):
            if form and form != word and form not in out and zipf_frequency(form, "en") > 2.5:
                out.append(form)
        return out


def paragraphs(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each non-empty line: a paragraph of a news text."""
    return [(m.start(), m.end()) for m in _PARA.finditer(text)]


def outlier_candidates(
    text: str, paras: list[tuple[int, int]], taken: list[tuple[int, int]], max_zipf: float = 4.5
) -> list[tuple[int, int, str, int]]:
    """(start, end, word, paragraph index) of the words worth an outlier test:
    lower-case content words of four letters or more that are not frequent English,
    not repeated more than twice in the text (a repeated word is the topic), not
    part of a URL or address, and not already inside another finding."""
    counts = Counter(m.group() for m in _WORD.finditer(text.lower()))
    cands: list[tuple[int, int, str, int]] = []
    for pi, (ps, pe) in enumerate(paras):
        for m in _WORD.finditer(text, ps, pe):
            w = m.group()
            if w in _STOP or counts[w] > 2 or zipf_frequency(w, "en") > max_zipf:
                continue
            if _in_token_with(text, m.start(), m.end(), "/.:_@="):
                continue  # URLs, paths, e-mail addresses
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            cands.append((m.start(), m.end(), w, pi))
    return cands


def _in_token_with(text: str, start: int, end: int, chars: str) -> bool:
    s, e = start, end
    while s > 0 and not text[s - 1].isspace():
        s -= 1
    while e < len(text) and not text[e].isspace():
        e += 1
    token = text[s:e].strip("“”\"'’‘()[],;.!?")
    return any(c in token for c in chars)
