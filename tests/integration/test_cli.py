"""`rom analyze` end to end on real clips, and every bad input: one line, non-zero exit,
nothing computed lost. Runs the real command in a subprocess, as a user would."""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rom.sequence import load
from tests.videos import write_video

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_videos" / "arm_raises_front_1768x994_30fps.mp4"
MEDIAPIPE_NOISE = ("I0000", "W0000", "INFO:", "inference_runner", "landmark_projection", "absl::")


def run_rom(
    *args: str, model: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if model is not None:
        env["ROM_MODEL_PATH"] = str(model)
    return subprocess.run(
        [sys.executable, "-m", "rom.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=timeout,
        cwd=ROOT,
    )


def assert_one_line_error(proc: subprocess.CompletedProcess, code: int, *words: str) -> None:
    assert proc.returncode == code, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, f"expected one line, got:\n{proc.stderr}"
    assert lines[0].startswith("rom: ")
    assert "Traceback" not in proc.stderr
    for w in words:
        assert w in lines[0]


@pytest.fixture(scope="module")
def sample_result(tmp_path_factory, shared_model) -> tuple[subprocess.CompletedProcess, Path]:
    out = tmp_path_factory.mktemp("sample")
    proc = run_rom(
        "analyze", str(SAMPLE), "--out", str(out), "--overlay", "--quiet", model=shared_model
    )
    return proc, out


@pytest.mark.slow
def test_analyze_sample_clip_writes_every_output(sample_result) -> None:
    proc, out = sample_result
    assert proc.returncode == 0, proc.stderr
    # MediaPipe's own log lines never reach the user's terminal.
    assert not any(n in proc.stderr for n in MEDIAPIPE_NOISE), proc.stderr
    assert "Exception ignored" not in proc.stderr
    for name in (
        "angles.csv",
        "angles.mot",
        "summary.json",
        "results.csv",
        "pose.npz",
        "overlay.mp4",
    ):
        assert (out / name).is_file(), name

    with open(out / "angles.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    assert header[:2] == ["frame", "time_s"]
    for col in (
        "elbow_flexion_left_deg",
        "shoulder_elevation_right_deg",
        "hip_flexion_left_deg",
        "knee_flexion_right_deg",
        "trunk_inclination_deg",
        "head_tilt_deg",
        "shoulder_abduction_left_3d_deg",
    ):
        assert col in header
    assert len(rows) - 1 == 150
    times = [float(r[1]) for r in rows[1:]]
    assert times[0] == 0.0 and abs(times[1] - 1 / 30) < 1e-3

    summary = json.loads((out / "summary.json").read_text())
    assert summary["source"]["width_px"] == 1768 and summary["source"]["n_frames"] == 150
    assert summary["model"]["sha256"].startswith("6558f523")
    assert summary["model"]["mediapipe_version"]
    assert summary["rom_version"]
    el = summary["angles"]["shoulder_elevation_right_deg"]
    assert set(el) >= {"min_deg", "max_deg", "range_deg", "valid_fraction"}
    assert summary["tracking"]["detected_fraction"] > 0.9
    assert summary["view"]["label"] == "front"

    seq = load(out / "pose.npz")
    assert seq.n_frames == 150 and seq.image_size_px == (1768, 994)


@pytest.mark.slow
def test_overlay_is_h264_that_browsers_play(sample_result) -> None:
    import av

    _, out = sample_result
    with av.open(str(out / "overlay.mp4")) as c:
        s = c.streams.video[0]
        assert s.codec_context.name == "h264"
        assert s.codec_context.pix_fmt == "yuv420p"
        n = sum(1 for _ in c.decode(s))
    assert n == 150


@pytest.mark.slow
def test_arms_overhead_reach_above_150_degrees_on_both_sides(sample_result) -> None:
    _, out = sample_result
    summary = json.loads((out / "summary.json").read_text())
    for side in ("left", "right"):
        assert summary["angles"][f"shoulder_elevation_{side}_deg"]["max_deg"] > 150


def test_help_and_version() -> None:
    proc = run_rom("--help")
    assert proc.returncode == 0 and "analyze" in proc.stdout
    proc = run_rom("analyze", "--help")
    assert proc.returncode == 0 and "--protocol" in proc.stdout and "--overlay" in proc.stdout
    proc = run_rom("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("rom ")


def test_missing_path(tmp_path: Path) -> None:
    proc = run_rom("analyze", str(tmp_path / "nope.mp4"), "--out", str(tmp_path / "o"))
    assert_one_line_error(proc, 2, "no such file")


def test_not_a_video(tmp_path: Path) -> None:
    f = tmp_path / "notes.mp4"
    f.write_text("hello\n" * 100)
    assert_one_line_error(
        run_rom("analyze", str(f), "--out", str(tmp_path / "o")), 2, "cannot open"
    )


def test_zero_byte_video(tmp_path: Path) -> None:
    f = tmp_path / "empty.mov"
    f.write_bytes(b"")
    assert_one_line_error(run_rom("analyze", str(f), "--out", str(tmp_path / "o")), 2, "empty")


def test_truncated_video_without_index(tmp_path: Path) -> None:
    """A phone copy cut short before its index was written cannot be opened at all."""
    data = SAMPLE.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 40])
    proc = run_rom("analyze", str(cut), "--out", str(tmp_path / "o"))
    assert proc.returncode == 2
    assert_one_line_error(proc, 2)


@pytest.mark.slow
def test_truncated_video_keeps_what_was_decoded(tmp_path: Path, shared_model: Path) -> None:
    """The sample has its index first: a cut copy decodes part way; the outputs of that
    part are written and the exit code says the result is incomplete."""
    data = SAMPLE.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.6)])
    out = tmp_path / "o"
    proc = run_rom("analyze", str(cut), "--out", str(out), "--quiet", model=shared_model)
    assert_one_line_error(proc, 5, "truncated")
    seq = load(out / "pose.npz")
    assert 30 < seq.n_frames < 150 and seq.detected.sum() > 20
    assert (out / "angles.csv").is_file() and (out / "summary.json").is_file()


@pytest.mark.slow
def test_clip_with_nobody(tmp_path: Path, shared_model: Path) -> None:
    rng = np.random.default_rng(0)
    frames = [
        np.full((240, 320, 3), 90, np.uint8) + rng.integers(0, 20, (240, 320, 3), np.uint8)
        for _ in range(20)
    ]
    clip = write_video(tmp_path / "empty_room.mp4", frames)
    out = tmp_path / "o"
    proc = run_rom("analyze", str(clip), "--out", str(out), model=shared_model)
    assert_one_line_error(proc, 3, "nobody")
    assert load(out / "pose.npz").n_frames == 20  # what was computed is kept


@pytest.mark.slow
def test_person_leaves_half_way(tmp_path: Path, shared_dir: Path, shared_model: Path) -> None:
    clip = shared_dir / "clips" / "outdoor_two_people_arm_raises_1768x994_30fps.mp4"
    out = tmp_path / "o"
    proc = run_rom("analyze", str(clip), "--out", str(out), "--quiet", model=shared_model)
    assert_one_line_error(proc, 5, "left the view")
    summary = json.loads((out / "summary.json").read_text())
    assert 4.5 < summary["tracking"]["last_seen_s"] < 6.0
    with open(out / "angles.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    assert len(rows) - 1 == 230
    assert all(v == "" for v in rows[-1][2:])  # after leaving: empty, not someone else


def test_unknown_protocol(tmp_path: Path) -> None:
    proc = run_rom(
        "analyze", str(SAMPLE), "--out", str(tmp_path / "o"), "--protocol", "shoulder-flexon"
    )
    assert_one_line_error(proc, 2, "shoulder-flexon")


def test_malformed_protocols_file(tmp_path: Path) -> None:
    bad = tmp_path / "mine.toml"
    bad.write_text('[my-test]\ntitle = "x"\nviews = ["front"\n')
    proc = run_rom(
        "analyze",
        str(SAMPLE),
        "--out",
        str(tmp_path / "o"),
        "--protocol",
        "my-test",
        "--protocols-file",
        str(bad),
    )
    assert_one_line_error(proc, 2, "mine.toml", "line")


def test_bad_person_option(tmp_path: Path) -> None:
    proc = run_rom("analyze", str(SAMPLE), "--out", str(tmp_path / "o"), "--person", "the man")
    assert_one_line_error(proc, 2, "--person")


def test_unusable_model_path(tmp_path: Path) -> None:
    bad = tmp_path / "model.task"
    bad.write_bytes(b"not a model")
    proc = run_rom("analyze", str(SAMPLE), "--out", str(tmp_path / "o"), "--model", str(bad))
    assert_one_line_error(proc, 4, "model")


def test_a_failed_run_leaves_no_empty_output_folder(tmp_path: Path) -> None:
    f = tmp_path / "notes.mp4"
    f.write_text("hello\n" * 100)
    out = tmp_path / "new" / "o"
    assert_one_line_error(run_rom("analyze", str(f), "--out", str(out)), 2, "cannot open")
    assert not out.exists()
    kept = tmp_path / "mine"  # a folder the user made stays, even empty
    kept.mkdir()
    run_rom("analyze", str(f), "--out", str(kept))
    assert kept.is_dir()


def test_help_of_protocols_and_models_says_what_their_options_do() -> None:
    proc = run_rom("protocols", "--help")
    assert proc.returncode == 0
    assert "MediaPipe" not in proc.stdout and "progress bar" not in proc.stdout
    assert "instructions" in proc.stdout
    help_of = proc.stdout.split("--protocols-file", 1)[1]
    assert "TOML" in help_of  # the option has a help text
    proc = run_rom("models", "--help")
    assert proc.returncode == 0
    assert "MediaPipe" not in proc.stdout and "--quiet" not in proc.stdout


def test_every_option_the_docs_name_exists() -> None:
    """protocols.toml named `rom --protocols my.toml`, an option that never existed."""
    from rom.cli import build_parser

    known = {"--help", "--version"}
    parsers = [build_parser()]
    while parsers:  # every subcommand, nested ones too (rom client add --notes)
        p = parsers.pop()
        for a in p._actions:
            known.update(o for o in a.option_strings if o.startswith("--"))
            if isinstance(a, argparse._SubParsersAction):
                parsers += list(a.choices.values())
    docs = [ROOT / "README.md", ROOT / "rom" / "metrics" / "protocols.toml"]
    docs += sorted((ROOT / "docs").glob("*.md"))
    for doc in docs:
        named = set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", doc.read_text()))
        assert named <= known, f"{doc.name} names unknown options {sorted(named - known)}"
