"""A batch's per-clip results on disk, each written atomically as the clip finishes.

Layout of the output folder::

    clips/<key>/clip.json        what was analysed, how, status and warning
    clips/<key>/summary.json     rom analyze's summary (results, tracking, view, ...)
    clips/<key>/angles.parquet   the angle time series (frame, time_s, one column per angle)
    clips/<key>/pose.npz, angles.mot
    failed/<key>.json            a clip that failed, with its one-line reason

``key`` = the first 20 hex digits of the clip's content sha256, ``-``, the first 12 of
the settings hash (:func:`rom.settings.settings_hash`): the same video analysed the same
way has the same key wherever its file is, and a changed clip or setting a new one. A
clip's folder is filled under a temporary name and renamed into place, so a run killed at
any moment leaves either the whole result or none.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rom.batch.worker import ClipOutcome

CHUNK_BYTES = 1 << 20


def clip_key(content_sha256: str, settings_sha256: str) -> str:
    return f"{content_sha256[:20]}-{settings_sha256[:12]}"


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class ContentHashes:
    """sha256 of clip files, remembered by (path, size, modification time) in
    ``cache_file`` so that re-running a batch does not read every clip again."""

    def __init__(self, cache_file: Path) -> None:
        self.cache_file = cache_file
        try:
            self._known: dict[str, list[Any]] = json.loads(cache_file.read_text())
        except (OSError, ValueError):
            self._known = {}

    def sha256(self, path: Path) -> str:
        st = path.stat()
        name = str(path.resolve())
        hit = self._known.get(name)
        if hit and hit[0] == st.st_size and hit[1] == st.st_mtime_ns:
            return str(hit[2])
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(CHUNK_BYTES), b""):
                digest.update(chunk)
        sha = digest.hexdigest()
        self._known[name] = [st.st_size, st.st_mtime_ns, sha]
        return sha

    def save(self) -> None:
        self.cache_file.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(self.cache_file, json.dumps(self._known).encode())


class ResultStore:
    """The ``clips/`` and ``failed/`` folders of a batch output folder."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = Path(out_dir)
        self.clips_dir = self.out_dir / "clips"
        self.failed_dir = self.out_dir / "failed"
        self.clips_dir.mkdir(parents=True, exist_ok=True)
        self.failed_dir.mkdir(parents=True, exist_ok=True)

    def clip_dir(self, key: str) -> Path:
        return self.clips_dir / key

    def is_done(self, key: str) -> bool:
        return (self.clip_dir(key) / "clip.json").is_file()

    def record(self, key: str) -> dict[str, Any] | None:
        """A finished clip's ``clip.json``, or None."""
        try:
            data: dict[str, Any] = json.loads((self.clip_dir(key) / "clip.json").read_text())
        except (OSError, ValueError):
            return None
        return data

    def failure(self, key: str) -> dict[str, Any] | None:
        """A failed clip's record (``reason``), or None."""
        try:
            data: dict[str, Any] = json.loads((self.failed_dir / f"{key}.json").read_text())
        except (OSError, ValueError):
            return None
        return data

    def summary(self, key: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.clip_dir(key) / "summary.json").read_text())
        return data

    def write(self, outcome: ClipOutcome, meta: dict[str, Any]) -> None:
        """Keep ``outcome`` (``meta``: content and settings hashes, provenance) atomically."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        record = {
            "key": outcome.key,
            "path": outcome.path,
            "status": outcome.status,
            "reason": outcome.reason,
            "processing_s": round(outcome.processing_s, 2),
            "worker": outcome.worker,
            "finished_utc": now,
            **meta,
        }
        failed_file = self.failed_dir / f"{outcome.key}.json"
        if outcome.status == "failed":
            _atomic_write(failed_file, json.dumps(record, indent=2).encode())
            return
        tmp = self.clips_dir / f".{outcome.key}.{os.getpid()}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        for name, data in outcome.files.items():
            (tmp / name).write_bytes(data)
        (tmp / "clip.json").write_text(json.dumps(record, indent=2))
        final = self.clip_dir(outcome.key)
        if final.exists():  # an older copy of the same result: replace it whole
            shutil.rmtree(final)
        os.rename(tmp, final)
        failed_file.unlink(missing_ok=True)

    def keys(self) -> set[str]:
        """Keys of every clip this folder holds a result or a failure of (from any run)."""
        done = {p.name for p in self.clips_dir.iterdir() if (p / "clip.json").is_file()}
        return done | {p.stem for p in self.failed_dir.glob("*.json")}

    def clean_temporary(self) -> None:
        """Remove half-written folders a killed run left behind."""
        for p in self.clips_dir.glob(".*.tmp"):
            shutil.rmtree(p, ignore_errors=True)
        for p in self.out_dir.rglob(".*.tmp"):
            if p.is_file():
                p.unlink(missing_ok=True)
