"""The `retrans` command as a user runs it: real rules, real files, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from retrans.app.cli import main

from .conftest import SEEDS

ARTIFACTS = "Shortly after Trump’s re -election, the Prime Minister of Alberta spoke.\n"
CLEAN = "The premier of Alberta spoke to reporters on Monday.\n"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_check_json_schema_and_exit_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "a.txt"
    p.write_text(ARTIFACTS, encoding="utf-8")
    code, out, _ = run(["check", "--format", "json", str(p)], capsys)
    assert code == 1
    data = json.loads(out)
    findings = data["files"][0]["findings"]
    keys = {
        "start",
        "end",
        "line",
        "col",
        "rule",
        "name",
        "severity",
        "category",
        "message",
        "suggestions",
        "confidence",
        "fix",
    }
    assert findings and all(keys <= set(x) for x in findings)
    spans = {ARTIFACTS[x["start"] : x["end"]] for x in findings}
    assert {"re -election", "Prime Minister of Alberta"} <= spans


def test_check_clean_file_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "a.txt"
    p.write_text(CLEAN, encoding="utf-8")
    code, out, _ = run(["check", str(p)], capsys)
    assert code == 0
    assert "no findings" in out


def test_check_human_format_is_path_line_col(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "a.txt"
    p.write_text("First line.\n" + ARTIFACTS, encoding="utf-8")
    _, out, _ = run(["check", str(p)], capsys)
    assert f"{p}:2:23: RT101 Stray space inside a hyphenated word. [re-election]" in out


def test_fail_on_and_disable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "a.txt"
    p.write_text("The ‘[[benign negligence]]’ era.\n".replace("[[", "").replace("]]", ""), encoding="utf-8")
    assert run(["check", str(p)], capsys)[0] == 1
    assert run(["check", "--disable", "RT309", str(p)], capsys)[0] == 0
    assert run(["check", "--enable", "spacing", str(p)], capsys)[0] == 0


def test_fix_in_place_prints_fixing_and_is_idempotent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "a.txt"
    p.write_text(ARTIFACTS, encoding="utf-8")
    code, out, _ = run(["fix", str(p)], capsys)
    assert code == 1 and f"Fixing {p}" in out
    fixed = p.read_text(encoding="utf-8")
    assert fixed == "Shortly after Trump’s re-election, the Premier of Alberta spoke.\n"
    code, out, _ = run(["fix", str(p)], capsys)
    assert code == 0 and out == "" and p.read_text(encoding="utf-8") == fixed


def test_fix_output_dir_leaves_inputs_untouched(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(ARTIFACTS, encoding="utf-8")
    (src / "b.txt").write_text(CLEAN, encoding="utf-8")
    out_dir = tmp_path / "out"
    code, _, _ = run(["fix", "--output-dir", str(out_dir), str(src)], capsys)
    assert code == 1
    assert (src / "a.txt").read_text(encoding="utf-8") == ARTIFACTS
    assert "re-election" in (out_dir / "a.txt").read_text(encoding="utf-8")
    assert (out_dir / "b.txt").read_text(encoding="utf-8") == CLEAN


def test_fix_diff_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "a.txt"
    p.write_text(ARTIFACTS, encoding="utf-8")
    code, out, _ = run(["fix", "--diff=unified", str(p)], capsys)
    assert code == 1
    assert "-Shortly after Trump’s re -election" in out and "+Shortly after Trump’s re-election" in out
    assert p.read_text(encoding="utf-8") == ARTIFACTS


def test_fix_preserves_bom_and_crlf(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "a.txt"
    body = "Intro line.\r\n" + ARTIFACTS.replace("\n", "\r\n") + "Last line\r\n"
    p.write_bytes(("\ufeff" + body).encode("utf-8"))
    run(["fix", str(p)], capsys)
    data = p.read_bytes()
    assert data.startswith("\ufeff".encode())
    assert data.count(b"\r\n") == 3 and b"\n" not in data.replace(b"\r\n", b"")
    assert "re-election" in data.decode("utf-8-sig")


def test_bad_inputs_are_reported_and_others_processed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.txt"
    good.write_text(ARTIFACTS, encoding="utf-8")
    latin = tmp_path / "latin.txt"
    latin.write_bytes("café re -election".encode("latin-1"))
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\x00\x01\x02re -election")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    missing = tmp_path / "missing.txt"
    code, out, err = run(
        ["check", "--format", "json", str(good), str(latin), str(binary), str(empty), str(missing)], capsys
    )
    assert code == 2
    assert f"{latin}: not valid UTF-8" in err
    assert f"warning: {binary}: binary file" in err
    assert f"{missing}: no such file" in err
    files = {Path(f["path"]).name: f["findings"] for f in json.loads(out)["files"]}
    assert files["good.txt"] and files["empty.txt"] == []
    assert "latin.txt" not in files and "bin.txt" not in files

    code, _, err = run(["fix", str(good), str(latin)], capsys)
    assert code == 2
    assert latin.read_bytes() == "café re -election".encode("latin-1")
    assert "re-election" in good.read_text(encoding="utf-8")


def test_bad_rule_file_names_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "x.yaml").write_text(
        "- code: RT900\n  name: x.y\n  type: pattern\n  pattern: '(unclosed'\n  message: m\n"
        "  category: c\n  examples: {bad: ['[[a]]'], good: [b]}\n",
        encoding="utf-8",
    )
    p = tmp_path / "a.txt"
    p.write_text("a", encoding="utf-8")
    code, _, err = run(["check", "--rules", str(rules), str(p)], capsys)
    assert code == 2 and f"{rules / 'x.yaml'}:4: invalid regex" in err

    (rules / "x.yaml").write_text("- code: RT900\n  name: x.y\n  type: nonsense\n", encoding="utf-8")
    code, _, err = run(["check", "--rules", str(rules), str(p)], capsys)
    assert code == 2 and f"{rules / 'x.yaml'}:3: unknown rule type 'nonsense'" in err

    (rules / "x.yaml").write_text(
        "- code: RT900\n  name: x.y\n  type: pattern\n  pattern: a\n  mesage: m\n", encoding="utf-8"
    )
    code, _, err = run(["check", "--rules", str(rules), str(p)], capsys)
    assert code == 2 and f"{rules / 'x.yaml'}:5: unknown field 'mesage'" in err


SENSE_RULE = """- code: RT900
  name: x.y
  type: sense
  message: m
  category: c
  senses:
    - french: retirer
      wrong: retire
      inflect: verb
      gloss: stop working because of age
      right: {RIGHT}
  examples: {{bad: ['[[a]]'], good: [b]}}
"""


def test_sense_rule_errors_name_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    p = tmp_path / "a.txt"
    p.write_text("a", encoding="utf-8")
    # An irregular verb outside the table cannot be inflected by rule ("foretelled"):
    # the entry must list forms.
    (rules / "x.yaml").write_text(SENSE_RULE.format(RIGHT="{foretell: predict an event}"), encoding="utf-8")
    code, _, err = run(["check", "--rules", str(rules), str(p)], capsys)
    assert code == 2 and f"{rules / 'x.yaml'}:9: inflecting gives 'foretelled'" in err
    # A right sense needs its gloss.
    (rules / "x.yaml").write_text(SENSE_RULE.format(RIGHT="{pull out: ''}"), encoding="utf-8")
    code, _, err = run(["check", "--rules", str(rules), str(p)], capsys)
    assert code == 2 and f"{rules / 'x.yaml'}:11: `right` maps each right rendering to its gloss" in err


def test_rules_table_lists_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["rules"], capsys)
    assert code == 0 and "RT101" in out and "spacing.hyphen" in out


def test_console_entry_point_runs_on_the_seed(tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "retrans"
    env = dict(os.environ, NO_COLOR="1")
    res = subprocess.run(
        [str(exe), "check", "--format", "json", str(SEEDS)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert res.returncode == 1, res.stderr
    assert len(json.loads(res.stdout)["files"][0]["findings"]) > 30


def test_sarif_output_with_fixes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "a.txt"
    p.write_text(ARTIFACTS, encoding="utf-8")
    code, out, _ = run(["check", "--format", "sarif", str(p)], capsys)
    assert code == 1
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0"
    run0 = sarif["runs"][0]
    assert run0["columnKind"] == "unicodeCodePoints"
    res = next(r for r in run0["results"] if r["ruleId"] == "RT101")
    region = res["locations"][0]["physicalLocation"]["region"]
    assert ARTIFACTS[region["charOffset"] : region["charOffset"] + region["charLength"]] == "re -election"
    assert res["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"] == "re-election"
    assert {r["id"] for r in run0["tool"]["driver"]["rules"]} >= {"RT101", "RT201"}


def test_github_annotations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "a,b.txt"
    p.write_text(ARTIFACTS, encoding="utf-8")
    _, out, _ = run(["check", "--format", "github", str(p)], capsys)
    line = next(x for x in out.splitlines() if "RT101" in x)
    assert line.startswith(f"::error file={str(p).replace(',', '%2C')},line=1,col=23,endLine=1,endColumn=35,")
    assert line.endswith("::Stray space inside a hyphenated word. [re-election]")


def test_diff_is_marked_plain_text_in_a_pipe(tmp_path: Path) -> None:
    p = tmp_path / "a.txt"
    p.write_text("Intro.\n" + ARTIFACTS, encoding="utf-8")
    exe = Path(sys.executable).parent / "retrans"
    res = subprocess.run(
        [str(exe), "fix", "--diff", str(p)],
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ, COLUMNS="160"),
    )
    assert res.returncode == 1
    assert "\x1b[" not in res.stdout  # no colour codes in a pipe
    (row,) = res.stdout.splitlines()  # one line per changed line, no padding, nothing cut
    assert row.startswith(f"{p}:2: ") and "re[- -]-election" in row and "{+Premier+}" in row
    assert p.read_text(encoding="utf-8") == "Intro.\n" + ARTIFACTS
