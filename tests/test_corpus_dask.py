"""`--scheduler`: the per-file process on a real Dask LocalCluster of 2 workers
(issue 18). Results equal the local run's byte for byte; a worker killed with
SIGKILL mid-run loses no document and duplicates none. Small corpora with
`--grammar none --no-embeddings` keep these fast on a 2-core machine."""

from __future__ import annotations

import json
import logging
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from retrans.app import corpus
from retrans.app.cli import main
from retrans.core.options import Options

from .test_corpus import FAST, MT_LINES, documents, read_jsonl, write_jsonl

distributed = pytest.importorskip("distributed")
from retrans.app.distributed import DaskRunner, parse_scheduler  # noqa: E402


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=logging.ERROR
    ) as c:
        yield c.scheduler_address


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().out


def test_jsonl_corpus_on_two_workers_equals_local_run(
    cluster: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write_jsonl(tmp_path / "c.jsonl", documents(24))
    argv = ["check", *FAST, "--format", "json", "--batch-size", "2", str(src)]
    local = run([*argv, "--output-dir", str(tmp_path / "local")], capsys)
    dask = run([*argv, "--output-dir", str(tmp_path / "dask"), "--scheduler", cluster], capsys)
    assert local[0] == dask[0] == 1
    assert dask[1] == local[1] and '"mt_score"' in local[1]
    assert (tmp_path / "dask" / "c.jsonl").read_bytes() == (tmp_path / "local" / "c.jsonl").read_bytes()
    # fix: the repaired texts too
    argv = ["fix", *FAST, "--batch-size", "3", str(src)]
    assert main([*argv, "--output-dir", str(tmp_path / "lf")]) == 1
    assert main([*argv, "--output-dir", str(tmp_path / "df"), "--scheduler", cluster]) == 1
    assert (tmp_path / "df" / "c.jsonl").read_bytes() == (tmp_path / "lf" / "c.jsonl").read_bytes()
    assert any(r["changed"] for r in read_jsonl(tmp_path / "df" / "c.jsonl"))


def test_folder_on_two_workers_equals_local_run(
    cluster: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    for i, d in enumerate(documents(9)):
        (folder / ("sub" if i % 2 else "") / f"a{i}.txt").write_text(str(d["text"]), encoding="utf-8")
    for fmt in ("json", "sarif", "github", "human"):
        local = run(["check", *FAST, "--format", fmt, str(folder)], capsys)
        dask = run(["check", *FAST, "--format", fmt, "--scheduler", cluster, str(folder)], capsys)
        assert dask == local and local[0] == 1, fmt
    assert main(["fix", *FAST, "--output-dir", str(tmp_path / "lf"), str(folder)]) == 1
    assert main(["fix", *FAST, "--output-dir", str(tmp_path / "df"), "--scheduler", cluster, str(folder)]) == 1
    local_files = sorted(p.relative_to(tmp_path / "lf") for p in (tmp_path / "lf").rglob("*.txt"))
    assert local_files == sorted(p.relative_to(tmp_path / "df") for p in (tmp_path / "df").rglob("*.txt"))
    assert len(local_files) == 9
    for rel in local_files:
        assert (tmp_path / "df" / rel).read_bytes() == (tmp_path / "lf" / rel).read_bytes()
    assert MT_LINES[0] not in (tmp_path / "df" / "a0.txt").read_text(encoding="utf-8")


def test_killed_worker_loses_no_document(tmp_path: Path) -> None:
    """A cluster of its own (a worker gets killed): SIGKILL one of the two workers
    after the first results arrive; every document's result is written exactly once,
    equal to the local run's."""
    docs = documents(40)
    src = write_jsonl(tmp_path / "c.jsonl", docs)
    options = Options(grammar="none", embeddings=False)

    def work() -> Iterator[corpus.BatchJob]:
        return corpus.batches("check", src, src, text_field="text", id_field="id", size=1)

    def write(results: Iterator[object], out: Path) -> None:
        sink = corpus.CorpusOutput("check", out, "text", "id")
        for o in results:
            assert isinstance(o, corpus.BatchOutcome)
            sink.add(o)

    from retrans.app.runner import Runner

    write(Runner(options).run(work()), tmp_path / "local")

    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=logging.CRITICAL
    ) as c:
        dask = DaskRunner(options, c.scheduler_address, window=8)
        pids = dask.client.run(os.getpid)
        assert len(pids) == 2
        killed: list[int] = []
        completed = 0

        def done(_: object) -> None:
            nonlocal completed
            completed += 1
            if completed == 3 and not killed:
                # The busiest worker: it holds tasks of this run that must be rerun.
                processing = dask.client.processing()
                addr = max(pids, key=lambda a: len(processing.get(a, ())))
                assert processing.get(addr), processing
                os.kill(pids[addr], signal.SIGKILL)
                killed.append(pids[addr])

        try:
            t0 = time.monotonic()
            write(dask.run(work(), done), tmp_path / "dask")
            assert time.monotonic() - t0 < 300
        finally:
            dask.close()
    assert killed and completed == len(docs)
    rows = read_jsonl(tmp_path / "dask" / "c.jsonl")
    ids = [r["id"] for r in rows]
    assert sorted(ids) == sorted(d["id"] for d in docs) and len(set(ids)) == len(docs)
    assert (tmp_path / "dask" / "c.jsonl").read_bytes() == (tmp_path / "local" / "c.jsonl").read_bytes()
    assert json.loads((tmp_path / "dask" / "c.jsonl").read_text().splitlines()[0])["mt_score"] > 0


def test_scheduler_values() -> None:
    assert parse_scheduler("local", 1) == (None, 2)
    assert parse_scheduler("local:3", 1) == (None, 3)
    assert parse_scheduler("tcp://10.0.0.1:8786", 1) == ("tcp://10.0.0.1:8786", 0)
    with pytest.raises(Exception, match="positive number"):
        parse_scheduler("local:x", 1)


def test_unreachable_scheduler_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "a.txt"
    f.write_text(MT_LINES[0], encoding="utf-8")
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        assert main(["check", *FAST, "--scheduler", "tcp://127.0.0.1:9", str(f)]) == 2
    assert "cannot connect" in capsys.readouterr().err


def test_progress_bar_counts_documents_on_a_local_cluster(tmp_path: Path) -> None:
    """The same progress bar as a local batch, advancing by documents as batches complete."""
    import sys

    from .conftest import stderr_on_a_terminal

    src = write_jsonl(tmp_path / "c.jsonl", documents(30))
    code, err = stderr_on_a_terminal(
        [sys.executable, "-m", "retrans", "check", *FAST, "--batch-size", "4", "--scheduler", "local:2", str(src)]
    )
    assert code == 1
    assert "check" in err and "/30" in err  # the bar's label and its documents counter
    assert "retrans summary" in err
