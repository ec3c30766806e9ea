"""Corpora: JSON Lines and Parquet files with one document per row.

A corpus argument is a `.jsonl` / `.ndjson` / `.parquet` file, or a folder of them
(its partitions). Rows are read in batches (JSON Lines line by line, Parquet with
pyarrow's `iter_batches`), each batch is one unit of work for the runner (local,
`-j N` or Dask), and the client writes each partition's results as they arrive, in
input order, to an output partition of the same format:

- beside the input: `part-0.jsonl` -> `part-0.findings.jsonl` (check) or
  `part-0.fixed.jsonl` (fix);
- or, with `--output-dir OUT`, `OUT/<the partition's path under the argument>`.

A row of the output holds the document's id (`--id-field`; the row number when the
row has none), `mt_score`, `error` (a row without a string `--text-field`, a line
that is not JSON), and the findings (check) or the applied fixes plus the repaired
text under `--text-field` and `changed` (fix). Documents below `--min-mt-score` are
left out. Nothing holds more than a window of batches, so memory stays flat in
corpus size. Output partitions are written to a temporary file and renamed when
complete.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from retrans.core.document import LineIndex
from retrans.core.errors import InputError
from retrans.detect.build import Tooling
from retrans.report.writers import FileReport, finding_dict

from .process import process

SUFFIXES = (".jsonl", ".ndjson", ".parquet")
OUTPUT_MARKS = {"check": ".findings", "fix": ".fixed"}
DEFAULT_BATCH = 32


def is_corpus(path: Path) -> bool:
    return path.suffix in SUFFIXES


def is_output(path: Path) -> bool:
    """A partition this tool wrote (skipped when a folder is searched)."""
    return Path(path.stem).suffix in OUTPUT_MARKS.values()


def partitions(root: Path) -> list[Path]:
    """The corpus partitions in a folder, sorted; outputs of earlier runs excluded."""
    return sorted(f for f in root.rglob("*") if f.is_file() and is_corpus(f) and not is_output(f))


@dataclass(frozen=True)
class Row:
    """One document: its id, and its text or why it has none."""

    key: Any
    text: str | None
    error: str | None = None


def _parquet() -> Any:
    try:
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - the corpus extra is missing
        raise InputError("", "Parquet corpora need the `corpus` extra: pip install 'retrans[corpus]'") from None
    return pq


def read_rows(path: Path, text_field: str, id_field: str, batch: int = 256) -> Iterator[Row]:
    """Every document of a partition, in order, never the whole file in memory."""
    if path.suffix == ".parquet":
        yield from _parquet_rows(path, text_field, id_field, batch)
        return
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None
    with handle:
        n = 0
        for lineno, raw in enumerate(handle, 1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except ValueError as exc:
                yield Row(n, None, f"{path}:{lineno}: not a JSON object ({exc})")
                n += 1
                continue
            if not isinstance(obj, dict):
                yield Row(n, None, f"{path}:{lineno}: not a JSON object")
                n += 1
                continue
            key = obj.get(id_field, n)
            text = obj.get(text_field)
            if isinstance(text, str):
                yield Row(key, text)
            else:
                yield Row(key, None, f"{path}:{lineno}: no string field {text_field!r}")
            n += 1


def _parquet_rows(path: Path, text_field: str, id_field: str, batch: int) -> Iterator[Row]:
    pq = _parquet()
    try:
        pf = pq.ParquetFile(path)
    except (OSError, ValueError) as exc:
        raise InputError(path, f"cannot read Parquet: {exc}") from None
    names = pf.schema_arrow.names
    if text_field not in names:
        raise InputError(path, f"no column {text_field!r} (columns: {', '.join(names)}); see --text-field")
    columns = [text_field] + ([id_field] if id_field in names and id_field != text_field else [])
    n = 0
    for record_batch in pf.iter_batches(batch_size=batch, columns=columns):
        texts = record_batch.column(text_field).to_pylist()
        keys = record_batch.column(id_field).to_pylist() if len(columns) > 1 else range(n, n + len(texts))
        for key, text in zip(keys, texts, strict=True):
            if isinstance(text, str):
                yield Row(key, text)
            else:
                yield Row(key, None, f"{path}: row {n}: no text in column {text_field!r}")
            n += 1


def count_rows(path: Path) -> int:
    """Documents in a partition (for the progress bar), without decoding them."""
    if path.suffix == ".parquet":
        return int(_parquet().ParquetFile(path).metadata.num_rows)
    with path.open("rb") as handle:
        return sum(1 for raw in handle if raw.strip())


@dataclass(frozen=True)
class DocOutcome:
    key: Any
    report: FileReport
    text: str | None = None
    changed: bool = False
    notes: tuple[str, ...] = ()
    selected: bool = True


@dataclass(frozen=True)
class BatchOutcome:
    partition: Path
    root: Path
    last: bool
    docs: tuple[DocOutcome, ...]


@dataclass(frozen=True)
class BatchJob:
    """Some documents of one partition; `last` marks the partition's final batch."""

    command: str  # check | fix
    partition: Path
    root: Path
    rows: tuple[Row, ...]
    last: bool = True
    min_confidence: float = 0.7
    min_mt_score: float | None = None

    @property
    def size(self) -> int:
        return len(self.rows)

    def run(self, tooling: Tooling) -> BatchOutcome:
        return BatchOutcome(self.partition, self.root, self.last, tuple(self._one(r, tooling) for r in self.rows))

    def _one(self, row: Row, tooling: Tooling) -> DocOutcome:
        label = f"{self.partition}#{row.key}"
        if row.text is None:
            return DocOutcome(row.key, FileReport(label, LineIndex(""), error=row.error))
        fix = self.command == "fix"
        res = process(
            row.text,
            tooling,
            fix=fix,
            min_confidence=self.min_confidence,
            label=label,
            min_mt_score=self.min_mt_score,
        )
        index = LineIndex(row.text)
        if res.fix is None:
            report = FileReport(label, index, res.findings if not fix else (), mt_score=res.mt_score)
            return DocOutcome(row.key, report, selected=res.selected)
        report = FileReport(label, index, tuple(res.fix.applied_flat), mt_score=res.mt_score)
        return DocOutcome(row.key, report, res.fix.text, res.fix.changed, res.notes)


def batches(
    command: str,
    partition: Path,
    root: Path,
    *,
    text_field: str,
    id_field: str,
    size: int = DEFAULT_BATCH,
    min_confidence: float = 0.7,
    min_mt_score: float | None = None,
) -> Iterator[BatchJob]:
    """A partition's rows in batches of `size`; always at least one (an empty
    partition gives an empty batch, so it still gets an empty output)."""

    def job(rows: list[Row], last: bool) -> BatchJob:
        return BatchJob(command, partition, root, tuple(rows), last, min_confidence, min_mt_score)

    rows: list[Row] = []
    for row in read_rows(partition, text_field, id_field):
        if len(rows) == size:
            yield job(rows, False)
            rows = []
        rows.append(row)
    yield job(rows, True)


def output_path(command: str, partition: Path, root: Path, output_dir: Path | None) -> Path:
    if output_dir is None:
        return partition.with_name(partition.stem + OUTPUT_MARKS[command] + partition.suffix)
    rel = partition.relative_to(root) if root.is_dir() else Path(partition.name)
    return output_dir / rel


def _finding_type() -> Any:
    import pyarrow as pa

    return pa.struct(
        [
            ("start", pa.int64()),
            ("end", pa.int64()),
            ("line", pa.int64()),
            ("col", pa.int64()),
            ("rule", pa.string()),
            ("name", pa.string()),
            ("severity", pa.string()),
            ("category", pa.string()),
            ("message", pa.string()),
            ("suggestions", pa.list_(pa.string())),
            ("confidence", pa.float64()),
            ("fix", pa.string()),
        ]
    )


class _Sink:
    """One output partition, written to a temporary file and renamed on close."""

    def __init__(self, command: str, partition: Path, target: Path, text_field: str, id_field: str) -> None:
        self.command, self.target = command, target
        self.text_field, self.id_field = text_field, id_field
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        self.tmp = Path(tmp)
        self.parquet = target.suffix == ".parquet"
        self.handle: IO[bytes] = os.fdopen(fd, "wb")
        self.writer: Any = None
        if self.parquet:
            import pyarrow as pa

            in_schema = _parquet().read_schema(partition)
            id_type = in_schema.field(id_field).type if id_field in in_schema.names else pa.int64()
            fields = [(id_field, id_type), ("mt_score", pa.float64()), ("error", pa.string())]
            if command == "fix":
                fields += [("changed", pa.bool_()), (text_field, pa.string()), ("fixes", pa.list_(_finding_type()))]
            else:
                fields += [("findings", pa.list_(_finding_type()))]
            self.schema = pa.schema(fields)
            self.writer = _parquet().ParquetWriter(self.handle, self.schema)

    def row(self, d: DocOutcome) -> dict[str, Any]:
        r = d.report
        out: dict[str, Any] = {self.id_field: d.key, "mt_score": r.mt_score, "error": r.error}
        found = [finding_dict(f, r.index) for f in r.findings]
        if self.command == "fix":
            out.update({"changed": d.changed, self.text_field: d.text, "fixes": found})
        else:
            out["findings"] = found
        return out

    def add(self, docs: tuple[DocOutcome, ...]) -> None:
        rows = [self.row(d) for d in docs if d.selected]
        if self.writer is not None:
            import pyarrow as pa

            if rows:
                self.writer.write_table(pa.Table.from_pylist(rows, schema=self.schema))
        else:
            for row in rows:
                self.handle.write((json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8"))

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()
        os.replace(self.tmp, self.target)

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            if self.writer is not None:
                self.writer.close()
            self.handle.close()
        with contextlib.suppress(FileNotFoundError):
            self.tmp.unlink()


class CorpusOutput:
    """Writes batch outcomes into their output partitions as they arrive."""

    def __init__(self, command: str, output_dir: Path | None, text_field: str, id_field: str) -> None:
        self.command, self.output_dir = command, output_dir
        self.text_field, self.id_field = text_field, id_field
        self.open: dict[Path, _Sink] = {}
        self.written: list[Path] = []

    def add(self, o: BatchOutcome) -> None:
        sink = self.open.get(o.partition)
        if sink is None:
            target = output_path(self.command, o.partition, o.root, self.output_dir)
            sink = self.open[o.partition] = _Sink(self.command, o.partition, target, self.text_field, self.id_field)
        sink.add(o.docs)
        if o.last:
            self.open.pop(o.partition).close()
            self.written.append(sink.target)

    def abort(self) -> None:
        for sink in self.open.values():
            sink.abort()
        self.open.clear()
