"""One clip analysed in a worker (a local process or a Dask worker): the same
:func:`rom.pipeline.analyze_video` as ``rom analyze``, with the model loaded once per worker.

:func:`analyze_clip` never raises for a bad clip: every failure comes back as a
:class:`ClipOutcome` with a one-line reason. The result files travel back as bytes, so a
cluster's workers need to read the clips but not to share the output folder.
"""

from __future__ import annotations

import io
import os
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rom.errors import NoPersonError, PartialResultError, RomError

#: The files a clip's result keeps, as ``analyze_video`` names them (plus the Parquet
#: angle series made here).
KEPT_FILES = ("summary.json", "pose.npz", "angles.mot", "angles.parquet")


@dataclass(frozen=True)
class ClipTask:
    """What a worker needs: the clip's key, its file, the analysis settings and the
    sha256 the model must have (the one the batch's provenance records)."""

    key: str
    path: str
    config: Any  # rom.pipeline.AnalysisConfig
    model_sha256: str = ""


@dataclass(frozen=True)
class ClipOutcome:
    """A clip's result: ``status`` is ``done``, ``partial`` (a result with a warning: the
    person left, the video is truncated) or ``failed`` (``reason`` says why, one line)."""

    key: str
    path: str
    status: str
    reason: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    processing_s: float = 0.0
    worker: str = ""


_local = threading.local()  # this worker thread's loaded landmarkers (one model at a time)
#: Every thread's loaded landmarkers, so that they can all be closed when the worker stops
#: (a Dask worker runs tasks in its own threads; ``atexit`` runs in the main thread).
_open_pairs: dict[int, Any] = {}
_open_lock = threading.Lock()


def limit_threads() -> None:
    """One thread each for OpenCV and the BLAS libraries, so that N workers on N cores do
    not each start a thread per core. (MediaPipe's CPU inference runs on one thread; the
    decoder runs on one thread ahead of it, see :mod:`rom.pose.sources`.)"""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    import cv2

    cv2.setNumThreads(1)


_set_up = False


def setup_worker() -> None:
    """Once per worker process: thread limits, and the model closed at exit (MediaPipe
    complains when its landmarker is left to the interpreter's shutdown)."""
    global _set_up
    if _set_up:
        return
    import atexit

    limit_threads()
    atexit.register(release_all_landmarkers)
    _set_up = True


def _landmarkers(config: Any, sha256: str) -> tuple[Any, Any]:
    """This thread's (model info, landmarkers) for ``config``'s model, loaded on first use.

    Raises ModelError when this worker's model is not the one (``sha256``) the batch
    records in its provenance."""
    from rom.errors import ModelError
    from rom.pose.extract import open_landmarkers
    from rom.pose.models import resolve_model

    want = (config.model_variant, str(config.model_path), config.extract, sha256)
    held = getattr(_local, "held", None)
    # closed: by release_all_landmarkers from another thread (a Dask worker plugin's
    # teardown); load them again rather than fail every later clip
    if held is not None and held[0] == want and not held[2].closed:
        return held[1], held[2]
    release_landmarkers()
    model = resolve_model(config.model_variant, config.model_path)
    if sha256 and model.sha256 != sha256:
        raise ModelError(
            f"this worker's {model.variant} model {model.path} (sha256 {model.sha256[:12]}) "
            f"is not the batch's (sha256 {sha256[:12]}); give every worker the same model "
            "file with --model PATH or ROM_MODEL_PATH"
        )
    pair = open_landmarkers(model.path, config.extract)
    _local.held = (want, model, pair)
    with _open_lock:
        _open_pairs[threading.get_ident()] = pair
    return model, pair


def release_landmarkers() -> None:
    """Close this thread's landmarkers (a worker that stops)."""
    held = getattr(_local, "held", None)
    if held is not None:
        _local.held = None
        with _open_lock:
            _open_pairs.pop(threading.get_ident(), None)
        held[2].close()


def release_all_landmarkers() -> None:
    """Close the landmarkers of every thread of this process: when a worker stops, before
    the interpreter shuts down (left to the garbage collector then, MediaPipe prints a
    ``TypeError`` traceback from its dispatcher, already torn down)."""
    with _open_lock:
        pairs = list(_open_pairs.values())
        _open_pairs.clear()
    for pair in pairs:
        pair.close()


def angles_parquet(angles: Any) -> bytes:
    """An angle series as Parquet: ``frame``, ``time_s``, then one float column per angle
    (degrees, null where not measured)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns: dict[str, Any] = {
        "frame": np.arange(len(angles.time_s), dtype=np.int32),
        "time_s": np.asarray(angles.time_s, float),
    }
    for i, name in enumerate(angles.names):
        col = np.asarray(angles.values_deg[:, i], float)
        columns[name] = pa.array(col, mask=~np.isfinite(col))
    buf = io.BytesIO()
    pq.write_table(pa.table(columns), buf, compression="zstd")
    return buf.getvalue()


def analyze_clip(task: ClipTask) -> ClipOutcome:
    """Analyse ``task``'s clip; a failure is an outcome, never an exception."""
    from rom.pipeline import analyze_video

    started = time.perf_counter()
    worker = f"{os.uname().nodename}:{os.getpid()}"

    def failed(reason: str) -> ClipOutcome:
        reason = " ".join(reason.split())
        return ClipOutcome(
            task.key, task.path, "failed", reason, {}, time.perf_counter() - started, worker
        )

    config = task.config
    with tempfile.TemporaryDirectory(prefix="rom-clip-") as tmp:
        status, reason = "done", ""
        result: Any
        try:
            model, pair = _landmarkers(config, task.model_sha256)
            result = analyze_video(task.path, tmp, config, landmarkers=pair, model=model)
        except PartialResultError as exc:
            result, status, reason = exc.result, "partial", str(exc).split("; outputs")[0]
        except NoPersonError as exc:
            return failed(str(exc))
        except RomError as exc:
            return failed(str(exc))
        except MemoryError:
            return failed("ran out of memory analysing it")
        except Exception as exc:  # noqa: BLE001 - one clip must never stop the batch
            return failed(f"internal error: {type(exc).__name__}: {exc}")
        files = {
            name: Path(tmp, name).read_bytes()
            for name in KEPT_FILES
            if name != "angles.parquet" and Path(tmp, name).is_file()
        }
        files["angles.parquet"] = angles_parquet(result.angles)
        if config.overlay and Path(tmp, "overlay.mp4").is_file():
            files["overlay.mp4"] = Path(tmp, "overlay.mp4").read_bytes()
    return ClipOutcome(
        task.key, task.path, status, reason, files, time.perf_counter() - started, worker
    )
