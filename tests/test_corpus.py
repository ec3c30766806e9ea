"""Corpora (JSON Lines, Parquet), their output partitions, and the document MT score
(issue 18). The Dask runs are in test_corpus_dask.py."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from retrans.app import corpus
from retrans.app.cli import main
from retrans.core.finding import Finding, Severity
from retrans.detect.mt_score import MIN_WORDS, mt_score

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

DATA = Path(__file__).resolve().parent / "data"
FAST = ["--grammar", "none", "--no-embeddings"]
# Sentences of our own with artifacts the rules know (not evaluation text).
MT_LINES = [
    "The Prime Minister of Alberta spoke. Shortly after the re -election, she left.",
    "The Prime Minister of Ontario answered the opposition in the afternoon.",
]


def documents(n: int, seed: int = 0) -> list[dict[str, object]]:
    """n documents of clean-news paragraphs, every third with MT artifacts added."""
    paras = [p for p in (DATA / "clean_news.txt").read_text(encoding="utf-8").splitlines() if len(p.split()) > 8]
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        body = rng.sample(paras, k=min(3, len(paras)))
        if i % 3 == 0:
            body.append(MT_LINES[i % len(MT_LINES)])
        docs.append({"id": f"doc-{i}", "lang": "en", "text": "\n\n".join(body) + "\n"})
    return docs


def write_jsonl(path: Path, docs: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def finding(rule: str, confidence: float = 1.0) -> Finding:
    return Finding(rule, "x", 0, 1, "m", Severity.WARNING, "c", confidence=confidence)


def test_mt_score_grows_with_evidence_and_weighs_sources() -> None:
    assert mt_score([], 500) == 0.0
    one, two = mt_score([finding("RT201")], 500), mt_score([finding("RT201")] * 2, 500)
    assert 0 < one < two < 1
    # The same findings in a longer document are less dense.
    assert mt_score([finding("RT201")], 2000) < one
    # Very short documents count as MIN_WORDS long.
    assert mt_score([finding("RT201")], 10) == mt_score([finding("RT201")], MIN_WORDS)
    # Rules weigh more than grammar, grammar more than the embedding outlier; RT000 not at all.
    assert one > mt_score([finding("HARPER/Typo")], 500) > mt_score([finding("RT901")], 500) > 0
    assert mt_score([finding("RT000")], 500) == 0.0
    assert mt_score([finding("RT201") for _ in range(200)], 300) <= 1.0


def test_jsonl_corpus_check_writes_findings_partition_and_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = documents(7)
    src = write_jsonl(tmp_path / "part-0.jsonl", docs)
    assert main(["check", *FAST, "--format", "json", str(src)]) == 1
    out = json.loads(capsys.readouterr().out)["files"]
    assert [f["path"] for f in out] == [f"{src}#doc-{i}" for i in range(7)]
    rows = read_jsonl(tmp_path / "part-0.findings.jsonl")
    assert [r["id"] for r in rows] == [d["id"] for d in docs]
    for i, (row, entry) in enumerate(zip(rows, out, strict=True)):
        assert row["mt_score"] == entry["mt_score"]
        assert row["findings"] == entry["findings"]
        assert (row["mt_score"] > 0) == (i % 3 == 0), row  # clean paragraphs score 0
        assert row["error"] is None
    # A folder of partitions skips the outputs of earlier runs.
    assert corpus.partitions(tmp_path) == [src]


def test_fix_parquet_corpus_repairs_text_beside_the_input(tmp_path: Path) -> None:
    docs = documents(5)
    src = tmp_path / "p.parquet"
    pq.write_table(pa.Table.from_pylist([{**d, "id": i * 10} for i, d in enumerate(docs)]), src)
    assert main(["fix", *FAST, str(src)]) == 1
    table = pq.read_table(tmp_path / "p.fixed.parquet")
    assert table.schema.field("id").type == pa.int64()  # the input's id type
    rows = table.to_pylist()
    assert [r["id"] for r in rows] == [0, 10, 20, 30, 40]
    assert "The Premier of Alberta spoke. Shortly after the re-election, she left." in rows[0]["text"]
    assert rows[0]["changed"] and {f["rule"] for f in rows[0]["fixes"]} >= {"RT201", "RT101"}
    assert not rows[1]["changed"] and rows[1]["text"] == docs[1]["text"] and rows[1]["fixes"] == []
    assert pq.read_table(src).to_pylist()[0]["text"] == docs[0]["text"]  # the input is untouched


def test_min_mt_score_selects_documents_everywhere(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_jsonl(tmp_path / "c.jsonl", documents(6))
    out = tmp_path / "out"
    assert main(["check", *FAST, "--format", "json", "--min-mt-score", "0.3", "--output-dir", str(out), str(src)]) == 1
    reported = json.loads(capsys.readouterr().out)["files"]
    assert [f["path"].split("#")[1] for f in reported] == ["doc-0", "doc-3"]
    assert all(f["mt_score"] >= 0.3 for f in reported)
    assert [r["id"] for r in read_jsonl(out / "c.jsonl")] == ["doc-0", "doc-3"]
    assert main(["check", *FAST, "--min-mt-score", "1.5", str(src)]) == 2
    # On files too: a file below the threshold is neither reported nor fixed.
    low, high = tmp_path / "low.txt", tmp_path / "high.txt"
    low.write_text("The minister met the mayor on Tuesday.\n", encoding="utf-8")
    high.write_text(MT_LINES[0] + "\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["fix", *FAST, "--min-mt-score", "0.5", str(low), str(high)]) == 1
    assert "Premier of Alberta" in high.read_text(encoding="utf-8")


def test_mt_score_is_in_every_output_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "a.txt"
    f.write_text(MT_LINES[0] + "\n", encoding="utf-8")
    assert main(["check", *FAST, "--format", "json", str(f)]) == 1
    score = json.loads(capsys.readouterr().out)["files"][0]["mt_score"]
    assert 0 < score <= 1
    assert main(["check", *FAST, str(f)]) == 1
    assert f"{f}: MT score {score:.2f}" in capsys.readouterr().out
    assert main(["check", *FAST, "--format", "sarif", str(f)]) == 1
    results = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    assert {r["properties"]["documentMtScore"] for r in results} == {score}
    assert main(["check", *FAST, "--format", "github", str(f)]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == f"::notice file={f},title=MT score::MT score {score:.2f}"


def test_bad_rows_are_errors_the_others_go_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "c.jsonl"
    good = json.dumps(documents(1)[0])
    src.write_text(f'{good}\nnot json\n{{"id": "x", "body": "t"}}\n\n{good}\n', encoding="utf-8")
    assert main(["check", *FAST, "--format", "json", str(src)]) == 2
    err = capsys.readouterr().err
    assert f"{src}:2: not a JSON object" in err and f"{src}:3: no string field 'text'" in err
    rows = read_jsonl(tmp_path / "c.findings.jsonl")
    assert [r["id"] for r in rows] == ["doc-0", 1, "x", "doc-0"]
    assert rows[1]["error"] and rows[2]["error"] and rows[0]["error"] is None
    pq.write_table(pa.Table.from_pylist([{"body": "x"}]), tmp_path / "p.parquet")
    assert main(["check", *FAST, str(tmp_path / "p.parquet")]) == 2
    assert "no column 'text'" in capsys.readouterr().err


def test_text_and_id_fields_and_empty_partition(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_jsonl(tmp_path / "c.jsonl", [{"uid": 7, "body": MT_LINES[1]}])
    (tmp_path / "empty.jsonl").write_text("", encoding="utf-8")
    out = tmp_path / "out"
    argv = ["check", *FAST, "--text-field", "body", "--id-field", "uid", "--output-dir", str(out), str(tmp_path)]
    assert main(argv) == 1
    assert read_jsonl(out / "c.jsonl")[0]["uid"] == 7
    assert (out / "empty.jsonl").read_text(encoding="utf-8") == ""
    assert src.exists()


def test_reading_is_batched_never_the_whole_partition(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "c.jsonl", documents(70))
    jobs = corpus.batches("check", src, src, text_field="text", id_field="id", size=32)
    first = next(jobs)
    assert first.size == 32 and not first.last  # produced before the rest is read
    rest = list(jobs)
    assert [j.size for j in rest] == [32, 6] and rest[-1].last
    assert corpus.count_rows(src) == 70
    pq.write_table(pa.Table.from_pylist(documents(70)), tmp_path / "p.parquet", row_group_size=16)
    rows = corpus.read_rows(tmp_path / "p.parquet", "text", "id", batch=16)
    assert next(rows).key == "doc-0"
