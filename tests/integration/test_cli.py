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
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pytest

from rom.sequence import load
from tests.videos import write_video

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_videos" / "arm_raises_front_1768x994_30fps.mp4"
MEDIAPIPE_NOISE = ("I0000", "W0000", "INFO:", "inference_runner", "landmark_projection", "absl::")


def run_rom(
    *args: str,
    model: Path | None = None,
    timeout: float = 300,
    prefix: Sequence[str] = (),
    env: dict[str, str] | None = None,
    preexec_fn: Callable[[], None] | None = None,
) -> subprocess.CompletedProcess:
    """Run ``rom ARGS`` as a user would; ``prefix`` wraps the command (``unshare -n``), or,
    when it ends with ``--``, is the whole command before ARGS; ``env`` adds variables,
    ``preexec_fn`` runs in the child before it starts."""
    full_env = dict(os.environ)
    if model is not None:
        full_env["ROM_MODEL_PATH"] = str(model)
    full_env.update(env or {})
    command = [*prefix] if "--" in prefix else [*prefix, sys.executable, "-m", "rom.cli"]
    return subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        env=full_env,
        check=False,
        timeout=timeout,
        cwd=ROOT,
        preexec_fn=preexec_fn,
    )


#: An inline code span running another program than ``rom``.
OTHER_PROGRAM_SPAN = (
    r"`(?:\S*/)?(?:pip|python3?|apt-get|sudo|uv|streamlit|dask-\w+|ffmpeg)\b[^`]*`"
    r"|`(?:benchmarks|\.ci)/[^`]*`"
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
    # the installed distribution's version (rom-goniometry), not the source-tree fallback
    assert proc.returncode == 0 and proc.stdout.split() == ["rom", version("rom-goniometry")]


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
    proc = run_rom("analyze", str(cut), "--out", str(out), model=shared_model)
    assert_one_line_error(proc, 5, "truncated")
    # said once: by the "rom: incomplete:" line, not again as a warning of the results
    assert (proc.stdout + proc.stderr).count("video truncated") == 1, proc.stdout + proc.stderr
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


# --- the same clip stored differently: measured like the original ---------------------------


def _angles_table(out: Path) -> tuple[list[str], np.ndarray]:
    with open(out / "angles.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return rows[0], np.array([[float(v) if v else np.nan for v in r] for r in rows[1:]])


def _median_2d_difference(a: Path, b: Path) -> list[float]:
    """Per 2D angle measured in both, the median |a - b| over the frames (degrees)."""
    ha, va = _angles_table(a)
    hb, vb = _angles_table(b)
    diffs = []
    for col in ha[2:]:
        if col.endswith("_3d_deg") or col not in hb:
            continue
        x, y = va[:, ha.index(col)], vb[:, hb.index(col)]
        ok = np.isfinite(x) & np.isfinite(y)
        if ok.sum() >= 50:
            diffs.append(float(np.median(np.abs(x[ok] - y[ok]))))
    return diffs


@pytest.mark.slow
def test_anamorphic_copy_is_measured_like_the_original(
    sample_result, tmp_path: Path, shared_model: Path
) -> None:
    """The sample stored at half width with a 2:1 sample aspect ratio, shown exactly like
    the original (camcorders, DV, some editing apps write such files). Before: tracked in
    47 of 150 frames, view "left-side", 2D angles 10.7 deg off (median over angles)."""
    from fractions import Fraction

    from tests.corpus import anamorphic

    _, ref_out = sample_result
    clip = anamorphic(SAMPLE, tmp_path / "anamorphic.mp4", sar=Fraction(2, 1))
    out = tmp_path / "o"
    proc = run_rom(
        "analyze", str(clip), "--out", str(out), "--overlay", "--quiet", model=shared_model
    )
    assert proc.returncode == 0, proc.stderr
    s = json.loads((out / "summary.json").read_text())
    ref = json.loads((ref_out / "summary.json").read_text())
    assert s["source"]["sample_aspect_ratio"] == [2, 1]
    assert s["source"]["stored_size_px"] == [884, 994]
    assert (s["source"]["width_px"], s["source"]["height_px"]) == (1768, 994)
    assert s["tracking"]["detected_frames"] >= 0.9 * ref["tracking"]["detected_frames"]
    assert s["view"]["label"] == ref["view"]["label"] == "front"
    diffs = _median_2d_difference(out, ref_out)
    assert len(diffs) >= 15 and np.median(diffs) < 4.0, diffs
    assert load(out / "pose.npz").image_size_px == (1768, 994)


@pytest.mark.slow
def test_image_folder_numbered_without_padding_is_measured_like_the_clip(
    sample_result, tmp_path: Path, shared_model: Path
) -> None:
    """The sample as 1.jpg ... 150.jpg (``ffmpeg -i clip %d.jpg``) with frames 61-62
    missing. Before: read in text order (1, 10, 100, 101, ...), the person was tracked in
    63 of 150 frames, view "left-side", angles scrambled in time; no warning."""
    from tests.corpus import image_folder

    _, ref_out = sample_result
    folder = image_folder(SAMPLE, tmp_path / "frames", skip=(61, 62))
    out = tmp_path / "o"
    proc = run_rom("analyze", str(folder), "--out", str(out), "--quiet", model=shared_model)
    assert proc.returncode == 0, proc.stderr
    s = json.loads((out / "summary.json").read_text())
    ref = json.loads((ref_out / "summary.json").read_text())
    assert any("2 frame numbers are missing" in w and "61-62" in w for w in s["warnings"])
    header, values = _angles_table(out)
    assert len(values) == 148
    np.testing.assert_allclose(values[59:61, 1], [59 / 30, 62 / 30], atol=1e-3)  # the gap
    assert s["tracking"]["detected_frames"] >= 0.9 * ref["tracking"]["detected_frames"] - 2
    assert s["view"]["label"] == "front"
    ref_header, ref_values = _angles_table(ref_out)
    col = "shoulder_elevation_right_deg"
    x = values[:, header.index(col)]
    y = np.delete(ref_values[:, ref_header.index(col)], [60, 61])
    ok = np.isfinite(x) & np.isfinite(y)
    assert ok.sum() > 100 and np.corrcoef(x[ok], y[ok])[0, 1] > 0.95


@pytest.mark.slow
def test_overlay_blurs_the_face_by_default(sample_result, tmp_path: Path) -> None:
    """The sample's overlay (written with the default options) against one written from
    the same landmarks with ``blur_faces=False``. Measure: the correlation of fine detail
    (the image minus its 2-pixel Gaussian blur) with the source clip, inside the man's
    head away from the drawn skeleton. With the face kept it is high (calibrates the
    measure in this run); blurred, the face's detail is gone; elsewhere nothing changed."""
    import av
    import cv2

    from rom.metrics.series import AngleSeries
    from rom.outputs import read_angles_csv
    from rom.overlay import write_overlay
    from rom.privacy import head_ellipse

    _, out = sample_result
    n = 40
    seq = load(out / "pose.npz").slice(0, n)
    a = read_angles_csv(out / "angles.csv")
    angles = AngleSeries(a.time_s[:n], a.names, a.values_deg[:n])
    plain = write_overlay(SAMPLE, seq, angles, tmp_path / "plain.mp4", blur_faces=False)

    def fine(rgb: np.ndarray) -> np.ndarray:
        g = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
        return g - cv2.GaussianBlur(g, (0, 0), 2.0)

    def corr(a: np.ndarray, b: np.ndarray, where: np.ndarray) -> float:
        return float(np.corrcoef(fine(a)[where], fine(b)[where])[0, 1])

    blurred_face, kept_face, elsewhere = [], [], []
    with (
        av.open(str(out / "overlay.mp4")) as blurred,
        av.open(str(plain)) as kept,
        av.open(str(SAMPLE)) as source,
    ):
        frames = zip(blurred.decode(video=0), kept.decode(video=0), source.decode(video=0))
        for i, (fb, fk, fs) in enumerate(frames):
            if i % 4 or not seq.detected[i]:
                continue
            rb, rk, rs = (f.to_ndarray(format="rgb24") for f in (fb, fk, fs))
            e = head_ellipse(seq.image_xyz[i, :, :2], seq.visibility[i])
            assert e is not None
            cx, cy, rx, ry = e
            ys, xs = np.mgrid[0 : rs.shape[0], 0 : rs.shape[1]]
            core = ((xs - cx) / (0.7 * rx)) ** 2 + ((ys - cy) / (0.7 * ry)) ** 2 <= 1
            drawn = np.abs(rk.astype(int) - rs.astype(int)).max(axis=2) > 40  # skeleton
            drawn = cv2.dilate(drawn.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
            face = core & ~drawn
            if face.sum() < 300:  # too little of the face left between the drawn lines
                continue
            blurred_face.append(corr(rb, rs, face))
            kept_face.append(corr(rk, rs, face))
            elsewhere.append(corr(rb, rs, np.roll(face, 400, axis=0)))  # the box below him
    assert len(blurred_face) >= 5
    assert np.median(kept_face) > 0.8, kept_face
    assert max(blurred_face) < 0.5, blurred_face
    assert all(b < k - 0.3 for b, k in zip(blurred_face, kept_face))
    assert np.median(elsewhere) > 0.8, elsewhere


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
    """protocols.toml named `rom --protocols my.toml`, an option that never existed.
    Options of other programs (a Dask worker, SLURM) in the docs' code lines that do not
    run `rom` are theirs."""
    import argparse

    from rom.cli import build_parser

    known = {"--help", "--version"}

    def collect(parser: argparse.ArgumentParser) -> None:
        for a in parser._actions:
            known.update(o for o in a.option_strings if o.startswith("--"))
            if isinstance(a, argparse._SubParsersAction):
                for sub in a.choices.values():
                    collect(sub)

    collect(build_parser())
    docs = [ROOT / "README.md", ROOT / "rom" / "metrics" / "protocols.toml"]
    docs += sorted((ROOT / "docs").glob("*.md"))
    for doc in docs:
        lines, in_code = [], False
        for line in doc.read_text().splitlines():
            if line.startswith("```"):
                in_code = not in_code
            elif not in_code or re.search(r"(^|\s)rom\s", line):
                lines.append(line)
        text = "\n".join(lines)
        # Inline commands of other programs (pip, apt-get, benchmark scripts) name their own
        # options.
        text = re.sub(OTHER_PROGRAM_SPAN, "", text)
        named = set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", text))
        assert named <= known, f"{doc.name} names unknown options {sorted(named - known)}"


def test_output_into_a_closed_pipe_is_no_internal_error() -> None:
    """A user review: `rom batch --summary DIR | head -1` ended with "rom: internal error:
    BrokenPipeError". A reader that stops reading is no error of rom's: nothing on
    stderr, the shell's code for SIGPIPE (141)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "rom.cli", "protocols", "-v"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before rom writes
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141, err
    assert err == "", err
