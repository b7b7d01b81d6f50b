"""Analyses that outlive a page: queued, run one at a time in a child process, watched.

The dashboard submits an :class:`AnalysisRequest` to the app's one :class:`JobManager`
(held by Streamlit's resource cache, so it is shared by every page and browser tab and
survives reruns). A dispatcher thread runs the jobs one after the other (a 2-core
machine has no room for two MediaPipe runs), each in a fresh Python process
(``python -m rom.app.worker``): the web server stays responsive whatever the analysis
does, a crash in native code cannot take the app down, and a job can be cancelled. The
child analyses the video and stores the result, so the result lands in the database
whether or not anyone is still looking at the page that asked for it. The request goes
to the child as JSON on its standard input; the child reports as JSON lines on its
standard output (see :mod:`rom.app.worker`).

Nothing here imports Streamlit.
"""

from __future__ import annotations

import itertools
import json
import logging
import queue
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: Job states, in order.
STATES = ("queued", "running", "done", "failed", "cancelled")
#: Seconds a worker that has reported its result may take to exit before it is stopped.
EXIT_WAIT_S = 30.0


@dataclass(frozen=True)
class AnalysisRequest:
    """One video to analyse and store (plain values: it is pickled to the child process).

    ``display_name`` is the user's file name, shown and stored as data, never used as a
    path. ``person_point_px`` is a pixel (x, y) inside the client in the first frame
    (``--person X,Y``), or None for the largest, most central person.
    """

    video: Path
    display_name: str
    client: str
    session: str
    protocol: str | None
    out_dir: Path
    source_kind: str = "upload"  # "upload" or "camera"
    person_point_px: tuple[float, float] | None = None
    model_variant: str = "full"
    overlay: bool = True

    def to_json(self) -> str:
        d = asdict(self)
        d["video"], d["out_dir"] = str(self.video), str(self.out_dir)
        return json.dumps(d)

    @classmethod
    def from_json(cls, text: str) -> AnalysisRequest:
        d = json.loads(text)
        d["video"], d["out_dir"] = Path(d["video"]), Path(d["out_dir"])
        if d.get("person_point_px") is not None:
            d["person_point_px"] = tuple(float(v) for v in d["person_point_px"])
        return cls(**d)


@dataclass(frozen=True)
class Job:
    """A submitted analysis and where it stands. ``stage`` is the pipeline's stage
    (``tracking``, ``overlay``, ``storing``); ``done``/``total`` count its frames."""

    id: int
    request: AnalysisRequest
    state: str = "queued"
    stage: str = ""
    done: int = 0
    total: int | None = None
    message: str = ""
    warnings: tuple[str, ...] = ()
    recording_id: Any = None
    submitted_s: float = field(default_factory=time.time)
    finished_s: float | None = None

    @property
    def active(self) -> bool:
        return self.state in ("queued", "running")

    @property
    def fraction(self) -> float | None:
        """Progress of the current stage in [0, 1], or None when unknown."""
        if self.state == "done":
            return 1.0
        if not self.total:
            return None
        return min(self.done / self.total, 1.0)

    def describe(self) -> str:
        """One line for the page: what, and where it stands."""
        what = f"{self.request.display_name} ({self.request.client} / {self.request.session})"
        if self.state == "queued":
            return f"{what}: waiting for the analysis before it"
        if self.state == "running":
            if self.stage == "storing":
                return f"{what}: storing the result"
            if self.total:
                return f"{what}: {self.stage} frame {self.done} of {self.total}"
            return f"{what}: {self.stage or 'starting'}"
        if self.state == "done":
            return f"{what}: done"
        return f"{what}: {self.state}: {self.message}"


class JobManager:
    """Runs analysis jobs one at a time in child processes; thread-safe.

    Parameters
    ----------
    worker : list of str
        The child's command line (default: this Python running :mod:`rom.app.worker`).
        It reads one :class:`AnalysisRequest` as JSON on standard input and writes JSON
        lines: ``["progress", stage, done, total]``, then ``["done", recording_id,
        warnings]`` or ``["failed", message]``.
    """

    def __init__(self, worker: list[str] | None = None) -> None:
        self._worker = worker or [sys.executable, "-m", "rom.app.worker"]
        self._lock = threading.Lock()
        self._jobs: dict[int, Job] = {}
        self._ids = itertools.count(1)
        self._pending: queue.Queue[int] = queue.Queue()
        self._current: tuple[int, subprocess.Popen[str]] | None = None
        self._cancelled: set[int] = set()
        self._dispatcher: threading.Thread | None = None

    # -- the page's side -----------------------------------------------------------------
    def submit(self, request: AnalysisRequest) -> Job:
        """Queue ``request``; returns its job (state ``queued``)."""
        with self._lock:
            job = Job(next(self._ids), request)
            self._jobs[job.id] = job
            if self._dispatcher is None or not self._dispatcher.is_alive():
                self._dispatcher = threading.Thread(
                    target=self._dispatch, name="rom-app-jobs", daemon=True
                )
                self._dispatcher.start()
        self._pending.put(job.id)
        return job

    def get(self, job_id: int) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def jobs(self) -> list[Job]:
        """Every job, newest first."""
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: j.id, reverse=True)

    def active(self) -> list[Job]:
        return [j for j in self.jobs() if j.active]

    def cancel(self, job_id: int) -> None:
        """Cancel a queued job, or stop a running one (nothing is stored then)."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or not job.active:
                return
            self._cancelled.add(job_id)
            current = self._current
        if current is not None and current[0] == job_id:
            current[1].terminate()
        else:
            self._update(job_id, state="cancelled", message="cancelled", finished_s=time.time())

    def wait(self, job_id: int, timeout_s: float) -> Job:
        """Block until the job is finished (tests and scripts); raises TimeoutError."""
        end = time.monotonic() + timeout_s
        while True:
            job = self.get(job_id)
            if job is None:
                raise KeyError(job_id)
            if not job.active:
                return job
            if time.monotonic() > end:
                raise TimeoutError(f"job {job_id} still {job.state} after {timeout_s:.0f} s")
            time.sleep(0.1)

    # -- the dispatcher thread -----------------------------------------------------------
    def _update(self, job_id: int, **changes: Any) -> None:
        with self._lock:
            self._jobs[job_id] = replace(self._jobs[job_id], **changes)

    def _dispatch(self) -> None:
        while True:
            job_id = self._pending.get()
            with self._lock:
                skip = job_id in self._cancelled
            if skip:
                continue
            try:
                self._run(job_id)
            except Exception as exc:
                log.exception("job %s", job_id)
                self._update(
                    job_id,
                    state="failed",
                    message=f"internal error: {type(exc).__name__}: {exc}",
                    finished_s=time.time(),
                )

    def _run(self, job_id: int) -> None:
        job = self.get(job_id)
        assert job is not None
        self._update(job_id, state="running", stage="starting")
        final: list[Any] | None = None
        with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as errors:
            proc = subprocess.Popen(
                self._worker,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
                encoding="utf-8",
            )
            with self._lock:
                self._current = (job_id, proc)
            try:
                assert proc.stdin is not None and proc.stdout is not None
                proc.stdin.write(job.request.to_json())
                proc.stdin.close()
                for line in proc.stdout:
                    try:
                        msg = json.loads(line)
                    except json.JSONDecodeError:
                        continue  # a library printing to stdout: not ours
                    if not isinstance(msg, list) or not msg:
                        continue
                    if msg[0] == "progress":
                        _, stage, done, total = msg
                        self._update(job_id, stage=stage, done=done, total=total)
                    elif msg[0] in ("done", "failed"):
                        final = msg
                        break  # the result is in: the job does not wait on the exit
                if final is not None:
                    self._finish(job_id, final)
                try:
                    proc.wait(timeout=EXIT_WAIT_S)
                except subprocess.TimeoutExpired:
                    # stored already; a worker that hangs while exiting (a library's
                    # threads at shutdown) must not hold the next job back
                    proc.kill()
                    proc.wait()
            finally:
                with self._lock:
                    self._current = None
            errors.seek(0)
            tail = errors.read()[-2000:]
        if final is None:
            self._finish(job_id, None, tail, proc.returncode)

    def _finish(
        self, job_id: int, final: list[Any] | None, tail: str = "", returncode: int | None = None
    ) -> None:
        """Record how a job ended: its final message (``["done", id, warnings]`` or
        ``["failed", message]``), or, without one, the worker's exit code and last words
        on stderr."""
        with self._lock:
            cancelled = job_id in self._cancelled
        now = time.time()
        if cancelled:
            self._update(job_id, state="cancelled", message="cancelled", finished_s=now)
        elif final is not None and final[0] == "done":
            self._update(
                job_id,
                state="done",
                stage="",
                recording_id=final[1],
                warnings=tuple(final[2]),
                finished_s=now,
            )
        elif final is not None:
            self._update(job_id, state="failed", message=str(final[1]), finished_s=now)
        else:
            last = " ".join(tail.strip().splitlines()[-1:])[:300] if tail.strip() else ""
            self._update(
                job_id,
                state="failed",
                message=(
                    f"the analysis stopped unexpectedly (exit code {returncode}"
                    + (f": {last}" if last else "")
                    + "); nothing was stored, try again or run `rom analyze` on the file"
                ),
                finished_s=now,
            )


def job_out_dir(root: Path, stamp: str | None = None) -> Path:
    """A new folder for one analysis' files under ``root`` (never reused)."""
    stamp = stamp or time.strftime("%Y%m%d-%H%M%S")
    for i in itertools.count():
        path = root / (stamp if i == 0 else f"{stamp}-{i}")
        try:
            path.mkdir(parents=True)
            return path
        except FileExistsError:
            continue
    raise AssertionError("unreachable")
