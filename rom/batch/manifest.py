"""The clips of a batch: a folder searched recursively for videos, or a manifest CSV.

A manifest has a header row with at least a ``path`` column (relative paths are read from
the manifest's folder) and optionally ``protocol``, ``side``, ``subject``, ``session``,
``label`` and any other columns; every column is carried into the results (one named
like a result column, such as ``protocol``, ``side`` or ``label``, as ``clip_<name>``).
``protocol`` is the protocol the clip is analysed with; ``side`` (left, right, both) is
checked and carried as a label only: it does not choose the side measured. Commas,
semicolons or tabs separate the fields (as spreadsheets export them); the file must be
UTF-8 (a byte-order mark is ignored): another encoding is refused, naming the line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rom.batch.report import plural
from rom.errors import InputError, read_user_text
from rom.pose.formats import (  # a folder is searched for these (lower case)
    VIDEO_SUFFIXES,
    not_a_file,
)

#: Manifest columns rom reads; others are carried through untouched.
KNOWN_COLUMNS = ("path", "protocol", "side", "subject", "session", "label")
SIDES = ("left", "right", "both")
#: What to do with a manifest that is not UTF-8: Excel's plain "CSV" export is
#: Windows-1252 (a name like "Müller" then fails), its "CSV UTF-8" export is read as is.
UTF8_FIX = (
    "save it as 'CSV UTF-8' (Excel: File > Save As > CSV UTF-8; plain 'CSV' is "
    "Windows-1252) or re-encode it as UTF-8"
)


@dataclass(frozen=True)
class ClipEntry:
    """One clip to analyse: its file, the manifest's protocol and side (None when not
    given), and every manifest column as text (``columns``; ``path`` as written)."""

    path: Path
    protocol: str | None = None
    side: str | None = None
    columns: Mapping[str, str] = field(default_factory=dict)


def read_input(
    spec: str | Path, *, known_protocols: set[str] | None = None, exclude: Path | None = None
) -> list[ClipEntry]:
    """The clips of ``spec``: a folder (videos found recursively, sorted by path) or a
    manifest CSV (rows in order).

    ``known_protocols``: if given, a manifest protocol outside it is an error.

    Raises
    ------
    InputError
        No such path, no videos in the folder, a manifest without a ``path`` column, an
        empty manifest, a row whose file does not exist or is a folder, an unknown
        protocol or side.
    """
    path = Path(spec).expanduser()
    if path.is_dir():
        return read_folder(path, exclude=exclude)
    if not path.exists():
        raise InputError(f"no such folder or manifest: {path}; give a folder of videos or a CSV")
    return read_manifest(path, known_protocols=known_protocols)


def read_folder(folder: Path, *, exclude: Path | None = None) -> list[ClipEntry]:
    """Every video under ``folder`` (hidden files and folders skipped, and everything under
    ``exclude``: a batch's own output folder inside its input, whose overlay videos are no
    clips), sorted by path."""
    clips = [p for p in _named_videos(folder, exclude) if p.is_file()]
    if not clips:
        others = not_video_files(folder, exclude=exclude)
        named = f" (named like one but not a file: {'; '.join(others[:3])})" if others else ""
        raise InputError(
            f"{folder} holds no videos ({', '.join(sorted(VIDEO_SUFFIXES))}){named}; "
            "give a folder of clips or a manifest CSV"
        )
    return [ClipEntry(p, columns={"path": str(p.relative_to(folder))}) for p in clips]


def _named_videos(folder: Path, exclude: Path | None) -> list[Path]:
    """Everything under ``folder`` named like a video (see :func:`read_folder`), sorted."""
    skip = exclude.resolve() if exclude is not None else None
    return sorted(
        p
        for p in folder.rglob("*")
        if p.suffix.lower() in VIDEO_SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        and not (skip is not None and p.resolve().is_relative_to(skip))
    )


def not_video_files(folder: Path, *, exclude: Path | None = None) -> list[str]:
    """What :func:`read_folder` leaves out although it is named like a video: a broken
    link, a named pipe or a device (a pipe would block the batch forever), each in words
    ("clips/a.mp4: a named pipe"; :func:`rom.pose.formats.not_a_file`). A folder named
    like a video is a folder, not listed."""
    out = []
    for p in _named_videos(folder, exclude):
        what = not_a_file(p)
        if what not in (None, "a folder"):
            out.append(f"{p.relative_to(folder)}: {what}")
    return out


def parse_manifest(
    text: str,
    *,
    base_dir: Path,
    name: str = "manifest",
    known_protocols: set[str] | None = None,
    check_files: bool = True,
) -> list[ClipEntry]:
    """The clips of a manifest's ``text`` (see the module docstring); errors as
    :func:`read_input`, naming the manifest and the line."""
    text = text.removeprefix("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise InputError(f"{name} is not a readable CSV ({exc}); save it as CSV") from None
    header = [h.strip() for h in rows[0]] if rows else []
    lowered = [h.lower() for h in header]
    if "path" not in lowered:
        shown = ", ".join(h for h in header if h) or "none"
        raise InputError(
            f"{name} has no 'path' column (columns: {shown}); add a header row naming "
            "the video files' column 'path'"
        )
    if any(not h for h in header):
        raise InputError(f"{name} has a column without a name in its header; name every column")
    dupes = sorted({h for h in lowered if lowered.count(h) > 1})
    if dupes:
        raise InputError(f"{name} has the column {dupes[0]!r} twice; keep one")
    names = [h.lower() if h.lower() in KNOWN_COLUMNS else h for h in header]
    entries: list[ClipEntry] = []
    missing: list[tuple[int, str]] = []
    for line_no, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank line
        if len(row) > len(names):
            raise InputError(
                f"{name} line {line_no} has {len(row)} fields, the header {len(names)}; "
                "quote fields that contain the separator"
            )
        cols = {n: (row[i].strip() if i < len(row) else "") for i, n in enumerate(names)}
        raw = cols["path"]
        if not raw:
            raise InputError(f"{name} line {line_no} has an empty path; give the video's file")
        clip = Path(raw).expanduser()
        clip = clip if clip.is_absolute() else base_dir / clip
        what = not_a_file(clip) if check_files else None
        if what == "a folder":
            raise InputError(
                f"{name} line {line_no}: {raw!r} is a folder; a manifest lists clip files, one "
                f"per row (to analyse every video in it, give the folder {clip} itself as INPUT)"
            )
        if what == "missing":
            missing.append((line_no, raw))
            continue
        if what is not None:
            raise InputError(
                f"{name} line {line_no}: {raw!r} is not a video file but {what}; fix the "
                "path or the file"
            )
        protocol = cols.get("protocol") or None
        if protocol and known_protocols is not None and protocol not in known_protocols:
            raise InputError(
                f"{name} line {line_no}: unknown protocol {protocol!r}; "
                f"known: {', '.join(sorted(known_protocols))}"
            )
        side = (cols.get("side") or "").lower() or None
        if side is not None and side not in SIDES:
            raise InputError(
                f"{name} line {line_no}: side {cols['side']!r} is not one of {', '.join(SIDES)}"
            )
        entries.append(ClipEntry(clip, protocol, side, cols))
    if missing:
        line_no, raw = missing[0]
        more = f" (and {plural(len(missing) - 1, 'more row')})" if len(missing) > 1 else ""
        raise InputError(
            f"{name} line {line_no}: no such file {raw!r}{more}; fix the path (relative paths "
            f"are read from {base_dir})"
        )
    if not entries:
        raise InputError(f"{name} lists no clips; add one row per video under the header")
    return entries


def read_manifest(path: Path, *, known_protocols: set[str] | None = None) -> list[ClipEntry]:
    """The clips of the manifest CSV at ``path`` (see :func:`parse_manifest`)."""
    if path.suffix.lower() in VIDEO_SUFFIXES:
        raise InputError(
            f"{path} is a video; rom batch takes a folder of videos or a manifest CSV "
            "(rom analyze takes one video)"
        )
    text = read_user_text(path, "manifest", utf8_fix=UTF8_FIX)
    return parse_manifest(
        text, base_dir=path.parent, name=f"manifest {path}", known_protocols=known_protocols
    )
