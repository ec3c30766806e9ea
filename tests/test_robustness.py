"""Robustness: properties over generated texts, hostile files, hostile rules."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retrans.app.api import Options, build_tooling
from retrans.app.cli import main
from retrans.core.document import decode
from retrans.core.errors import ConfigError
from retrans.detect.rules.loader import load_rules
from retrans.repair.fixing import fix_text_loop

TOOLING = build_tooling(Options(grammar="none"))
CHECK = TOOLING.pipeline.check

SENTENCES = [
    "Shortly after Trump’s re -election, the Prime Minister of Alberta spoke.",
    "Canada cannot sacrifice her relationship with the United States.",
    "We focus on trade, trade, security and energy.",
    "The second step consists in developing a commercial relationship with Chile.",
    "they had to be discreet; There is no need to rush.",
    "Officials in Lima are impatient to discuss the extension of the two ports.",
    "The premier of Ontario met Prime Minister Mark Carney in Ottawa.",
    "Gas prices rose in May, and her speech ran long.",
    "It will cost 4 milliards over ten years, or 3,5 million a year.",
    "« Nous sommes prêts », he said in French.",
    "",
]
texts = st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=8)
newline = st.sampled_from(["\n", "\r\n"])
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.text(max_size=400))
def test_check_never_raises_and_spans_are_in_bounds(text: str) -> None:
    for f in CHECK(text):
        assert 0 <= f.start <= f.end <= len(text)
        assert f.rule != "RT000", f.message


@SETTINGS
@given(texts, st.lists(newline, min_size=8, max_size=8), st.text(alphabet="abc xyz.,", max_size=40))
def test_fix_is_idempotent_and_keeps_line_endings(lines: list[str], ends: list[str], noise: str) -> None:
    text = "".join(line + ends[i] for i, line in enumerate(lines)) + noise
    fixed = fix_text_loop(text, CHECK, 0.7)
    assert fixed.converged
    again = fix_text_loop(fixed.text, CHECK, 0.7)
    assert again.text == fixed.text and not again.changed
    terminators = [e for e in ends[: len(lines)]]
    assert [m for m in _terminators(fixed.text)] == terminators


def _terminators(text: str) -> list[str]:
    out, i = [], 0
    while True:
        j = text.find("\n", i)
        if j < 0:
            return out
        out.append("\r\n" if j > 0 and text[j - 1] == "\r" else "\n")
        i = j + 1


@SETTINGS
@given(texts)
def test_one_fix_pass_changes_nothing_outside_the_applied_spans(lines: list[str]) -> None:
    text = "\n".join(lines)
    result = fix_text_loop(text, CHECK, 0.7, max_passes=1)
    applied = sorted(result.applied_flat, key=lambda f: f.start)
    pos_a = pos_b = 0
    for f in applied:
        gap = f.start - pos_a
        assert result.text[pos_b : pos_b + gap] == text[pos_a : f.start]
        pos_b += gap + len(f.suggestions[0])
        pos_a = f.end
    assert result.text[pos_b:] == text[pos_a:]


@SETTINGS
@given(st.binary(max_size=300))
def test_any_bytes_decode_or_fail_cleanly(data: bytes) -> None:
    try:
        doc = decode("x.txt", data)
    except Exception as exc:
        assert type(exc).__name__ in ("InputError", "BinaryFileError")
        assert "x.txt" in str(exc)
    else:
        assert doc.encode() == data


def test_hostile_files_each_get_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    d = tmp_path / "in"
    d.mkdir()
    (d / "good.txt").write_text("The Prime Minister of Alberta spoke.\n", encoding="utf-8")
    (d / "random.txt").write_bytes(bytes(range(128, 256)))
    (d / "nul.txt").write_bytes(b"text\x00with nul")
    (d / "empty.txt").write_bytes(b"")
    (d / "locked.txt").write_text("re -election\n", encoding="utf-8")
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    code = main(["check", "--grammar", "none", "--format", "json", str(d)])
    out = capsys.readouterr()
    assert code == 2
    assert "random.txt: not valid UTF-8" in out.err
    assert "locked.txt: cannot read: Permission denied" in out.err
    assert "nul.txt: binary file" in out.err
    assert "RT201" in out.out

    for name in ("random.txt", "nul.txt", "locked.txt"):
        (d / name).unlink()
    assert main(["check", "--grammar", "none", str(d)]) == 1  # only findings left: nothing failed


def test_catastrophic_user_regex_is_stopped_and_reported(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "slow.yaml").write_text(
        "- code: RT990\n  name: test.slow\n  type: pattern\n  pattern: '^(a|aa)+$'\n  message: m\n"
        "  category: test\n  examples: {bad: ['[[aa]]'], good: [b]}\n"
        "- code: RT991\n  name: test.fast\n  type: pattern\n  pattern: 'b'\n  message: m\n"
        "  category: test\n  examples: {bad: ['[[b]]'], good: [a]}\n",
        encoding="utf-8",
    )
    tooling = build_tooling(Options(rule_dirs=(rules,), grammar="none"))
    started = time.monotonic()
    findings = tooling.pipeline.check("a" * 40 + "b")
    assert time.monotonic() - started < 30
    internal = [f for f in findings if f.rule == "RT000"]
    assert internal and "RT990" in internal[0].message and "timed out" in internal[0].message
    assert any(f.rule == "RT991" for f in findings)  # the other rules still ran


def test_rule_files_use_the_safe_yaml_loader(tmp_path: Path) -> None:
    (tmp_path / "evil.yaml").write_text("- !!python/object/apply:os.system ['echo pwned']\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"evil\.yaml"):
        load_rules([tmp_path])
