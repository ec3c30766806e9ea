"""Configuration files, baselines of accepted findings, and batch runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrans import Finding, FixResult, check_text, fix_text
from retrans.app.cli import main
from retrans.core.config import load_config

ART = "Shortly after Trump’s re -election, the Prime Minister of Alberta spoke.\n"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text(ART, encoding="utf-8")
    return tmp_path


def test_pyproject_settings_apply_and_flags_override(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.retrans]\ndisable = ["RT101"]\nfail-on = "error"\ngrammar = "none"\n'
        '[tool.retrans.severity]\nRT201 = "info"\n',
        encoding="utf-8",
    )
    code, out, _ = run(["check", "--format", "json", "a.txt"], capsys)
    rules = {f["rule"]: f["severity"] for f in json.loads(out)["files"][0]["findings"]}
    assert "RT101" not in rules and rules["RT201"] == "info"
    assert code == 0  # only an info finding left, fail-on error
    code, _, _ = run(["check", "--fail-on", "info", "a.txt"], capsys)
    assert code == 1


def test_retrans_toml_wins_and_extra_rule_folder(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    extra = project / "myrules"
    extra.mkdir()
    (extra / "house.yaml").write_text(
        "- code: RT950\n  name: house.spoke\n  type: pattern\n  pattern: '\\bspoke\\b'\n  replace: [said]\n"
        "  message: House style.\n  category: style\n  fix: safe\n  confidence: 0.9\n"
        "  examples: {bad: ['he [[spoke]]'], good: [he said]}\n",
        encoding="utf-8",
    )
    (project / "retrans.toml").write_text('rules = ["myrules"]\ngrammar = "none"\n', encoding="utf-8")
    code, out, _ = run(["check", "--format", "json", "a.txt"], capsys)
    rules = {f["rule"] for f in json.loads(out)["files"][0]["findings"]}
    assert code == 1
    assert {"RT950", "RT101"} <= rules


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('colour = "red"\n', "unknown key 'colour'"),
        ('fail-on = "fatal"\n', "key 'fail-on' must be one of"),
        ('embedding-backend = "gpu"\n', "key 'embedding-backend' must be one of onnx, sentence-transformers"),
        ("min-confidence = 2\n", "key 'min-confidence' must be a number from 0 to 1"),
        ('[severity]\nRT101 = "loud"\n', "key 'severity.RT101' must be one of"),
        ("grammar = [\n", "invalid TOML"),
    ],
)
def test_bad_configuration_names_file_and_key(
    project: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    (project / "retrans.toml").write_text(content, encoding="utf-8")
    code, _, err = run(["check", "a.txt"], capsys)
    assert code == 2
    assert "retrans.toml" in err and message in err


def test_config_lookup_walks_up(tmp_path: Path) -> None:
    (tmp_path / "retrans.toml").write_text('grammar = "none"\n', encoding="utf-8")
    deep = tmp_path / "x" / "y"
    deep.mkdir(parents=True)
    assert load_config(start=deep).grammar == "none"


def test_baseline_hides_accepted_findings_and_survives_edits_elsewhere(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["check", "--no-lm", "--grammar", "none", "--write-baseline", "base.json", "a.txt"], capsys)
    assert code == 0 and "wrote baseline of 2 finding(s)" in err
    code, out, _ = run(["check", "--no-lm", "--grammar", "none", "--baseline", "base.json", "a.txt"], capsys)
    assert code == 0 and "no findings" in out
    # Lines added above move every finding; a new artifact appears; the old ones stay hidden.
    (project / "a.txt").write_text(
        "A new first line.\nThe talks were in the [[x]]\n".replace("[[x]]", "")
        + "Ottawa drops its retaliatory prices on tariffs.\n"
        + ART,
        encoding="utf-8",
    )
    code, out, _ = run(
        ["check", "--no-lm", "--grammar", "none", "--format", "json", "--baseline", "base.json", "a.txt"], capsys
    )
    found = json.loads(out)["files"][0]["findings"]
    assert code == 1 and [f["rule"] for f in found] == ["RT302"]


def test_bad_baseline_file_is_a_clear_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "base.json").write_text("[1, 2]", encoding="utf-8")
    code, _, err = run(["check", "--baseline", "base.json", "a.txt"], capsys)
    assert code == 2 and "base.json: not a retrans baseline" in err


def test_batch_with_two_workers_matches_one(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = project / "many"
    src.mkdir()
    for i in range(5):
        (src / f"f{i}.txt").write_text(f"Paragraph {i}.\n" + ART, encoding="utf-8")
    (src / "bad.txt").write_bytes(b"\xff\xfe bad")
    code1, out1, _ = run(["check", "--grammar", "none", "--format", "json", "-j", "1", str(src)], capsys)
    code2, out2, err2 = run(["check", "--grammar", "none", "--format", "json", "-j", "2", str(src)], capsys)
    assert code1 == code2 == 2
    assert json.loads(out1) == json.loads(out2)
    assert "bad.txt: not valid UTF-8" in err2 and "retrans summary" in err2
    code, out, _ = run(["fix", "--grammar", "none", "-j", "2", "--output-dir", str(project / "out"), str(src)], capsys)
    assert code == 2 and out.count("Fixing") == 5
    assert "re-election" in (project / "out" / "f3.txt").read_text(encoding="utf-8")


def test_library_api_returns_typed_results() -> None:
    findings = check_text(ART)
    assert findings and all(isinstance(f, Finding) for f in findings)
    result = fix_text(ART)
    assert isinstance(result, FixResult) and result.changed
    assert result.text == "Shortly after Trump’s re-election, the Premier of Alberta spoke.\n"
    assert fix_text(result.text).text == result.text


def test_progress_bar_only_on_a_terminal(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "b.txt").write_text(ART, encoding="utf-8")
    _, _, err = run(["check", "--grammar", "none", "a.txt", "b.txt"], capsys)
    assert "━" not in err.split("retrans summary")[0]  # no bar when stderr is not a terminal


def test_progress_bar_is_drawn_on_a_terminal(tmp_path: Path) -> None:
    import sys

    from .conftest import stderr_on_a_terminal

    for i in range(4):
        (tmp_path / f"f{i}.txt").write_text(ART * 200, encoding="utf-8")
    exe = str(Path(sys.executable).parent / "retrans")
    _, err = stderr_on_a_terminal([exe, "check", "--grammar", "none", "--no-embeddings", "-j", "2", str(tmp_path)], 120)
    assert "check" in err and "/4" in err  # the bar's label and its M/N counter
    assert "retrans summary" in err
