"""The pipeline's shape and the one place codes are selected (issue 13)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from retrans.app.cli import main
from retrans.app.process import process
from retrans.core.checker import Checker, CodeInfo
from retrans.core.errors import UsageError
from retrans.core.finding import Finding, FixPolicy, Severity
from retrans.core.options import Options
from retrans.core.selection import Selection
from retrans.detect.build import Tooling, all_codes, build_tooling
from retrans.detect.pipeline import Pipeline
from retrans.detect.rules.loader import load_rules
from retrans.repair.fixing import fix_text_loop

SRC = Path(__file__).resolve().parents[1] / "src" / "retrans"
TEXT = "The Prime Minister of Alberta spoke. Shortly after the re -election, she left.\n"


def test_top_level_holds_at_most_six_modules() -> None:
    modules = [p.name for p in SRC.iterdir() if p.suffix == ".py"]
    assert len(modules) <= 6, modules
    assert {"core", "detect", "repair", "report", "app"} <= {p.name for p in SRC.iterdir() if p.is_dir()}


def test_every_checker_implements_the_protocol() -> None:
    tooling = build_tooling(Options(grammar="harper", embeddings=False))
    for c in tooling.pipeline.checkers:
        assert isinstance(c, Checker), c
        assert all(isinstance(i, CodeInfo) for i in c.codes())


def test_rules_lists_every_checkers_codes_untruncated_in_a_pipe() -> None:
    out = subprocess.run([sys.executable, "-m", "retrans", "rules"], capture_output=True, text=True, check=True).stdout
    rows = [line.split("\t") for line in out.splitlines()[1:]]
    codes = {r[0] for r in rows}
    assert {"RT201", "RT901", "HARPER/Typo", "HARPER/Grammar", "LT/*"} <= codes
    names = {r[1] for r in rows}
    ruleset = load_rules()
    assert {r.spec.name for r in ruleset.rules} <= names  # whole names, never cut with "…"
    assert not any("…" in line for line in out.splitlines())


def test_rules_explains_one_code_with_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "RT201"]) == 0
    out = capsys.readouterr().out
    assert "title.prime_minister_of_province" in out and "bad:" in out and "[[" in out and "good:" in out
    assert "titles.yaml:" in out
    assert main(["rules", "RT201", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["code"] == "RT201" and data["bad"] and data["good"]
    assert main(["rules", "RT20l"]) == 2
    assert "RT20l" in capsys.readouterr().err


def test_unknown_code_anywhere_exits_2_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "a.txt"
    f.write_text(TEXT, encoding="utf-8")
    assert main(["check", "--grammar", "none", "--no-embeddings", "--enable", "RT20l", str(f)]) == 2
    assert "RT20l" in capsys.readouterr().err
    assert main(["check", "--grammar", "none", "--no-embeddings", "--disable", "HARPER/Typoo", str(f)]) == 2
    assert "HARPER/Typoo" in capsys.readouterr().err
    cfg = tmp_path / "retrans.toml"
    cfg.write_text('[severity]\nRT99x = "info"\n', encoding="utf-8")
    assert main(["check", "--config", str(cfg), "--grammar", "none", "--no-embeddings", str(f)]) == 2
    assert "RT99x" in capsys.readouterr().err
    # Codes of a checker that is off in this run are still known.
    assert main(["check", "--grammar", "none", "--no-embeddings", "--disable", "HARPER/Typo,RT901", str(f)]) == 1


def test_disable_applies_to_every_checker(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "a.txt"
    f.write_text("She have an car. " + TEXT, encoding="utf-8")
    main(["check", "--format", "json", "--no-embeddings", str(f)])
    rules = {x["rule"] for x in json.loads(capsys.readouterr().out)["files"][0]["findings"]}
    assert any(r.startswith("HARPER/") for r in rules) and "RT201" in rules
    main(["check", "--format", "json", "--no-embeddings", "--disable", "harper,title", str(f)])
    rules = {x["rule"] for x in json.loads(capsys.readouterr().out)["files"][0]["findings"]}
    assert not any(r.startswith("HARPER/") for r in rules) and "RT201" not in rules and rules


def _finding(rule: str, name: str) -> Finding:
    return Finding(rule, name, 0, 1, "m", Severity.WARNING, "c", ("x",), 0.5, FixPolicy.SUGGEST)


def test_selection_filters_and_overrides_outliers_like_rules() -> None:
    codes = all_codes(load_rules())
    found = [_finding("RT901", "embedding.outlier"), _finding("RT201", "title.prime_minister_of_province")]
    assert [f.rule for f in Selection(disable=frozenset({"RT901"})).apply(found, codes)] == ["RT201"]
    assert [f.rule for f in Selection(disable=frozenset({"embeddings"})).apply(found, codes)] == ["RT201"]
    assert [f.rule for f in Selection(enable=frozenset({"embedding"})).apply(found, codes)] == ["RT901"]
    # RT901 is off by default (false alarms on edited news): on only when named.
    assert [f.rule for f in Selection().apply(found, codes)] == ["RT201"]
    out = Selection(severity={"RT901": "info"}, extend=frozenset({"RT901"})).apply(found, codes)
    assert [f.severity for f in out] == [Severity.INFO, Severity.WARNING]
    with pytest.raises(UsageError, match="RT9O1"):
        Selection(disable=frozenset({"RT9O1"})).validate(codes)


class _Counting:
    """A checker that records every text it is asked to check."""

    name = "counting"
    stage = 0

    def __init__(self) -> None:
        self.seen: list[str] = []

    def codes(self) -> Sequence[CodeInfo]:
        return (CodeInfo("XX001", "count.prime", "counting", "m"),)

    def check(self, text: str, prior: Sequence[Finding] = ()) -> list[Finding]:
        self.seen.append(text)
        i = text.find("Prime Minister of Alberta")
        if i < 0:
            return []
        return [
            Finding(
                "XX001",
                "count.prime",
                i,
                i + 25,
                "m",
                Severity.ERROR,
                "c",
                ("Premier of Alberta",),
                0.9,
                FixPolicy.SAFE,
            )
        ]


def test_report_checks_each_original_once() -> None:
    counting = _Counting()
    tooling = Tooling(Pipeline([counting]))
    res = process(TEXT, tooling, fix=True, review=True)
    assert res.fix is not None and res.review is not None and res.fix.changed
    assert counting.seen.count(TEXT) == 1
    assert [f.rule for f in res.findings] == ["XX001"]


def test_unsettled_fix_loop_keeps_only_the_settled_passes() -> None:
    def flip(text: str) -> list[Finding]:
        other = "b" if text == "a" else "a"
        return [Finding("T1", "t.flip", 0, 1, "m", Severity.ERROR, "c", (other,), 0.9, FixPolicy.SAFE)]

    osc = fix_text_loop("a", flip, 0.5, max_passes=10)
    assert not osc.converged and osc.text == "a" and not osc.changed  # the cycle began at the original

    def grow(text: str) -> list[Finding]:
        return [Finding("T2", "t.grow", 0, len(text), "m", Severity.ERROR, "c", (text + "x",), 0.9, FixPolicy.SAFE)]

    run = fix_text_loop("a", grow, 0.5, max_passes=4)
    assert not run.converged and run.text == "ax" and len(run.applied) == 1  # only the first pass kept
