"""Running the per-file process on a Dask cluster (`--scheduler ADDRESS|local[:N]`).

Dask schedules; retrans writes no scheduler of its own. A worker plugin builds the
checkers once per worker process (models load once); each unit of work (a file, or
a batch of corpus documents) is one task running `runner.run_work`, the same
function the local runner calls. At most a window of tasks is in flight, so the
client's memory stays flat; results come back as they complete (the progress bar
advances then) and are handed on in input order, so the writers and the output
partitions are byte for byte those of a local run.

A worker that dies mid-run loses nothing: the scheduler reruns its tasks on the
other workers (up to `distributed.scheduler.allowed-failures` times), and only the
client writes corpus outputs, so every document's result arrives exactly once.
Per-file outputs (`fix --output-dir`, report pages) are written atomically by the
task, so a rerun rewrites the same bytes.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from distributed import Client, LocalCluster, WorkerPlugin, as_completed

from retrans.core.errors import UsageError
from retrans.core.options import Options

from . import runner

PLUGIN_NAME = "retrans-tooling"
_LOCK = threading.Lock()


class ToolingPlugin(WorkerPlugin):
    """Builds the checkers once when a worker starts (or joins later)."""

    name = PLUGIN_NAME

    def __init__(self, options: Options) -> None:
        self.options = options

    def setup(self, worker: Any) -> None:
        runner.init_worker(self.options)


def run_on_worker(work: runner.Work) -> Any:
    """One task. A worker with several threads shares one set of checkers, which
    are not thread-safe, so its threads take turns (run workers with --nthreads 1)."""
    with _LOCK:
        return runner.run_work(work)


def parse_scheduler(value: str, jobs: int) -> tuple[str | None, int]:
    """`local` / `local:N` -> (None, workers); anything else is a scheduler address."""
    if value == "local" or value.startswith("local:"):
        _, _, n = value.partition(":")
        if n and not (n.isdigit() and int(n) > 0):
            raise UsageError(f"--scheduler local:N needs a positive number of workers, not {n!r}")
        return None, int(n) if n else max(jobs, 2)
    return value, 0


class DaskRunner:
    """A client on a scheduler (or on a LocalCluster it starts and stops)."""

    def __init__(self, options: Options, scheduler: str, jobs: int = 1, window: int | None = None) -> None:
        address, workers = parse_scheduler(scheduler, jobs)
        self.cluster: LocalCluster | None = None
        if address is None:
            self.cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                silence_logs=logging.ERROR,
            )
            address = self.cluster.scheduler_address
        try:
            self.client = Client(address, set_as_default=False)
        except OSError as exc:
            raise UsageError(f"--scheduler {scheduler}: cannot connect: {exc}") from None
        self.client.register_plugin(ToolingPlugin(options), name=PLUGIN_NAME)
        threads = sum(self.client.nthreads().values()) or 1
        self.window = window or 4 * threads
        self.run_id = uuid.uuid4().hex[:8]

    def run(self, work: Iterable[runner.Work], done: Callable[[runner.Work], None] | None = None) -> Iterator[Any]:
        """Results in input order; `done` is called in order of completion."""
        source = iter(work)
        units: dict[str, tuple[int, runner.Work]] = {}
        ready: dict[int, Any] = {}
        stream = as_completed(loop=self.client.loop)
        submitted = emitted = 0

        def submit() -> bool:
            nonlocal submitted
            # Bound what is in flight plus what waits for an earlier slow unit.
            if submitted - emitted >= self.window:
                return False
            w = next(source, None)
            if w is None:
                return False
            key = f"retrans-{self.run_id}-{submitted}"
            units[key] = (submitted, w)
            stream.add(self.client.submit(run_on_worker, w, key=key, pure=False))
            submitted += 1
            return True

        while submit():
            pass
        for future in stream:
            index, w = units.pop(future.key)
            ready[index] = future.result()  # a task's exception is raised here
            future.release()
            if done is not None:
                done(w)
            while emitted in ready:
                yield ready.pop(emitted)
                emitted += 1
            while submit():
                pass

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
