"""Where candidate repairs come from: each source proposes (span, alternatives)
pairs cheaply, and the language model only decides between them.

Sources are kept apart so each can be measured on its own (precision, false
alarms per 10,000 clean words) and kept or dropped on its own figures:

- `confusions`: rules/lm/confusions.yaml, English renderings of French words that
  are only sometimes wrong, each with its right alternatives (LanguageTool's
  confusion-set design: named alternatives, never "this word is improbable").
- `freedict`: a French pivot through the FreeDict dictionaries, when installed
  (English word -> its French sources -> their other English renderings).
"""

from __future__ import annotations

import gzip
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from retrans.detect.rules.prefilter import Vocabulary, gate_for
from retrans.detect.rules.types.pattern import defined_english_acronym, in_french_name

#: Source name -> finding code. Codes RT950-RT959 belong to the LM checker.
CODES = {"confusions": "RT950", "freedict": "RT951", "wordnet": "RT952", "topk": "RT953"}

FREEDICT = Path("/usr/share/dictd")


@dataclass(frozen=True)
class Entry:
    """One confusion-set entry: English forms, their alternatives, and cheap guards."""

    id: str
    french: str
    forms: Mapping[str, tuple[str, ...]]
    category: str = "accuracy"
    margin: float | None = None
    in_document: re.Pattern[str] | None = None
    unless_document: re.Pattern[str] | None = None
    unless_next: re.Pattern[str] | None = None
    unless_prev: re.Pattern[str] | None = None
    only_next: re.Pattern[str] | None = None
    only_prev: re.Pattern[str] | None = None
    titles: bool = False
    case: bool = False
    enabled: bool = True
    bad: tuple[str, ...] = ()
    good: tuple[str, ...] = ()
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        words = sorted(self.forms, key=len, reverse=True)
        alts = "|".join(re.escape(w).replace(r"\ ", r"\s+").replace("'", "['’]") for w in words)
        flags = 0 if self.case else re.IGNORECASE
        object.__setattr__(self, "pattern", re.compile(rf"(?<![\w'’-])(?:{alts})(?![\w-])", flags))

    def alternatives(self, matched: str) -> tuple[str, ...]:
        """The alternatives listed for the form that matched (spacing, apostrophes
        and, unless the entry is case-sensitive, case folded)."""
        key = norm(matched, self.case)
        return next((v for k, v in self.forms.items() if norm(k, self.case) == key), ())


def norm(form: str, case: bool = False) -> str:
    """A form as a lookup key."""
    out = re.sub(r"\s+", " ", form).replace("’", "'")
    return out if case else out.lower()


@dataclass(frozen=True)
class Source:
    """A source's calibrated threshold and fix policy (from the data file's header)."""

    name: str
    margin: float
    enabled: bool = True
    safe: bool = False


@dataclass(frozen=True)
class Candidate:
    """A span that a source proposes to repair, with its alternatives."""

    start: int
    end: int
    original: str
    alternatives: tuple[str, ...]
    source: str
    entry: str
    french: str
    category: str
    margin: float


@dataclass(frozen=True)
class Confusions:
    """The parsed data file."""

    sources: Mapping[str, Source]
    entries: tuple[Entry, ...]


def data_path() -> Path:
    """rules/lm/confusions.yaml under `RETRANS_RULES`, in a checkout, or in the copy
    packaged as retrans/_rules (the rule loader's order)."""
    env = os.environ.get("RETRANS_RULES")
    if env and (Path(env) / "lm" / "confusions.yaml").is_file():
        return Path(env) / "lm" / "confusions.yaml"
    here = Path(__file__).resolve().parents[2]  # the retrans package
    for candidate in (here.parents[1] / "rules" / "lm", here / "_rules" / "lm"):
        if (candidate / "confusions.yaml").is_file():
            return candidate / "confusions.yaml"
    return here.parents[1] / "rules" / "lm" / "confusions.yaml"


def _rx(value: object) -> re.Pattern[str] | None:
    return re.compile(str(value), re.IGNORECASE) if value else None


def _listed(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(str(v) for v in value) if isinstance(value, list) else (str(value),)


@cache
def load_confusions(path: Path | None = None) -> Confusions:
    """Parse the data file once per process."""
    raw = yaml.safe_load((path or data_path()).read_text(encoding="utf-8"))
    sources = {
        name: Source(name, float(s.get("margin", 0.0)), bool(s.get("enabled", True)), s.get("fix") == "safe")
        for name, s in (raw.get("sources") or {}).items()
    }
    entries = []
    for i, e in enumerate(raw.get("entries") or ()):
        forms = {str(k): _listed(v) for k, v in e["forms"].items()}
        entries.append(
            Entry(
                id=str(e.get("id") or next(iter(forms)).replace(" ", "_") + f"_{i}"),
                french=str(e.get("fr", "")),
                forms=forms,
                category=str(e.get("category", "accuracy")),
                margin=float(e["margin"]) if "margin" in e else None,
                in_document=_rx(e.get("in_document")),
                unless_document=_rx(e.get("unless_document")),
                unless_next=_rx(e.get("unless_next")),
                unless_prev=_rx(e.get("unless_prev")),
                only_next=_rx(e.get("only_next")),
                only_prev=_rx(e.get("only_prev")),
                titles=bool(e.get("titles", False)),
                case=bool(e.get("case", False)),
                enabled=bool(e.get("enabled", True)),
                bad=_listed(e.get("bad")),
                good=_listed(e.get("good")),
            )
        )
    return Confusions(sources, tuple(entries))


def match_case(original: str, replacement: str) -> str:
    """Keep a capital at the start of the original (sentence start); acronyms stay."""
    if original[:1].isupper() and replacement[:1].islower():
        return replacement[:1].upper() + replacement[1:]
    return replacement


def sentence_start(text: str, pos: int) -> bool:
    """Whether `pos` opens a sentence, paragraph or quotation."""
    before = text[max(0, pos - 4) : pos].rstrip(" \t")
    return not before or before[-1] in '.!?:\n"“«(—-'


def opens_name(text: str, end: int) -> bool:
    """Whether a capitalized word follows on the same line: the match then opens a
    name ("Alimentation Couche-Tard Inc.", "Immobilier Québec"), even at a sentence start."""
    rest = text[end : end + 40]
    word = rest.lstrip(" \t")
    return len(word) < len(rest) and len(word) > 1 and word[0].isupper() and word[1].isalpha()


def coordinated_with(text: str, start: int, end: int, alternatives: tuple[str, ...]) -> bool:
    """Whether the match is coordinated with one of its own alternatives ("blames prices
    and tariffs", "tariffs, rates and fees"): the writer tells the two apart, and a
    translation would not render one French word twice in a row."""
    alts = "|".join(re.escape(a) for a in alternatives)
    after = re.compile(rf"\s*(?:,|and|or|&|/)\s+(?:\w+\s+)?(?:{alts})\b", re.IGNORECASE)
    before = re.compile(rf"\b(?:{alts})\s*(?:,|and|or|&|/)\s*(?:the\s+|its\s+|their\s+)?$", re.IGNORECASE)
    return bool(after.match(text, end, min(len(text), end + 60)) or before.search(text[max(0, start - 60) : start]))


def confusion_candidates(text: str, data: Confusions) -> Iterator[Candidate]:
    """Every match of every entry whose cheap guards pass."""
    src = data.sources.get("confusions", Source("confusions", 0.0))
    if not src.enabled:
        return
    # The rules' literal prefilter: an entry none of whose forms' words occur in the
    # text is not searched (most of them, in any one text).
    vocabulary = Vocabulary(text)
    for e in data.entries:
        if not e.enabled:
            continue
        gate = gate_for(e.pattern.pattern)
        if gate is not None and not gate.open(vocabulary):
            continue
        if e.in_document is not None and not e.in_document.search(text):
            continue
        if e.unless_document is not None and e.unless_document.search(text):
            continue
        for m in e.pattern.finditer(text):
            word = m.group()
            alts = e.alternatives(word)
            if not alts:
                continue
            if word[:1].isupper() and not e.titles and not sentence_start(text, m.start()):
                continue  # inside a name or a title
            if word[:1].isupper() and not e.titles and opens_name(text, m.end()):
                continue  # a name's first word at a sentence start ("Alimentation Couche-Tard Inc.")
            if in_french_name(text, m.start(), m.end()):
                continue  # "associations de locataires du Québec": a French name English keeps
            if defined_english_acronym(text, m.start(), m.end()):
                continue  # "Lawyers' Christian Fellowship (LCF)": English initials
            if coordinated_with(text, m.start(), m.end(), alts):
                continue
            nxt = text[m.end() : m.end() + 60]
            prev = text[max(0, m.start() - 60) : m.start()]
            if e.unless_next is not None and e.unless_next.match(nxt):
                continue
            if e.unless_prev is not None and e.unless_prev.search(prev):
                continue
            if e.only_next is not None and not e.only_next.match(nxt):
                continue
            if e.only_prev is not None and not e.only_prev.search(prev):
                continue
            yield Candidate(
                m.start(),
                m.end(),
                word,
                tuple(match_case(word, a) if sentence_start(text, m.start()) else a for a in alts),
                "confusions",
                e.id,
                e.french,
                e.category,
                e.margin if e.margin is not None else src.margin,
            )


# ---- FreeDict pivot ------------------------------------------------------------------


@cache
def _dict_index(name: str) -> Mapping[str, tuple[int, int]] | None:
    idx = FREEDICT / f"{name}.index"
    if not idx.is_file():
        return None
    out: dict[str, tuple[int, int]] = {}
    for line in idx.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and not parts[0].startswith("00-database"):
            out.setdefault(parts[0].lower(), (_b64(parts[1]), _b64(parts[2])))
    return out


@cache
def _dict_body(name: str) -> bytes:
    with gzip.open(FREEDICT / f"{name}.dict.dz") as f:
        return f.read()


_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _b64(s: str) -> int:
    n = 0
    for ch in s:
        n = n * 64 + _B64.index(ch)
    return n


def _lookup(name: str, word: str) -> tuple[str, ...]:
    """Translations of `word` in one FreeDict dictionary (its definition lines)."""
    index = _dict_index(name)
    if index is None or word.lower() not in index:
        return ()
    off, size = index[word.lower()]
    body = _dict_body(name)[off : off + size].decode("utf-8", errors="replace")
    out: list[str] = []
    for line in body.splitlines()[1:]:
        line = re.sub(r"\[[^\]]*\]|\([^)]*\)|<[^>]*>|/[^/]*/", "", line).strip()
        for part in re.split(r"[,;]", line):
            part = re.sub(r"^\d+\.\s*", "", part).strip()
            if part and re.fullmatch(r"[A-Za-zÀ-ÿ' -]{2,30}", part):
                out.append(part)
    return tuple(dict.fromkeys(out))


def freedict_installed() -> bool:
    return _dict_index("freedict-eng-fra") is not None and _dict_index("freedict-fra-eng") is not None


@cache
def pivot(word: str) -> tuple[str, ...]:
    """Other English renderings of the French words `word` translates: the
    alternatives an MT system chose between. Single words only."""
    alts: list[str] = []
    for fr in _lookup("freedict-eng-fra", word)[:6]:
        for en in _lookup("freedict-fra-eng", fr)[:8]:
            if " " not in en and en.lower() != word.lower():
                alts.append(en)
    return tuple(dict.fromkeys(alts))


#: Function words and reporting verbs: never pivot candidates.
STOP = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "said",
        "says",
        "say",
        "told",
        "tell",
        "also",
        "which",
        "whose",
        "per",
    ]
)
QUOTED = re.compile(r"[\"“«][^\"”»\n]{0,400}[\"”»]")


def content_words(text: str) -> list[tuple[int, int]]:
    """Lower-case content words outside quotations, names, titles and numbers:
    where a pivot candidate may be proposed at all."""
    quoted = [(m.start(), m.end()) for m in QUOTED.finditer(text)]
    out = []
    for m in re.finditer(r"(?<![\w'’.-])[a-z][a-z]{3,}(?![\w'’-])", text):
        if m.group() in STOP or any(a <= m.start() < b for a, b in quoted):
            continue
        around = text[max(0, m.start() - 2) : m.end() + 2]
        if re.search(r"\d", around):
            continue
        out.append((m.start(), m.end()))
    return out


def freedict_candidates(
    text: str, words: Sequence[tuple[int, int]], margin: float, limit: int = 6
) -> Iterator[Candidate]:
    """Pivot alternatives for the given content-word spans (the caller filters
    names, numbers, quotes and function words first)."""
    if not freedict_installed():
        return
    for start, end in words:
        word = text[start:end]
        alts = pivot(word.lower())[:limit]
        if alts:
            yield Candidate(start, end, word, alts, "freedict", word.lower(), "", "accuracy", margin)
