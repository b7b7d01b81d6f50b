"""Files kept beside the database, each named by the sha256 of its content.

``<files_dir>/<kind>/<sha256[:2]>/<sha256><suffix>``, where ``kind`` is ``series``
(angle time series, Parquet), ``frames`` (key frames, JPEG) or ``videos`` (videos stored
on request). A database row refers to a file by its hash; the same content is written once.
A file is written to a temporary name, flushed to disk, then renamed, so a crash or a full
disk never leaves a half-written file under a real name.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Iterable
from pathlib import Path

__all__ = ["FileStore", "sha256_bytes", "sha256_file"]

KINDS = {"series": ".parquet", "frames": ".jpg", "videos": ""}


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """sha256 of a file's content, read in 1 MiB chunks (hex)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


class FileStore:
    """The content-addressed folder beside the database (see the module docstring)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, kind: str, sha256: str, suffix: str | None = None) -> Path:
        ext = KINDS[kind] if suffix is None else suffix
        return self.root / kind / sha256[:2] / f"{sha256}{ext}"

    def put_bytes(self, kind: str, data: bytes, suffix: str | None = None) -> tuple[str, bool]:
        """Store ``data``; returns (sha256, True if the file is new)."""
        sha = sha256_bytes(data)
        dest = self.path(kind, sha, suffix)
        if dest.exists():
            return sha, False
        self._write(dest, lambda fh: fh.write(data))
        return sha, True

    def put_file(self, kind: str, src: Path, suffix: str = "") -> tuple[str, bool]:
        """Copy the file ``src`` in; returns (sha256, True if the file is new)."""
        sha = sha256_file(src)
        dest = self.path(kind, sha, suffix)
        if dest.exists():
            return sha, False

        def copy(fh: object) -> None:
            with open(src, "rb") as s:
                shutil.copyfileobj(s, fh)  # type: ignore[arg-type]

        self._write(dest, copy)
        return sha, True

    def _write(self, dest: Path, write: object) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
        try:
            with open(tmp, "wb") as fh:
                write(fh)  # type: ignore[operator]
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, dest)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def remove(self, kind: str, sha256: str, suffix: str | None = None) -> bool:
        p = self.path(kind, sha256, suffix)
        try:
            p.unlink()
        except FileNotFoundError:
            return False
        return True

    def all_files(self) -> Iterable[tuple[str, str, Path]]:
        """Every stored file as (kind, sha256, path); temporary files excluded."""
        for kind in KINDS:
            base = self.root / kind
            if not base.is_dir():
                continue
            for p in base.glob("*/*"):
                if p.is_file() and not p.name.startswith("."):
                    yield kind, p.name.split(".")[0], p

    def remove_stale_temporaries(self, older_than_s: float = 3600.0) -> int:
        """Delete temporary files left by a killed process (older than ``older_than_s``)."""
        n = 0
        now = time.time()
        for p in self.root.glob("*/*/.*.tmp"):
            try:
                if now - p.stat().st_mtime > older_than_s:
                    p.unlink()
                    n += 1
            except FileNotFoundError:
                pass
        return n
