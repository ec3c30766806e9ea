"""Compiled patterns kept between runs (core/regex_cache.py): a pattern built from
the cache behaves exactly as `regex.compile`'s, and a damaged cache is a miss."""

from __future__ import annotations

from pathlib import Path

import pytest
import regex

from retrans.core import regex_cache

PATTERNS = [
    (r"\b(?P<verb>consists?)\s+in\s+(?!being\b)(\w+ing)\b", regex.IGNORECASE),
    (r"(?<=\b(?:what|all)\s+(?:that\s+)?)(is|are)\b", regex.IGNORECASE),
    (r"\b\p{Lu}[\p{L}-]+(?:\s+\p{Lu}[\p{L}-]+)*", 0),
    (r"«\s*([^»]{1,80}?)\s*»", 0),
    (r"(?i:\bla\s+(?:question|problématique))\b", 0),
    (r"\b(\w+)\s+\1\b", regex.IGNORECASE),
    (r"^\s*Lire aussi\b.*$", regex.MULTILINE),
    (r"(?:prices){e<=1}", regex.BESTMATCH),
]
TEXTS = [
    "The plan consists in raising taxes; it Consists In Being fair.",
    "What is clear is that all that are here agree. Ce que c'est.",
    "Premier François Legault met Jean-Pierre Blackburn in Québec City.",
    "He said « la question de l'urne » was the the issue.",
    "La Question du jour\n  Lire aussi : les prix\nprices rose, prises fell",
]


@pytest.fixture()
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RETRANS_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("RETRANS_RULE_CACHE", raising=False)
    monkeypatch.setattr(regex_cache, "_KNOWN", None)
    monkeypatch.setattr(regex_cache, "_NEW", {})
    return tmp_path


def _behaviour(p: regex.Pattern[str]) -> list[object]:
    out: list[object] = [p.pattern, p.flags, p.groups, dict(p.groupindex)]
    for t in TEXTS:
        out.append([(m.span(), m.groups(), m.groupdict()) for m in p.finditer(t, overlapped=False)])
        out.append(p.sub(lambda m: m.group().upper(), t))
        if p.groups:
            out.append(p.sub(r"<\1>", t))
    return out


def test_cached_patterns_behave_as_compiled(fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = [_behaviour(regex.compile(s, f | regex.V0)) for s, f in PATTERNS]
    first = [_behaviour(regex_cache.compile(s, f | regex.V0)) for s, f in PATTERNS]
    assert first == expected
    regex_cache.save()
    assert regex_cache.cache_path() is not None and regex_cache.cache_path().exists()  # type: ignore[union-attr]

    # A new run: every pattern comes from the file, none goes through the parser.
    monkeypatch.setattr(regex_cache, "_KNOWN", None)
    monkeypatch.setattr(regex_cache, "_NEW", {})

    def no_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed again")

    with monkeypatch.context() as m:
        m.setattr(regex, "compile", no_parse)
        again = [_behaviour(regex_cache.compile(s, f | regex.V0)) for s, f in PATTERNS]
    assert again == expected


def test_invalid_pattern_still_raises(fresh: Path) -> None:
    with pytest.raises(regex.error):
        regex_cache.compile(r"(unclosed", regex.V0)
    assert not regex_cache._NEW


def test_damaged_cache_is_a_miss(fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = regex_cache.cache_path()
    assert path is not None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x00garbage")
    p = regex_cache.compile(r"\bprices?\b", regex.V0)
    assert p.findall("prices and price") == ["prices", "price"]
    regex_cache.save()
    monkeypatch.setattr(regex_cache, "_KNOWN", None)
    assert (r"\bprices?\b", int(regex.V0)) in regex_cache._known()


def test_cache_off(fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETRANS_RULE_CACHE", "off")
    assert regex_cache.compile(r"\bfoo\b", regex.V0).search("a foo")
    regex_cache.save()
    assert not list(fresh.iterdir())


def test_letter_case_classes_stay_case_sensitive_in_case_insensitive_rules() -> None:
    """Under IGNORECASE `\\p{Lu}` would match any letter: "the minister said" is not
    "the minister Guilbault"."""
    import regex

    from retrans.core.regex_cache import compile as compile_cached
    from retrans.core.regex_cache import keep_case_classes

    pattern = compile_cached(r"\bthe\s+minister\s+\p{Lu}", regex.IGNORECASE)
    assert pattern.search("The minister Guilbault spoke.")
    assert pattern.search("THE MINISTER Guilbault spoke.")
    assert not pattern.search("the minister said")
    assert keep_case_classes(r"[\p{Lu}][\w.]*", regex.IGNORECASE) == r"(?-i:\p{Lu})[\w.]*"
    assert keep_case_classes(r"[\p{Lu}\d]", regex.IGNORECASE) == r"[\p{Lu}\d]"  # inside a set: as written
    assert keep_case_classes(r"\\p{Lu}", regex.IGNORECASE) == r"\\p{Lu}"  # an escaped backslash, not a class
    assert keep_case_classes(r"\p{Lu}", 0) == r"\p{Lu}"
