"""Faults while writing: a full disk, a file-size limit, a read-only output folder, and
``kill -9`` part way. Whatever happens, no half-written file is passed off as whole: an
output is either complete or absent (temporary file, then rename), the error is one line,
and the next run completes.

A real full disk is a tiny tmpfs mounted in a private mount namespace (``unshare -m``,
root or user namespaces); the file-size limit (``RLIMIT_FSIZE``) needs no privilege at
all. The ENOSPC path of each writer is also unit-tested by injection (unit/test_files.py).
"""

from __future__ import annotations

import csv
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import av
import numpy as np
import pytest

from rom.sequence import load
from tests.corpus import SAMPLE, encode, read_frames
from tests.integration.test_cli import ROOT, assert_one_line_error, run_rom

OUTPUTS = ("pose.npz", "angles.csv", "angles.mot", "summary.json", "overlay.mp4")
#: Outputs that are not per frame: checked whole, not counted.
TABLES = ("results.csv",)


def assert_whole_or_absent(out: Path) -> dict[str, int]:
    """Every output present under its real name is complete and readable; returns the
    frame count of each. Temporary files are hidden (dot) names only."""
    frames: dict[str, int] = {}
    for name in TABLES:
        if (out / name).exists():
            with open(out / name, newline="", encoding="utf-8") as fh:
                rows = list(csv.reader(fh))
            assert rows and all(len(r) == len(rows[0]) for r in rows), name
    for name in OUTPUTS:
        p = out / name
        if not p.exists():
            continue
        if name == "pose.npz":
            frames[name] = load(p).n_frames
        elif name == "angles.csv":
            with open(p, newline="", encoding="utf-8") as fh:
                rows = list(csv.reader(fh))
            assert all(len(r) == len(rows[0]) for r in rows)
            frames[name] = len(rows) - 1
        elif name == "angles.mot":
            lines = p.read_text(encoding="utf-8").splitlines()
            n = int(next(x for x in lines if x.startswith("nRows=")).split("=")[1])
            assert len(lines) == lines.index("endheader") + 2 + n
            frames[name] = n
        elif name == "summary.json":
            frames[name] = json.loads(p.read_text(encoding="utf-8"))["tracking"]["n_frames"]
        else:
            with av.open(str(p)) as c:
                frames[name] = sum(1 for _ in c.decode(video=0))
    assert all(p.name in OUTPUTS + TABLES or p.name.startswith(".") for p in out.iterdir())
    return frames


def _namespace(flag: str, skip_or_fail) -> list[str]:
    """``unshare`` with a private ``flag`` namespace (m: mounts, n: network) as root, or
    inside a user namespace otherwise; skipped (failed under ROM_REQUIRE_SHARED=1) where
    neither works."""
    tries = ([[f"-{flag}"]] if os.geteuid() == 0 else []) + [[f"-r{flag}"]]
    for args in tries:
        try:
            done = subprocess.run(["unshare", *args, "true"], capture_output=True, check=False)
        except FileNotFoundError:
            break
        if done.returncode == 0:
            return ["unshare", *args]
    skip_or_fail(f"unshare -{flag} is not available here (no util-linux, or namespaces refused)")
    return []


@pytest.fixture(scope="module")
def short_clip(tmp_path_factory) -> Path:
    """One second of the sample with the man in view."""
    return encode(tmp_path_factory.mktemp("clip") / "short.mp4", read_frames(SAMPLE, stop=30))


@pytest.mark.slow
def test_disk_full(tmp_path: Path, short_clip: Path, shared_model: Path, skip_or_fail) -> None:
    """A 96 KiB disk: the pose, angles and motion files fit, the summary does not. One
    line names the file and says the disk is full; what fitted is whole; nothing
    half-written carries an output's name."""
    prefix = _namespace("m", skip_or_fail)
    disk, kept = tmp_path / "disk", tmp_path / "kept"
    disk.mkdir()
    kept.mkdir()
    script = (
        'mount -t tmpfs -o size=96k tmpfs "$1" || exit 99; '
        '"$2" -m rom.cli analyze "$3" --out "$1" --quiet; rc=$?; cp -a "$1"/. "$4"/; exit $rc'
    )
    proc = subprocess.run(
        [*prefix, "sh", "-c", script, "sh", str(disk), sys.executable, str(short_clip), str(kept)],
        capture_output=True,
        text=True,
        env={**os.environ, "ROM_MODEL_PATH": str(shared_model)},
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    if proc.returncode == 99:
        skip_or_fail(f"cannot mount a tmpfs in a mount namespace: {proc.stderr.strip()}")
    assert_one_line_error(proc, 6, "No space left on device", "disk is full", "--out")
    frames = assert_whole_or_absent(kept)
    assert frames.get("pose.npz") == 30  # computed before the disk filled: kept, whole
    assert "summary.json" not in frames
    assert not [p for p in kept.iterdir() if p.name.startswith(".")]  # temp removed


@pytest.mark.slow
def test_file_size_limit(tmp_path: Path, short_clip: Path, shared_model: Path) -> None:
    """The same with a 60 kB file-size limit (ulimit -f): no privilege needed anywhere."""

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write, not the process
        resource.setrlimit(resource.RLIMIT_FSIZE, (60_000, 60_000))

    out = tmp_path / "o"
    proc = run_rom(
        "analyze",
        str(short_clip),
        "--out",
        str(out),
        "--quiet",
        model=shared_model,
        preexec_fn=limit,
    )
    assert_one_line_error(proc, 6, str(out), "--out")
    frames = assert_whole_or_absent(out)
    assert frames.get("pose.npz") == 30 and "summary.json" not in frames
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_read_only_output_folder(tmp_path: Path, skip_or_fail) -> None:
    """Refused at once, before any analysis, and the folder's earlier results untouched."""
    prefix = _namespace("m", skip_or_fail)
    out = tmp_path / "results"
    out.mkdir()
    (out / "summary.json").write_text('{"previous": true}')
    script = (
        'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" || exit 99; '
        'exec "$2" -m rom.cli analyze "$3" --out "$1"'
    )
    proc = subprocess.run(
        [*prefix, "sh", "-c", script, "sh", str(out), sys.executable, str(SAMPLE)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    if proc.returncode == 99:
        skip_or_fail(f"cannot remount read-only in a mount namespace: {proc.stderr.strip()}")
    assert_one_line_error(proc, 6, "Read-only file system", "choose another --out")
    assert (out / "summary.json").read_text() == '{"previous": true}'


def _start(clip: Path, out: Path, model: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "rom.cli",
            "analyze",
            str(clip),
            "--out",
            str(out),
            "--quiet",
            *extra,
        ],
        env={**os.environ, "ROM_MODEL_PATH": str(model)},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait_for(proc: subprocess.Popen, ready, timeout_s: float = 240) -> None:
    end = time.monotonic() + timeout_s
    while not ready():
        assert proc.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < end, "timed out waiting for the moment to kill"
        time.sleep(0.02)


@pytest.mark.slow
def test_sigkill_leaves_nothing_half_written_and_the_next_run_completes(
    tmp_path: Path, short_clip: Path, shared_model: Path
) -> None:
    clip = encode(tmp_path / "two seconds.mp4", read_frames(SAMPLE, stop=60))
    out = tmp_path / "o"
    # A finished earlier run (another clip) in the same folder.
    first = run_rom("analyze", str(short_clip), "--out", str(out), "--quiet", model=shared_model)
    assert first.returncode == 0, first.stderr
    assert assert_whole_or_absent(out)["summary.json"] == 30

    # 1. Killed early (loading or tracking): the earlier run's outputs are still all
    #    there, all whole, or (if the kill came after this run's pose file) none of them
    #    is left beside it.
    proc = _start(clip, out, shared_model)
    time.sleep(3.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    frames = assert_whole_or_absent(out)
    if "summary.json" in frames:
        assert set(frames.values()) == {30}
    else:
        assert set(frames) <= {"pose.npz"} and set(frames.values()) <= {60}

    # 2. Killed while the overlay is being encoded: the outputs before it are whole and
    #    this run's own; the overlay appears nowhere under its name.
    proc = _start(clip, out, shared_model, "--overlay")

    def overlay_half_written() -> bool:
        temps = [p for p in out.iterdir() if p.name.startswith(".overlay.mp4.")]
        return bool(temps) and temps[0].stat().st_size > 20_000

    _wait_for(proc, overlay_half_written)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    frames = assert_whole_or_absent(out)
    assert "overlay.mp4" not in frames
    assert frames == {"pose.npz": 60, "angles.csv": 60, "angles.mot": 60, "summary.json": 60}
    assert [p.name for p in out.iterdir() if p.name.startswith(".overlay.mp4.")]  # the debris

    # 3. The next run completes and clears the killed run's temporary file.
    again = run_rom(
        "analyze", str(clip), "--out", str(out), "--overlay", "--quiet", model=shared_model
    )
    assert again.returncode == 0, again.stderr
    frames = assert_whole_or_absent(out)
    assert frames == dict.fromkeys(OUTPUTS, 60)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    assert np.isfinite(load(out / "pose.npz").image_xyz).any()
