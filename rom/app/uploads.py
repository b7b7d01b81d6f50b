"""Accepting an uploaded clip safely: allow-listed format, size limit, content-named copy.

The user's file name is data (shown, stored as the recording's original name): it never
becomes a path. The bytes are written as ``<sha256 prefix>.<suffix>`` under the uploads
folder, the suffix taken from the allow-list, and opened as a video before anything else
happens, so that a file that is not a video, or a damaged one, is refused with one clear
line while the app keeps running.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rom.errors import InputError, RomError
from rom.pose.formats import VIDEO_FORMATS


class UploadError(InputError):
    """An upload cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class AcceptedVideo:
    """An upload written to disk and opened: where it is, the user's name for it, its
    sha256, and what the video holds. ``first_frame`` is the upright RGB first frame."""

    path: Path
    display_name: str
    sha256: str
    width_px: int
    height_px: int
    fps: float
    n_frames: int | None
    duration_s: float | None
    first_frame: np.ndarray


def _base_name(name: str) -> str:
    """The last path part of a user's file name, without control characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in base if ch.isprintable()).strip() or "video"


def display_name(name: str, max_chars: int = 120) -> str:
    """The user's file name reduced to something safe to show: its last path part, no
    control characters, at most ``max_chars`` characters (a longer name is cut in the
    middle and keeps its format suffix: ``long…name.mp4``)."""
    base = _base_name(name)
    if len(base) <= max_chars:
        return base
    stem, dot, suffix = base.rpartition(".")
    if not dot or len(suffix) > 8:
        return base[: max_chars - 1] + "…"
    return stem[: max_chars - len(suffix) - 2] + "…." + suffix


def suffix_of(name: str) -> str:
    """The allow-listed format of a file name (lower case, no dot); raises UploadError."""
    base = _base_name(name)
    suffix = base.rsplit(".", 1)[-1].lower() if "." in base else ""
    if suffix not in VIDEO_FORMATS:
        raise UploadError(
            f"{display_name(name)}: .{suffix or '?'} files are not accepted; upload a video "
            f"({', '.join(VIDEO_FORMATS)})"
        )
    return suffix


def accept_upload(name: str, data: bytes, uploads_dir: Path, *, max_bytes: int) -> AcceptedVideo:
    """Check, store and open one upload.

    Raises
    ------
    UploadError
        Format not allowed, empty, too large, not a video or damaged; the message names
        the user's file and the fix.
    """
    shown = display_name(name)
    suffix = suffix_of(name)
    if not data:
        raise UploadError(f"{shown} is empty (0 bytes); record or export the clip again")
    if len(data) > max_bytes:
        raise UploadError(
            f"{shown} is {len(data) / 1e6:.0f} MB, more than the {max_bytes / 1e6:.0f} MB "
            "accepted; trim the clip or lower its resolution"
        )
    digest = hashlib.sha256(data).hexdigest()
    uploads_dir.mkdir(parents=True, exist_ok=True)
    path = uploads_dir / f"{digest[:24]}.{suffix}"
    if not path.exists():
        tmp = uploads_dir / f".{digest[:24]}.{os.getpid()}.tmp"
        tmp.write_bytes(data)
        tmp.replace(path)
    try:
        return open_video(path, shown, digest)
    except UploadError:
        path.unlink(missing_ok=True)
        raise


def open_video(path: Path, shown: str, digest: str) -> AcceptedVideo:
    """Open a stored clip and read its first frame; raises UploadError naming ``shown``."""
    from rom.pose.sources import open_source

    try:
        with open_source(path) as source:
            info = source.info
            first = next(iter(source), None)
    except RomError as exc:
        raise UploadError(str(exc).replace(str(path), shown).replace(path.name, shown)) from None
    if first is None:
        raise UploadError(f"{shown} contains no decodable frame; the file is damaged")
    return AcceptedVideo(
        path=path,
        display_name=shown,
        sha256=digest,
        width_px=info.width_px,
        height_px=info.height_px,
        fps=info.fps,
        n_frames=info.n_frames,
        duration_s=info.duration_s,
        first_frame=first.rgb,
    )
