"""Running a batch's clips on a ``dask.distributed`` cluster (the optional extra
``rom[distributed]``): the same :func:`rom.batch.worker.analyze_clip` as the local pool.

Each Dask worker thread keeps its own loaded landmarkers, so a worker started with
``--nthreads 1`` (as the README shows) loads the model once. The workers must be able to
read the clips' paths (a shared file system); results come back to this process, which
writes them, so the output folder need not be shared. A clip whose worker dies is retried
by Dask on another worker; after Dask gives up it is a failure with the reason.
"""

from __future__ import annotations

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


def run_on_cluster(
    client: Any,
    tasks: Iterable[ClipTask],
    failed: Callable[[ClipTask, str], ClipOutcome],
) -> Iterator[ClipOutcome]:
    """Outcomes of ``tasks`` run on the cluster of ``client`` (:func:`connect`), as they
    finish. The caller closes the client."""
    from distributed import as_completed

    client.register_plugin(_release_plugin())
    futures = {client.submit(_run, t, pure=False): t for t in tasks}
    for future in as_completed(futures):
        task = futures[future]
        try:
            yield future.result()
        except Exception as exc:  # noqa: BLE001 - KilledWorker, lost worker, ...
            text = " ".join(str(exc).split())[:200]
            yield failed(task, f"the Dask worker failed ({type(exc).__name__}: {text})")
        future.release()
