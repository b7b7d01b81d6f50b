"""The video formats ``rom`` names and looks for: the one list that ``rom analyze --help``,
``rom batch`` (a folder is searched for them), the dashboard's upload and the README
give. Kept free of imports so that ``rom --help`` stays light.

``rom analyze`` opens whatever FFmpeg (PyAV) can decode; these are the formats tested."""

from __future__ import annotations

__all__ = ["VIDEO_FORMATS", "VIDEO_SUFFIXES", "formats_text"]

#: File name extensions of the video formats, without the dot, lower case.
VIDEO_FORMATS: tuple[str, ...] = ("mp4", "mov", "m4v", "avi", "webm", "mkv", "ts")
#: The same with the dot (``Path.suffix``).
VIDEO_SUFFIXES: frozenset[str] = frozenset(f".{f}" for f in VIDEO_FORMATS)


def formats_text() -> str:
    """``mp4, mov, m4v, avi, webm, mkv, ts``: the list as the help and messages say it."""
    return ", ".join(VIDEO_FORMATS)
