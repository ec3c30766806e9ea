"""The workflows users meet first (issue 16): no input that crashes the batch, no
lost work, failed files in every format, diffs that apply, rule folders that add,
inline ignore comments, stdin, --quiet, a fixed file that passes its own check."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from retrans.app.api import Options, build_tooling, check_text, fix_text
from retrans.app.cli import main
from retrans.core.document import ignores
from retrans.detect.grammar.harper import GrammarUnavailable, HarperChecker
from retrans.report.html import PageSummary, render_index
from retrans.report.review import _ops

from .conftest import ROOT, SEEDS

ARTIFACTS = "Shortly after Trump’s re -election, the Prime Minister of Alberta spoke.\n"
FIXED = "Shortly after Trump’s re-election, the Premier of Alberta spoke.\n"
LIST = "The talks covered trade, trade, security and energy.\n"
QUICK = ["--grammar", "none", "--no-embeddings"]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def cli(*args: str, cwd: Path | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The real command in its own process (a crash there cannot take pytest down)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), NO_COLOR="1")
    return subprocess.run(
        [sys.executable, "-m", "retrans", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        input=stdin,
        env=env,
        timeout=600,
    )


# 1. Crashes: bounded checker input, one file's failure stays that file's.


def test_a_200k_letter_token_is_reported_and_the_next_file_is_still_checked(tmp_path: Path) -> None:
    """Harper aborted the whole process on this ("memory allocation of 61619508120
    bytes failed", exit 134); now the run goes on, with Harper on."""
    long = tmp_path / "a_long.txt"
    long.write_text("The Prime Minister of Alberta " + "x" * 200_000 + "\n", encoding="utf-8")
    nxt = tmp_path / "b_next.txt"
    nxt.write_text(ARTIFACTS, encoding="utf-8")
    res = cli("check", "--no-embeddings", "--grammar", "harper", "--format", "json", str(long), str(nxt))
    assert res.returncode <= 1, res.stderr
    files = {Path(f["path"]).name: f["findings"] for f in json.loads(res.stdout)["files"]}
    rules_long = {f["rule"] for f in files["a_long.txt"]}
    assert {"RT201", "RT001"} <= rules_long  # the text around the token is checked; the token is named
    skipped = next(f for f in files["a_long.txt"] if f["rule"] == "RT001")
    assert (skipped["start"], skipped["end"], skipped["severity"]) == (30, 200_030, "info")
    assert {"RT201", "RT101"} <= {f["rule"] for f in files["b_next.txt"]}


def test_a_file_too_long_to_check_is_that_files_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("retrans.app.runner.MAX_CHARS", 1000)
    big = tmp_path / "a_big.txt"
    big.write_text("Fine words here. " * 100, encoding="utf-8")
    nxt = tmp_path / "b.txt"
    nxt.write_text(ARTIFACTS, encoding="utf-8")
    code, out, err = run(["check", *QUICK, "--format", "json", str(big), str(nxt)], capsys)
    assert code == 2
    assert f"{big}: too long to check (1,700 characters; the limit is 1,000): split it" in err
    assert [Path(f["path"]).name for f in json.loads(out)["files"]] == ["b.txt"]


def test_harper_is_given_bounded_pieces() -> None:
    """Called directly (the fix guard does), Harper never sees an over-long word and
    a long line is cut at a space."""
    harper = HarperChecker()
    seen: list[str] = []
    real = harper._check_piece
    harper._check_piece = lambda piece: seen.append(piece) or real(piece)  # type: ignore[method-assign]
    text = "They eat an apple. " * 3000 + "y" * 50_000 + " The the end.\n"
    findings = harper.check(text)
    assert max(len(p) for p in seen) <= 2 * harper.chunk
    assert all(len(w) <= 500 for p in seen for w in p.split())
    assert any(text[f.start : f.end].lower() == "the the" for f in findings)  # after the token, still linted


def test_a_checker_failing_on_one_file_is_that_files_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = HarperChecker.check

    def flaky(self: HarperChecker, text: str, prior: object = ()) -> list[object]:
        if "boom" in text:
            raise GrammarUnavailable("the grammar server went away")
        return real(self, text)  # type: ignore[return-value]

    monkeypatch.setattr(HarperChecker, "check", flaky)
    bad = tmp_path / "a.txt"
    bad.write_text("boom " + ARTIFACTS, encoding="utf-8")
    good = tmp_path / "b.txt"
    good.write_text(ARTIFACTS, encoding="utf-8")
    code, out, err = run(["check", "--no-embeddings", "--format", "json", str(bad), str(good)], capsys)
    assert code == 2
    data = json.loads(out)
    assert [Path(f["path"]).name for f in data["files"]] == ["b.txt"] and data["files"][0]["findings"]
    assert data["errors"] == [{"path": str(bad), "level": "error", "message": f"{bad}: the grammar server went away"}]
    assert "the grammar server went away" in err


# 2. Lost work: read-only files, temporary files.


def test_fix_refuses_a_read_only_file_unless_forced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ro = tmp_path / "ro.txt"
    ro.write_text(ARTIFACTS, encoding="utf-8")
    ro.chmod(0o444)
    other = tmp_path / "other.txt"
    other.write_text(ARTIFACTS, encoding="utf-8")
    code, out, err = run(["fix", *QUICK, str(ro), str(other)], capsys)
    assert code == 2
    assert f"{ro}: read-only file, not rewritten (fix --force rewrites it)" in err
    assert ro.read_text(encoding="utf-8") == ARTIFACTS
    assert other.read_text(encoding="utf-8") == FIXED  # the batch went on
    code, out, err = run(["fix", *QUICK, "--force", str(ro)], capsys)
    assert code == 1 and f"Fixing {ro}" in out
    assert ro.read_text(encoding="utf-8") == FIXED
    assert stat.S_IMODE(ro.stat().st_mode) == 0o444  # still read-only
    assert not list(tmp_path.glob(".*.tmp"))


def test_sigterm_during_a_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    """A kill (SIGTERM: `kill`, a CI timeout) while a fix is being written: the
    original stays whole and the temporary file is removed."""
    target = tmp_path / "a.txt"
    target.write_text(ARTIFACTS, encoding="utf-8")
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        from pathlib import Path
        from retrans.app.runner import exit_on_sigterm
        from retrans.core import document
        exit_on_sigterm()
        def killed(fd):
            os.kill(os.getpid(), signal.SIGTERM)
        document.os.fsync = killed
        document.write_atomic(Path({str(target)!r}), b"half written")
        """
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False)
    assert res.returncode == 128 + 15, res.stderr
    assert target.read_text(encoding="utf-8") == ARTIFACTS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


# 3. Failed files in every machine format.


def test_failed_files_are_in_json_and_sarif(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.txt"
    good.write_text(ARTIFACTS, encoding="utf-8")
    latin = tmp_path / "latin.txt"
    latin.write_bytes("café re -election".encode("latin-1"))
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\x00\x01re -election")
    missing = tmp_path / "missing.txt"
    paths = [str(good), str(latin), str(binary), str(missing)]

    code, out, _ = run(["check", *QUICK, "--format", "json", *paths], capsys)
    assert code == 2
    data = json.loads(out)
    assert [Path(f["path"]).name for f in data["files"]] == ["good.txt"]
    errors = {Path(e["path"]).name: e for e in data["errors"]}
    assert set(errors) == {"latin.txt", "bin.txt", "missing.txt"}
    assert errors["latin.txt"]["level"] == "error" and "not valid UTF-8" in errors["latin.txt"]["message"]
    assert errors["bin.txt"]["level"] == "warning" and "binary file" in errors["bin.txt"]["message"]
    assert "no such file" in errors["missing.txt"]["message"]

    code, out, _ = run(["check", *QUICK, "--format", "sarif", *paths], capsys)
    sarif = json.loads(out)["runs"][0]
    assert sarif["results"]
    (invocation,) = sarif["invocations"]
    assert invocation["executionSuccessful"] is False
    notes = {
        Path(n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]).name: n
        for n in invocation["toolExecutionNotifications"]
    }
    assert set(notes) == {"latin.txt", "bin.txt", "missing.txt"}
    assert notes["latin.txt"]["level"] == "error" and "not valid UTF-8" in notes["latin.txt"]["message"]["text"]

    code, out, _ = run(["check", *QUICK, "--format", "github", *paths], capsys)
    assert f"::error file={latin}::" in out


def test_clean_run_has_an_empty_errors_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "a.txt"
    p.write_text(ARTIFACTS, encoding="utf-8")
    _, out, _ = run(["check", *QUICK, "--format", "json", str(p)], capsys)
    assert json.loads(out)["errors"] == []
    _, out, _ = run(["check", *QUICK, "--format", "sarif", str(p)], capsys)
    assert json.loads(out)["runs"][0]["invocations"][0]["executionSuccessful"] is True


# 4. Inline ignore comments (the pre-commit flow itself: tests/test_precommit.py).


IGNORED = f"""# Talks

<!-- retrans: ignore RT112 -->
{LIST}
{LIST.rstrip()} <!-- retrans: ignore repetition -->

<!-- retrans: ignore RT201 -->
{LIST}
<!-- retrans: ignore-start -->
{ARTIFACTS}{LIST}<!-- retrans: ignore-end -->
{LIST}"""


def test_inline_ignore_comments_in_markdown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "talks.md"
    p.write_text(IGNORED, encoding="utf-8")
    code, out, _ = run(["check", *QUICK, "--format", "json", str(p)], capsys)
    found = [(f["line"], f["rule"]) for f in json.loads(out)["files"][0]["findings"]]
    # Line 4: ignored by code (next line); 6: by group (same line); 9: RT201 ignored, not RT112;
    # 12-13: inside the span; 15: no comment.
    assert found == [(9, "RT112"), (15, "RT112")]
    assert code == 1


def test_fix_leaves_what_a_comment_ignores() -> None:
    text = f"<!-- retrans: ignore RT201 -->\n{ARTIFACTS}{ARTIFACTS}"
    result = fix_text(text, Options(grammar="none", embeddings=False))
    assert result.text == f"<!-- retrans: ignore RT201 -->\n{ARTIFACTS.replace('re -', 're-')}{FIXED}"


def test_ignore_comments_are_parsed_like_noqa() -> None:
    text = "a\n<!-- retrans: ignore RT1, RT2 -->\n\nb line\nc <!-- retrans: ignore -->\n"
    regions = ignores(text)
    b = text.index("b line")
    assert any(r.start == b and r.end == b + 6 and r.codes == {"RT1", "RT2"} for r in regions)
    c = text.index("c <!--")
    assert any(r.start == c and r.codes is None for r in regions)
    assert check_text("The talks covered trade, trade. <!-- retrans: ignore -->", Options(grammar="none")) == []


# 5. A fixed file draws no finding from its own fixes.


def test_a_fixed_file_draws_no_finding_on_its_own_edits() -> None:
    """The seed, fixed with every checker on, then checked again: no finding touches
    a span the fix inserted (before: RT901 on "irritant", "singled", "undergoing")."""
    tooling = build_tooling(Options())
    original = (SEEDS / "000_f35722fa09ccbc01.txt").read_text(encoding="utf-8")
    fixed = fix_text(original, tooling=tooling).text
    inserted = [(rs, re) for tag, _, _, rs, re in _ops(original, fixed) if tag in ("insert", "replace")]
    assert len(inserted) > 30
    on_edits = [
        (f.rule, fixed[f.start : f.end])
        for f in check_text(fixed, tooling=tooling)
        if any(f.start < re and rs < f.end for rs, re in inserted)
    ]
    assert on_edits == []


# 6, 7. Diffs that apply; a marked plain diff in a pipe.


def test_unified_diff_applies_with_patch_and_git_apply(tmp_path: Path) -> None:
    work = tmp_path / "w"
    (work / "seeds").mkdir(parents=True)
    shutil.copy(SEEDS / "000_f35722fa09ccbc01.txt", work / "seeds")
    (work / "seeds" / "short.txt").write_text("Intro.\n" + ARTIFACTS.rstrip("\n"), encoding="utf-8")  # no last \n
    res = cli("fix", "--no-embeddings", "--diff=unified", "seeds/", cwd=work)
    assert res.returncode == 1, res.stderr
    patch_file = tmp_path / "d.patch"
    patch_file.write_text(res.stdout, encoding="utf-8")
    assert "\\ No newline at end of file" in res.stdout
    expected = tmp_path / "expected"
    assert cli("fix", "--no-embeddings", "--output-dir", str(expected), "seeds/", cwd=work).returncode == 1

    diff = patch_file.read_bytes()
    for tool in (["git", "apply", "--check", str(patch_file)], ["patch", "-p1", "--dry-run"], ["patch", "-p1"]):
        if shutil.which(tool[0]) is None:
            pytest.skip(f"{tool[0]} not installed")
        done = subprocess.run(tool, cwd=work, input=diff, capture_output=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
    for name in ("000_f35722fa09ccbc01.txt", "short.txt"):
        assert (work / "seeds" / name).read_bytes() == (expected / name).read_bytes()


def test_diff_in_a_pipe_is_marked_plain_text(tmp_path: Path) -> None:
    p = tmp_path / "a.txt"
    p.write_text("Intro.\n" + ARTIFACTS, encoding="utf-8")
    res = cli("fix", *QUICK, "--diff", str(p))
    assert res.returncode == 1
    assert res.stdout == (
        f"{p}:2: Shortly after Trump’s re[- -]-election, the [-Prime Minister-]{{+Premier+}} of Alberta spoke.\n"
    )
    assert p.read_text(encoding="utf-8") == "Intro.\n" + ARTIFACTS


# 8. --rules adds to the built-in rules; --no-builtin-rules drops them.


HOUSE_RULE = """\
- code: RT990
  name: house.colour
  type: pattern
  pattern: ["\\\\bcolor\\\\b"]
  replace: "colour"
  message: House style is Canadian spelling.
  severity: error
  category: fluency/spelling
  fix: safe
  confidence: 0.9
  examples:
    bad:
      - text: "The [[color]] of money."
        fixed: "The colour of money."
    good:
      - "The colour of money."
"""


def test_rules_folder_adds_to_the_built_in_rules(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    house = tmp_path / "house"
    house.mkdir()
    (house / "house.yaml").write_text(HOUSE_RULE, encoding="utf-8")
    p = tmp_path / "a.txt"
    p.write_text("The color of the Prime Minister of Alberta's tie.\n", encoding="utf-8")

    def rules(*extra: str) -> set[str]:
        code, out, err = run(["check", *QUICK, "--format", "json", "--rules", str(house), *extra, str(p)], capsys)
        assert code == 1, err
        return {f["rule"] for f in json.loads(out)["files"][0]["findings"]}

    assert {"RT990", "RT201"} <= rules()
    assert rules("--no-builtin-rules") == {"RT990"}
    code, _, err = run(["check", *QUICK, "--no-builtin-rules", str(p)], capsys)
    assert code == 2 and "--no-builtin-rules needs at least one --rules DIR" in err
    # The same folder named twice (and the built-in folder itself) is loaded once.
    code, _, err = run(["check", *QUICK, "--rules", str(ROOT / "rules"), "--rules", str(house), str(p)], capsys)
    assert code == 1, err
    assert main(["rules", "--rules", str(house), "RT201"]) == 0 and main(["rules", "--rules", str(house), "RT990"]) == 0


# 9. What users of ruff, Vale and codespell expect.


def test_stdin_check_and_fix() -> None:
    res = cli("check", *QUICK, "-", stdin=ARTIFACTS)
    assert res.returncode == 1 and "-:1:41: RT201" in res.stdout
    res = cli("fix", *QUICK, "-", stdin=ARTIFACTS)
    assert res.returncode == 1 and res.stdout == FIXED
    res = cli("fix", *QUICK, "-", stdin=FIXED)
    assert res.returncode == 0 and res.stdout == FIXED


def test_quiet_prints_findings_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(ARTIFACTS, encoding="utf-8")
    b.write_text("Fine.\n", encoding="utf-8")
    code, out, err = run(["check", *QUICK, "-q", str(a), str(b)], capsys)
    assert code == 1 and err == ""
    assert out.splitlines() == [line for line in out.splitlines() if line.startswith(str(a))] and "RT201" in out
    code, out, err = run(["fix", *QUICK, "--quiet", str(a)], capsys)
    assert code == 1 and out == "" and err == ""
    assert a.read_text(encoding="utf-8") == FIXED


def test_exit_codes_are_in_help() -> None:
    for args in (["--help"], ["check", "--help"], ["fix", "--help"]):
        res = cli(*args)
        assert res.returncode == 0
        assert "exit codes:" in res.stdout and "  2  usage, configuration or input errors" in res.stdout


def test_symlink_loop_is_reported_as_a_loop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    code, _, err = run(["check", *QUICK, str(tmp_path / "a"), str(tmp_path / "dangling")], capsys)
    assert code == 2
    assert f"{tmp_path / 'a'}: symlink loop" in err
    assert f"{tmp_path / 'dangling'}: broken symlink to {tmp_path / 'nowhere'}" in err


def test_index_links_are_url_encoded() -> None:
    from collections import Counter

    page = render_index([PageSummary("a#b?c.txt", "a#b?c.html", Counter(), Counter(), 0)])
    assert 'href="a%23b%3Fc.html"' in page


def test_report_on_a_file_named_with_url_characters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "a#b?c.txt"
    p.write_text(ARTIFACTS, encoding="utf-8")
    out_dir = tmp_path / "out"
    code, _, err = run(["report", *QUICK, "--output-dir", str(out_dir), str(p)], capsys)
    assert code == 0, err
    assert (out_dir / "a#b?c.html").is_file()
    assert 'href="a%23b%3Fc.html"' in (out_dir / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "call",
    [
        lambda: check_text(b"The Prime Minister of Alberta", Options(grammar="none")),  # type: ignore[arg-type]
        lambda: fix_text(b"text"),  # type: ignore[arg-type]
        lambda: check_text("text", "harper"),  # type: ignore[arg-type]
        lambda: Options(grammar="bogus"),
        lambda: Options(embeddings="yes"),  # type: ignore[arg-type]
        lambda: Options(embedding_backend="gpu"),
        lambda: Options(rule_dirs="rules"),  # type: ignore[arg-type]
        lambda: Options(min_confidence="high"),  # type: ignore[arg-type]
    ],
)
def test_library_rejects_wrong_types(call: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        call()  # type: ignore[operator]
