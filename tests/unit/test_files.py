"""Outputs are written whole or not at all: temp file then rename, a clear error on a full
disk or a read-only folder, stale temp files of killed runs removed."""

from __future__ import annotations

import builtins
import errno
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rom.errors import OutputError
from rom.files import atomic_path, remove_stale_temps, temp_name
from rom.io_mot import write_mot
from rom.metrics.series import AngleSeries
from rom.outputs import write_angles_csv, write_json
from rom.sequence import PoseSequence, load, save


def _angles(n: int = 50) -> AngleSeries:
    t = np.arange(n) / 30
    return AngleSeries(t, ("elbow_flexion_left_deg",), np.linspace(0, 90, n)[:, None])


def _only_real_names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_success_renames_and_leaves_no_temp(tmp_path: Path) -> None:
    dest = tmp_path / "a.csv"
    with atomic_path(dest) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".a.csv.") and tmp.suffix == ".csv"
        tmp.write_text("x")
        assert not dest.exists()  # nothing under the real name until complete
    assert dest.read_text() == "x" and _only_real_names(tmp_path) == ["a.csv"]


def test_failure_keeps_the_previous_file_and_removes_the_temp(tmp_path: Path) -> None:
    dest = tmp_path / "summary.json"
    dest.write_text("previous, complete")
    with pytest.raises(RuntimeError), atomic_path(dest) as tmp:
        tmp.write_text("half")
        raise RuntimeError("crash while writing")
    assert dest.read_text() == "previous, complete"
    assert _only_real_names(tmp_path) == ["summary.json"]


class _FullDisk:
    """Makes every write to a file opened for writing fail with ENOSPC after ``after``
    bytes, as a full disk does (the file is opened and partly written first)."""

    def __init__(self, after: int = 10) -> None:
        self.after = after

    def __call__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        real_open = builtins.open
        after = self.after

        class Writer:
            def __init__(self, fh):
                self._fh, self._n = fh, 0

            def write(self, data):
                self._n += len(data)
                if self._n > after:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                return self._fh.write(data)

            def __getattr__(self, name):
                return getattr(self._fh, name)

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self._fh.close()

        def fake_open(file, mode="r", *args, **kwargs):
            fh = real_open(file, mode, *args, **kwargs)
            return Writer(fh) if any(c in mode for c in "wax") else fh

        monkeypatch.setattr(builtins, "open", fake_open)
        monkeypatch.setattr(io, "open", fake_open)  # pathlib and zipfile (NumPy) use io.open


@pytest.mark.parametrize(
    "write, name",
    [
        (lambda p: write_angles_csv(_angles(), p), "angles.csv"),
        (lambda p: write_json({"a": list(range(100))}, p), "summary.json"),
        (lambda p: write_mot(_angles(), p), "angles.mot"),
        (
            lambda p: save(PoseSequence.empty(50, (64, 48), np.arange(50) / 30.0), p),
            "pose.npz",
        ),
    ],
)
def test_disk_full_raises_one_clear_error_and_leaves_nothing_half_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write, name: str
) -> None:
    dest = tmp_path / name
    dest.write_bytes(b"previous complete file")
    _FullDisk()(monkeypatch)
    with pytest.raises(OutputError) as info:
        write(dest)
    message = str(info.value)
    assert str(dest) in message and "disk is full" in message and "--out" in message
    assert "\n" not in message
    assert dest.read_bytes() == b"previous complete file"
    assert _only_real_names(tmp_path) == [name]


def test_read_only_folder_is_named_with_the_fix(tmp_path: Path) -> None:
    def refuse(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    with (
        pytest.raises(OutputError, match="cannot be written to: choose another --out"),
        atomic_path(tmp_path / "a.txt") as tmp,
    ):
        refuse(tmp)


def test_outputs_written_normally_read_back(tmp_path: Path) -> None:
    a = _angles()
    write_angles_csv(a, tmp_path / "angles.csv")
    write_json({"x": 1.0}, tmp_path / "s.json")
    save(PoseSequence.empty(3, (8, 8), np.arange(3.0)), tmp_path / "p.npz")
    assert json.loads((tmp_path / "s.json").read_text()) == {"x": 1.0}
    assert load(tmp_path / "p.npz").n_frames == 3
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_stale_temps_of_dead_processes_are_removed_live_ones_kept(tmp_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(dead.stdout)
    stale = tmp_path / f".overlay.mp4.{dead_pid}.tmp.mp4"
    mine = temp_name(tmp_path / "angles.csv")
    other = tmp_path / ".notes.txt"
    for p in (stale, mine, other):
        p.write_bytes(b"x")
    assert remove_stale_temps(tmp_path) == [stale]
    assert _only_real_names(tmp_path) == sorted([mine.name, other.name])
