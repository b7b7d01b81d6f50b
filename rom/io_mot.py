"""OpenSim motion files (.mot): write angles for OpenSim / OpenCap-style tools, read back.

The file is OpenSim's version-1 storage format::

    rom angles
    version=1
    nRows=<frames>
    nColumns=<1 + angles>
    inDegrees=yes
    endheader
    time<TAB>neck_rotation_deg<TAB>...
    0.000000<TAB>3.141593<TAB>...

``nColumns`` counts the time column, as OpenSim does. Missing values are written as
``NaN``: OpenSim 4's table readers (``STOFileAdapter`` / ``TimeSeriesTable``) parse
numbers with ``std::stod``, which accepts it, but some older tools and the GUI's plotter
handle NaN poorly, and OpenSim tools that need every frame (inverse dynamics) will not
accept gaps: interpolate or trim first if needed. Column names are rom's angle columns,
not the coordinate names of an OpenSim model; rom's angles are its own definitions (see
:mod:`rom.metrics.catalogue`), not a model's joint coordinates.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from rom.errors import InputError, read_user_text
from rom.files import atomic_path
from rom.metrics.series import AngleSeries

__all__ = ["read_mot", "write_mot"]


def _fmt(v: float) -> str:
    return f"{v:.6f}" if math.isfinite(v) else "NaN"


def write_mot(angles: AngleSeries, path: str | Path, *, name: str = "rom angles") -> Path:
    """Write angles (degrees) to an OpenSim ``.mot`` file.

    Parameters
    ----------
    angles : AngleSeries
        Angles in degrees; times in seconds (strictly increasing, as OpenSim requires).
    path : str or Path
        Destination; parent folders must exist.
    name : str
        First header line (the motion's name); one line, no tabs.

    Returns
    -------
    Path
        The path written.

    Examples
    --------
    >>> import tempfile
    >>> a = AngleSeries(np.array([0.0, 0.1]), ("knee_flexion_left_deg",),
    ...                 np.array([[10.0], [np.nan]]))
    >>> p = write_mot(a, Path(tempfile.mkdtemp()) / "a.mot")
    >>> p.read_text().splitlines()[-1]
    '0.100000\\tNaN'
    """
    if "\n" in name or "\t" in name or not name.strip():
        raise ValueError(f"name must be one non-empty line without tabs, got {name!r}")
    for col in angles.names:
        if not col or any(c.isspace() for c in col):
            raise ValueError(f"column names must not be empty or contain spaces, got {col!r}")
    t = np.asarray(angles.time_s, dtype=float)
    if not np.all(np.isfinite(t)) or (len(t) > 1 and not np.all(np.diff(t) > 0)):
        raise ValueError("time_s must be finite and strictly increasing for a .mot file")
    values = np.asarray(angles.values_deg, dtype=float)
    lines = [
        name,
        "version=1",
        f"nRows={len(t)}",
        f"nColumns={len(angles.names) + 1}",
        "inDegrees=yes",
        "endheader",
        "\t".join(("time", *angles.names)),
    ]
    lines += [
        "\t".join([f"{ti:.6f}", *(_fmt(float(v)) for v in row)]) for ti, row in zip(t, values)
    ]
    out = Path(path)
    with atomic_path(out) as tmp:
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def read_mot(path: str | Path) -> AngleSeries:
    """Read an OpenSim ``.mot`` / ``.sto`` file (version 1 header) as angles in degrees.

    A file with ``inDegrees=no`` is converted from radians to degrees. Every column
    except ``time`` becomes an angle column.

    Raises
    ------
    InputError
        The file is missing or not a readable motion file (the message says where).
    """
    p = Path(path)
    text = read_user_text(p, "motion file")
    lines = text.splitlines()
    try:
        end = next(i for i, line in enumerate(lines) if line.strip().lower() == "endheader")
    except StopIteration:
        raise InputError(f"{p}: not a .mot file: no 'endheader' line") from None
    header = {
        k.strip(): v.strip()
        for k, _, v in (line.partition("=") for line in lines[:end] if "=" in line)
    }
    in_degrees = header.get("inDegrees", "yes").lower() != "no"
    if end + 1 >= len(lines):
        raise InputError(f"{p}:{end + 2}: missing the column label line after 'endheader'")
    labels = lines[end + 1].split("\t") if "\t" in lines[end + 1] else lines[end + 1].split()
    labels = [s.strip() for s in labels]
    if not labels or labels[0] != "time":
        raise InputError(f"{p}:{end + 2}: first column must be 'time', got {labels[:1]}")
    rows: list[list[float]] = []
    for n, line in enumerate(lines[end + 2 :], start=end + 3):
        if not line.strip():
            continue
        fields = line.split("\t") if "\t" in line else line.split()
        if len(fields) != len(labels):
            raise InputError(
                f"{p}:{n}: expected {len(labels)} values (as many as column labels), "
                f"got {len(fields)}"
            )
        try:
            rows.append([float(f) for f in fields])
        except ValueError as e:
            raise InputError(f"{p}:{n}: not a number: {e}") from None
    data = np.array(rows, dtype=float).reshape(len(rows), len(labels))
    if "nRows" in header and header["nRows"].isdigit() and int(header["nRows"]) != len(rows):
        raise InputError(f"{p}: header says nRows={header['nRows']} but has {len(rows)} rows")
    values = data[:, 1:] if in_degrees else np.degrees(data[:, 1:])
    return AngleSeries(data[:, 0].copy(), tuple(labels[1:]), values.copy())
