"""The video formats ``rom`` names and looks for: the one list that ``rom analyze --help``,
``rom batch`` (a folder is searched for them), the dashboard's upload and the README
give. Kept free of imports so that ``rom --help`` stays light.

``rom analyze`` opens whatever FFmpeg (PyAV) can decode; these are the formats tested."""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["VIDEO_FORMATS", "VIDEO_SUFFIXES", "formats_text", "not_a_file"]

#: File name extensions of the video formats, without the dot, lower case.
VIDEO_FORMATS: tuple[str, ...] = ("mp4", "mov", "m4v", "avi", "webm", "mkv", "ts")
#: The same with the dot (``Path.suffix``).
VIDEO_SUFFIXES: frozenset[str] = frozenset(f".{f}" for f in VIDEO_FORMATS)


def formats_text() -> str:
    """``mp4, mov, m4v, avi, webm, mkv, ts``: the list as the help and messages say it."""
    return ", ".join(VIDEO_FORMATS)


def not_a_file(path: Path) -> str | None:
    """What ``path`` is when it is not a regular file that can be read as a video, in
    words for a message ("a broken link (to /media/x.mp4, which does not exist)", "a named
    pipe", "a folder", "missing"); None for a regular file (or a link to one). A named
    pipe or a device would block a reader forever."""
    if path.is_symlink() and not path.exists():
        return f"a broken link (to {os.readlink(path)}, which does not exist)"
    try:
        mode = path.stat().st_mode
    except OSError:
        return "missing"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"
