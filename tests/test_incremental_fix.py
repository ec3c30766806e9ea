"""The fix loop on a long text re-checks only the paragraphs a pass changed."""

from __future__ import annotations

import regex

from retrans.core.finding import Finding, FixPolicy, Severity
from retrans.repair.fixing import apply_edits, fix_text_loop, recheck_changed

# A paragraph-local toy checker with a cascade: "aa" -> "b" makes "bb", fixed
# next pass to "c"; "xyz" is flagged but never fixable.
_RULES = (("aa", "b"), ("bb", "c"))


def _finding(start: int, end: int, fix: str, fixable: bool = True) -> Finding:
    return Finding(
        rule="RT999",
        name="toy.rule",
        start=start,
        end=end,
        message="toy",
        severity=Severity.WARNING,
        category="toy",
        suggestions=(fix,),
        fix=FixPolicy.SAFE if fixable else FixPolicy.SUGGEST,
        confidence=1.0,
    )


class Toy:
    def __init__(self) -> None:
        self.checked: list[str] = []

    def __call__(self, text: str) -> list[Finding]:
        self.checked.append(text)
        out = [_finding(m.start(), m.end(), new) for old, new in _RULES for m in regex.finditer(old, text)]
        out += [_finding(m.start(), m.end(), "?", fixable=False) for m in regex.finditer("xyz", text)]
        return sorted(out, key=lambda f: f.start)


TEXT = "\n".join(
    [
        "plain line xyz one",
        "aab and aab here",  # aa -> b gives bb, then c
        "untouched line with xyz",
        "another aa line",
        "last line aaaab",
    ]
    * 5
)


def test_incremental_passes_give_the_text_a_whole_recheck_gives() -> None:
    whole, part = Toy(), Toy()
    a = fix_text_loop(TEXT, whole, 0.5, incremental_from=10**9)
    b = fix_text_loop(TEXT, part, 0.5, incremental_from=0)
    assert a.text == b.text
    assert "aa" not in b.text and "bb" not in b.text and b.text.count("xyz") == 10
    assert [len(p) for p in a.applied] == [len(p) for p in b.applied]
    assert len(whole.checked) == len(part.checked)
    # After the first check, only edited lines were checked again: never an untouched one.
    assert all("untouched" not in t and "plain" not in t for t in part.checked[1:])
    assert sum(map(len, part.checked[1:])) < sum(map(len, whole.checked[1:])) / 2


def test_kept_and_fresh_findings_equal_a_whole_check_of_the_edited_text() -> None:
    toy = Toy()
    before = TEXT
    found = toy(before)
    edits = [f for f in found if f.suggestions[0] != "?"][::3]  # some edits, spread out
    after = apply_edits(before, edits)
    got = recheck_changed(before, after, edits, found, toy)
    want = toy(after)
    assert [(f.start, f.end, f.suggestions) for f in got] == [(f.start, f.end, f.suggestions) for f in want]


def test_progress_is_told_each_pass() -> None:
    told: list[tuple[int, int]] = []
    fix_text_loop(TEXT, Toy(), 0.5, incremental_from=0, progress=lambda n, k: told.append((n, k)))
    assert [n for n, _ in told] == [1, 2] and all(k > 0 for _, k in told)


def test_the_parse_cache_is_bounded_and_drops_the_least_recently_used() -> None:
    from retrans.detect.rules.context import ParseCache

    cache = ParseCache(2)
    cache["a"], cache["b"] = 1, 2
    assert cache.get("a") == 1  # "a" is now the most recent
    cache["c"] = 3
    assert list(cache) == ["a", "c"] and cache.get("b") is None


def _naive_resolve(findings: list[Finding]) -> tuple[list[Finding], list[Finding]]:
    """The all-pairs choice `resolve_overlaps` replaced (quadratic), for comparison."""
    from retrans.repair.overlaps import _rank

    kept: list[Finding] = []
    dropped: list[Finding] = []
    for f in sorted(set(findings), key=_rank):
        (dropped if any(f.overlaps(k) for k in kept) else kept).append(f)
    order = lambda f: (f.start, f.end, f.rule)  # noqa: E731
    return sorted(kept, key=order), sorted(dropped, key=order)


def test_indexed_overlaps_match_all_pairs() -> None:
    """Spans of every width (insertions, bucket-crossing, long) and priorities."""
    import random

    from retrans.repair.overlaps import drop_second_opinions, resolve_overlaps

    rng = random.Random(17)
    for _ in range(60):
        found = []
        for _i in range(rng.randint(1, 120)):
            start = rng.randint(0, 2000)
            end = start + rng.choice([0, 0, 1, 3, 8, 40, 255, 256, 600])
            f = _finding(start, end, rng.choice(["a", "b", ""]))
            found.append(
                Finding(
                    **{
                        **f.__dict__,
                        "rule": f"RT{rng.randint(100, 105)}",
                        "priority": rng.randint(-1, 1),
                        "confidence": rng.choice([0.5, 1.0]),
                    }
                )
            )
        assert resolve_overlaps(found) == _naive_resolve(found)
        second = lambda f: f.rule == "RT100"  # noqa: E731
        naive = [f for f in found if not second(f) or not any(f.overlaps(k) for k in found if not second(k))]
        assert drop_second_opinions(found, second) == naive


def test_apply_edits_many() -> None:
    text = "ab" * 5000
    edits = [_finding(i, i + 1, "X") for i in range(0, len(text), 4)] + [_finding(3, 3, "+"), _finding(3, 3, "-")]
    slow = text
    for f in sorted(edits, key=lambda f: (f.start, f.end), reverse=True):
        slow = slow[: f.start] + f.suggestions[0] + slow[f.end :]
    assert apply_edits(text, edits) == slow
