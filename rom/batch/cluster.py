"""Running a batch's clips on a ``dask.distributed`` cluster (the optional extra
``rom[distributed]``): the same :func:`rom.batch.worker.analyze_clip` as the local pool.

Each Dask worker thread keeps its own loaded landmarkers, so a worker started with
``--nthreads 1`` (as the README shows) loads the model once. The workers must be able to
read the clips' paths (a shared file system); results come back to this process, which
writes them, so the output folder need not be shared. A clip whose worker dies is retried
by Dask on another worker; after Dask gives up it is a failure with the reason.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from rom.batch.worker import (
    ClipOutcome,
    ClipTask,
    analyze_clip,
    release_all_landmarkers,
    setup_worker,
)
from rom.errors import InputError


def _run(task: ClipTask) -> ClipOutcome:
    setup_worker()
    return analyze_clip(task)


def _release_plugin() -> Any:
    """A Dask worker plugin that closes the worker's landmarkers when it stops, while its
    interpreter is whole (see :func:`rom.batch.worker.release_all_landmarkers`)."""
    from distributed.diagnostics.plugin import WorkerPlugin

    class ReleaseLandmarkers(WorkerPlugin):
        name = "rom-release-landmarkers"

        def teardown(self, worker: Any) -> None:
            # Also called when a later batch registers the plugin again on a running
            # worker (Dask replaces it): the models stay loaded then; only a worker that
            # stops closes them.
            from distributed.worker import WORKER_ANY_RUNNING

            if worker.status not in WORKER_ANY_RUNNING:
                release_all_landmarkers()

    return ReleaseLandmarkers()


def connect(address: str) -> Any:
    """A ``distributed.Client`` for the scheduler at ``address``."""
    try:
        from distributed import Client
    except ImportError:
        raise InputError(
            "--scheduler needs Dask: pip install 'rom[distributed]' (or dask[distributed])"
        ) from None
    try:
        return Client(address, timeout="20s")
    except ValueError as exc:  # not an address at all ("missing port number in address")
        raise InputError(
            f"--scheduler {address} is not a Dask scheduler address ({exc}); give the one "
            "`dask scheduler` prints, e.g. tcp://host:8786"
        ) from None
    except (OSError, TimeoutError) as exc:
        raise InputError(
            f"cannot reach the Dask scheduler at {address} ({exc}); start it with "
            "`dask scheduler` and give its address, e.g. tcp://host:8786"
        ) from None


#: How long a batch waits for a first Dask worker before saying it is waiting, seconds.
WORKER_WAIT_S = 10.0


def no_worker_note(address: str) -> str:
    """What ``rom batch`` says while a scheduler has no worker: the clips wait for one."""
    return (
        f"no Dask worker is connected to the scheduler at {address}: the clips wait until "
        f"one is; start workers with `dask worker {address} --nthreads 1` (Ctrl-C to stop)"
    )


def run_on_cluster(
    client: Any,
    tasks: Iterable[ClipTask],
    failed: Callable[[ClipTask, str], ClipOutcome],
    on_note: Callable[[str], None] | None = None,
) -> Iterator[ClipOutcome]:
    """Outcomes of ``tasks`` run on the cluster of ``client`` (:func:`connect`), as they
    finish. The caller closes the client. A scheduler with no worker after
    :data:`WORKER_WAIT_S` seconds is said to ``on_note`` (:func:`no_worker_note`); the
    clips then wait for a worker (one may be started later). A scheduler lost on the way
    is said to ``on_note`` once, and each clip not finished is a failure saying so
    (:func:`scheduler_lost_reason`)."""
    from distributed import as_completed

    address = client.scheduler.address
    if on_note is not None and not client.scheduler_info().get("workers"):
        try:
            client.wait_for_workers(1, timeout=WORKER_WAIT_S)
        except TimeoutError:
            on_note(no_worker_note(address))
    client.register_plugin(_release_plugin())
    futures = {client.submit(_run, t, pure=False): t for t in tasks}
    lost = False
    for future in as_completed(futures):
        task = futures[future]
        try:
            yield future.result()
        except Exception as exc:  # noqa: BLE001 - KilledWorker, lost worker, ...
            if getattr(exc, "reason", None) == "scheduler-connection-lost":
                if not lost and on_note is not None:
                    on_note(
                        f"lost the Dask scheduler at {address}: the clips not finished are "
                        "listed in errors.csv; start it and its workers again and re-run "
                        "the same command to analyse them"
                    )
                lost = True
                yield failed(task, scheduler_lost_reason(address))
            else:
                text = " ".join(str(exc).split())[:200]
                yield failed(task, f"the Dask worker failed ({type(exc).__name__}: {text})")
        future.release()


def scheduler_lost_reason(address: str) -> str:
    """A clip's failure when the connection to the scheduler was lost before it finished."""
    return (
        f"the Dask scheduler at {address} was lost before this clip finished; start the "
        "scheduler and its workers again and re-run the same command (finished clips are "
        "kept; this one is analysed again)"
    )


@contextlib.contextmanager
def quiet_reconnects() -> Iterator[None]:
    """Keep Dask's client from printing tracebacks on stderr when its scheduler is lost
    (its attempts to reconnect, and their cancelling when the client closes): each clip
    lost with it is a row of errors.csv saying so (:func:`scheduler_lost_reason`). Enter
    it before the client is made and leave it after the client is closed."""
    import distributed  # noqa: F401 - its logging set-up first, or it resets the level

    log = logging.getLogger("distributed.client")
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        log.setLevel(level)
