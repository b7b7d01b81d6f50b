"""``rom batch``: the stages chained, one line each.

read the clips -> resolve the model once -> key each clip (content hash + settings hash) ->
skip what the store already holds -> analyse the rest, largest file first (local pool or
Dask), writing each result as it finishes -> build the tables -> write the effective
settings.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rom import __version__
from rom.batch.manifest import ClipEntry, not_video_files, read_input
from rom.batch.report import ClipCounts, plural
from rom.batch.store import ContentHashes, ResultStore, clip_key
from rom.batch.tables import build_tables, write_tables
from rom.batch.worker import (
    ClipOutcome,
    ClipTask,
    analyze_clip,
    release_all_landmarkers,
    setup_worker,
)
from rom.errors import InputError, OutputError
from rom.settings import config_to_toml, settings_hash


@dataclass(frozen=True)
class BatchReport:
    """What a run did: clips in the input, already done before, analysed now (done,
    partial, failed), and the files written (every one, in the order printed)."""

    n_clips: int
    n_skipped: int
    n_done: int
    n_partial: int
    n_failed: int
    files: dict[str, Path]
    stored: Any = None  # rom.batch.database.StoreReport with --database
    #: clips analysed now "with notes" (done, with notes in their summary.json:
    #: :func:`rom.batch.report.clip_noted`), as ``rom batch --summary`` counts them;
    #: those "with a warning" are the partial ones (:func:`rom.batch.report.clip_warned`)
    n_noted: int = 0
    #: clips in the output folder from earlier runs with another input: not in the tables
    n_other: int = 0

    @property
    def ok(self) -> bool:
        return self.n_failed == 0 and not (self.stored and self.stored.failed)


#: ``on_progress(outcome)`` after each clip; ``on_start(n_todo, n_skipped)`` once.
Progress = Callable[[ClipOutcome], None]


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def default_max_memory_mb(workers: int) -> float:
    """Nine tenths of the physical memory, shared among the workers."""
    total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 1e6
    return 0.9 * total / max(workers, 1)


def largest_first(tasks: list[ClipTask]) -> list[ClipTask]:
    """``tasks`` ordered by decreasing file size, ties in their given order.

    Longest-processing-time-first scheduling (Graham 1969, "Bounds on multiprocessing
    timing anomalies"): a long clip handed out last keeps one worker busy while the
    others have nothing left to do. A clip's file size stands in for its analysis time
    (no clip is opened to plan the batch); a file that cannot be read goes last (it fails
    fast). The order never changes a result or the order of the tables' rows.
    """

    def size(task: ClipTask) -> int:
        try:
            return os.stat(task.path).st_size
        except OSError:
            return -1

    return sorted(tasks, key=size, reverse=True)


def _failure(task: ClipTask, reason: str) -> ClipOutcome:
    return ClipOutcome(task.key, task.path, "failed", " ".join(reason.split()))


def plan(
    entries: list[ClipEntry], config: Any, out_dir: Path
) -> tuple[list[str], dict[str, ClipTask], dict[str, dict[str, Any]], Any]:
    """(key of each entry, task of each distinct key, provenance of each key, model)."""
    from rom.pose.models import resolve_model

    model = resolve_model(config.model_variant, config.model_path)
    from importlib.metadata import version

    # A model named by its variant is found by each worker itself (its cache, or a
    # download or build), so that a cluster's workers need not see this machine's cache;
    # a file the user named is passed on as is. Workers check the hash either way.
    named = model.origin in ("explicit", "env")
    base = replace(config, model_path=model.path if named else None)
    hashes = ContentHashes(out_dir / ".cache" / "content-sha256.json")
    keys: list[str] = []
    tasks: dict[str, ClipTask] = {}
    meta: dict[str, dict[str, Any]] = {}
    for entry in entries:
        clip_config = replace(base, protocol=entry.protocol or base.protocol)
        s_hash = settings_hash(clip_config, model_sha256=model.sha256, version=__version__)
        try:
            c_hash = hashes.sha256(entry.path)
        except OSError as exc:
            raise InputError(f"cannot read {entry.path} ({exc.strerror}); check the file") from None
        key = clip_key(c_hash, s_hash)
        keys.append(key)
        if key not in tasks:
            # absolute: a cluster's workers do not run in this process's folder
            tasks[key] = ClipTask(key, str(entry.path.resolve()), clip_config, model.sha256)
            meta[key] = {
                "content_sha256": c_hash,
                "settings_hash": s_hash,
                "rom_version": __version__,
                "model_variant": model.variant,
                "model_sha256": model.sha256,
                "mediapipe_version": version("mediapipe"),
                "protocol": clip_config.protocol,
            }
    hashes.save()
    return keys, tasks, meta, model


def run_batch(
    input_spec: str | Path,
    out_dir: str | Path,
    config: Any,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    max_memory_mb: float | None = None,
    database: bool = False,
    on_start: Callable[[int, int], None] | None = None,
    on_progress: Progress | None = None,
    on_note: Callable[[str], None] | None = None,
) -> BatchReport:
    """Analyse every clip of ``input_spec`` into ``out_dir``; see :mod:`rom.batch`.

    ``database``: also store each finished clip whose manifest row names a client and a
    session (:mod:`rom.batch.database`). ``on_note`` hears what the user should know
    while the batch runs (a Dask scheduler with no worker yet).

    Raises
    ------
    InputError
        Bad input (manifest, paths, output folder, a --scheduler address that is
        malformed or unreachable), before any clip is analysed or any file written.
    """
    from rom.metrics.protocols import get_protocol, load_protocols

    if config.protocol:
        get_protocol(config.protocol, config.protocols_file)  # unknown name: fails now
    from rom.pipeline import check_out_dir, make_out_dir

    out = Path(out_dir)
    check_out_dir(out)
    entries = read_input(
        input_spec, known_protocols=set(load_protocols(config.protocols_file)), exclude=out
    )
    folder = Path(input_spec).expanduser()
    left_out = not_video_files(folder, exclude=out) if folder.is_dir() else []
    if left_out and on_note is not None:
        on_note(
            f"{plural(len(left_out), 'file')} named like a video in {folder} "
            f"{'is' if len(left_out) == 1 else 'are'} not one and left out: "
            f"{'; '.join(left_out[:5])}{' ...' if len(left_out) > 5 else ''}"
        )
    with contextlib.ExitStack() as stack:
        client = None
        if scheduler:  # reached (or refused) before anything is written
            from rom.batch.cluster import connect, quiet_reconnects

            stack.enter_context(quiet_reconnects())  # left after the client is closed
            client = connect(scheduler)
            stack.callback(client.close)
        make_out_dir(out)
        try:
            store = ResultStore(out)
            store.clean_temporary()
            keys, tasks, meta, model = plan(entries, config, out)
            _write_settings(out, config, model, meta)
            todo = largest_first([t for k, t in tasks.items() if not store.is_done(k)])
            if on_start is not None:
                on_start(len(todo), len(tasks) - len(todo))
            counts = ClipCounts()  # the same counting as the progress bar's and errors.csv's
            for outcome in _outcomes(todo, workers, client, max_memory_mb, on_note):
                store.write(outcome, meta[outcome.key])
                counts.add(outcome.status, outcome.files)
                if on_progress is not None:
                    on_progress(outcome)
            rows, errors, rcols, ecols = build_tables(entries, keys, store)
            files = write_tables(out, rows, errors, rcols, ecols)
        except OSError as exc:  # read-only folder, disk full: the clips finished are kept
            where = exc.filename or out
            raise OutputError(
                f"cannot write {where} ({exc.strerror or exc}); free space or choose another "
                "--out (clips already finished are kept there and not analysed again)"
            ) from None
        files["settings"] = out / "settings.toml"
        files["settings_json"] = out / "settings.json"
        stored = None
        if database:
            from rom.batch.database import store_batch

            stored = store_batch(entries, keys, store)
        return BatchReport(
            len(tasks),
            len(tasks) - len(todo),
            counts.done,
            counts.partial,
            counts.failed,
            files,
            stored,
            counts.noted,
            len(store.keys() - set(keys)),
        )


def _outcomes(
    todo: list[ClipTask],
    workers: int | None,
    client: Any,
    max_memory_mb: float | None,
    on_note: Callable[[str], None] | None = None,
) -> Iterator[ClipOutcome]:
    """Each clip's outcome as it finishes: on the Dask cluster of ``client`` if given,
    else in a local pool of ``workers`` processes."""
    if not todo:
        return iter(())
    if client is not None:
        from rom.batch.cluster import run_on_cluster

        return run_on_cluster(client, todo, _failure, on_note)
    from rom.batch.pool import LocalPool

    n = min(workers or default_workers(), len(todo))
    pool = LocalPool(
        analyze_clip,
        workers=n,
        setup=setup_worker,
        teardown=release_all_landmarkers,
        on_failure=_failure,
        max_memory_mb=max_memory_mb or default_max_memory_mb(n),
    )
    return pool.map_unordered(todo)


def _write_settings(out: Path, config: Any, model: Any, meta: dict[str, dict[str, Any]]) -> None:
    """``settings.toml`` (re-usable with --config) and ``settings.json`` (with provenance)."""
    hashes = sorted({m["settings_hash"] for m in meta.values()})
    header = {
        "rom batch effective settings (re-run with --config this file)": "",
        "rom_version": __version__,
        "model": f"{model.variant} {model.path} sha256 {model.sha256}",
        "settings_hash": ", ".join(hashes),
    }
    text = config_to_toml(config, header={k: v for k, v in header.items()})
    tmp = out / ".settings.toml.tmp"
    tmp.write_text(text)
    os.replace(tmp, out / "settings.toml")
    doc = {
        "rom_version": __version__,
        "model": {"variant": model.variant, "path": str(model.path), "sha256": model.sha256},
        "settings_hashes": hashes,
        "settings": json.loads(json.dumps(config.as_dict(), default=str)),
    }
    tmp = out / ".settings.json.tmp"
    tmp.write_text(json.dumps(doc, indent=2))
    os.replace(tmp, out / "settings.json")
