"""A local pool of worker processes that survives its workers crashing.

Each worker is a separate process (started with ``spawn``: no state inherited from the
parent) that runs one task at a time, so the parent always knows which task a worker
held when it died. A worker that dies (killed, crashed in native code, stopped by the
system's out-of-memory killer) or grows past ``max_memory_mb`` is replaced, and its task
comes back as a failure with the reason; the other tasks go on.

``concurrent.futures.ProcessPoolExecutor`` and ``multiprocessing.Pool`` cannot do this:
the first breaks every pending task when one worker dies, the second hangs.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

#: How often worker memory is checked (s).
MEMORY_CHECK_S = 0.5


@dataclass(eq=False)
class _Worker:
    process: Any  # multiprocessing.Process
    conn: Connection
    task: Any = None
    started_s: float = 0.0


def _serve(
    conn: Connection,
    fn: Callable[[Any], Any],
    setup: Callable[[], None] | None,
    teardown: Callable[[], None] | None,
) -> None:
    """A worker's loop: run ``fn`` on each task received, send its result back; stop on
    ``None`` or when the parent is gone (then ``teardown()``: multiprocessing's children
    skip ``atexit``)."""
    try:
        _loop(conn, fn, setup)
    finally:
        if teardown is not None:
            teardown()


def _loop(conn: Connection, fn: Callable[[Any], Any], setup: Callable[[], None] | None) -> None:
    # Ctrl-C in the terminal goes to the whole process group: the parent decides.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if setup is not None:
        setup()
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return  # the parent died
        if task is None:
            return
        try:
            conn.send(("ok", fn(task)))
        except Exception as exc:  # noqa: BLE001 - reported to the parent as the task's failure
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


def rss_mb(pid: int) -> float | None:
    """Resident memory of process ``pid`` in MB (Linux /proc; None elsewhere or if gone)."""
    try:
        with open(f"/proc/{pid}/statm") as fh:
            pages = int(fh.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def _death_reason(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        sig = -exitcode
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        hint = " (out of memory, or killed)" if sig == signal.SIGKILL else ""
        return f"the worker process died of signal {name}{hint} while analysing it"
    return f"the worker process exited with code {exitcode} while analysing it"


class LocalPool:
    """``workers`` processes running ``fn(task)``; see the module docstring.

    ``setup()`` runs once in each worker before its first task (thread limits; the model
    is loaded by ``fn`` on first use and kept), ``teardown()`` when it stops. ``on_failure(task, reason)`` makes the
    result reported for a task whose worker died or raised.
    """

    def __init__(
        self,
        fn: Callable[[Any], Any],
        *,
        workers: int,
        setup: Callable[[], None] | None = None,
        teardown: Callable[[], None] | None = None,
        on_failure: Callable[[Any, str], Any],
        max_memory_mb: float | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be 1 or more, got {workers}")
        self.fn, self.setup, self.teardown, self.on_failure = fn, setup, teardown, on_failure
        self.n_workers = workers
        self.max_memory_mb = max_memory_mb
        self._ctx = mp.get_context("spawn")
        self._workers: list[_Worker] = []

    def _start(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(
            target=_serve,
            args=(child, self.fn, self.setup, self.teardown),
            daemon=True,
            name="rom-worker",
        )
        proc.start()
        child.close()
        worker = _Worker(proc, parent)
        self._workers.append(worker)
        return worker

    def _retire(self, worker: _Worker, *, kill: bool = False) -> None:
        if kill and worker.process.is_alive():
            worker.process.kill()
        worker.process.join(timeout=5)
        worker.conn.close()
        self._workers.remove(worker)

    def map_unordered(self, tasks: Iterable[Any]) -> Iterator[Any]:
        """Results of every task, each as soon as it is ready (completion order)."""
        pending = deque(tasks)
        try:
            while pending or self._busy():
                while len(self._workers) < min(self.n_workers, len(pending) + self._busy()):
                    self._start()
                for worker in self._workers:
                    if worker.task is None and pending:
                        worker.task, worker.started_s = pending.popleft(), time.monotonic()
                        try:
                            worker.conn.send(worker.task)
                        except (BrokenPipeError, OSError):
                            pass  # it died: noticed through its sentinel
                yield from self._collect()
        finally:
            self.close()

    def _busy(self) -> int:
        return sum(w.task is not None for w in self._workers)

    def _collect(self) -> Iterator[Any]:
        busy = [w for w in self._workers if w.task is not None]
        if not busy:
            return
        by_conn = {w.conn: w for w in busy}
        by_sentinel = {w.process.sentinel: w for w in busy}
        ready = wait([*by_conn, *by_sentinel], timeout=MEMORY_CHECK_S)
        done: set[int] = set()
        for obj in ready:
            worker = by_conn.get(obj)  # type: ignore[call-overload]
            if worker is not None and id(worker) not in done:
                try:
                    kind, value = worker.conn.recv()
                except (EOFError, OSError):
                    continue  # died mid-send: its sentinel reports it
                task, worker.task = worker.task, None
                done.add(id(worker))
                yield value if kind == "ok" else self.on_failure(task, value)
        for obj in ready:
            worker = by_sentinel.get(obj)
            if worker is not None and id(worker) not in done and worker in self._workers:
                task = worker.task
                worker.process.join(timeout=5)
                reason = _death_reason(worker.process.exitcode)
                self._retire(worker)
                yield self.on_failure(task, reason)
        if self.max_memory_mb is not None:
            for worker in [w for w in self._workers if w.task is not None]:
                used = rss_mb(worker.process.pid)
                if used is not None and used > self.max_memory_mb:
                    task = worker.task
                    self._retire(worker, kill=True)
                    yield self.on_failure(
                        task,
                        f"the worker ran out of memory analysing it (used {used:.0f} MB, "
                        f"limit {self.max_memory_mb:.0f} MB per worker); give fewer --workers "
                        "or a larger --max-memory-mb",
                    )

    def close(self) -> None:
        """Stop every worker (those still busy are killed)."""
        for worker in list(self._workers):
            if worker.task is None:
                try:
                    worker.conn.send(None)
                except (BrokenPipeError, OSError):
                    pass
        deadline = time.monotonic() + 5
        for worker in list(self._workers):
            worker.process.join(timeout=max(deadline - time.monotonic(), 0.1))
            self._retire(worker, kill=True)
