"""The bad-input corpus for `rom analyze`, built by the tests from the shared clips and from
scratch: each input gets one line naming the problem and the fix, a non-zero exit code,
and nothing already computed is lost.

Cases already covered elsewhere: zero-byte, text named .mp4, a cut without index, a cut
keeping part of the clip, nobody in view, the person leaving, an unknown protocol and a
malformed protocol file (test_cli.py); a cut anywhere in a small clip, audio outlasting
the video, rotation metadata, variable frame rate (unit/test_sources.py); joined chunks
(timestamps jumping back), an image folder without padding, anamorphic pixels, a single
frame, leaving and coming back (test_real_file_faults.py, test_cli.py); two people
crossing (test_tracking_clips.py); peak memory with the clip's length (test_memory.py).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import av
import numpy as np
import pytest

from rom.sequence import load
from tests.corpus import ROOT, SAMPLE, _add_tone, encode, read_frames, retimed
from tests.integration.test_cli import assert_one_line_error, run_rom


def _out(tmp_path: Path) -> str:
    return str(tmp_path / "o")


# --- refused in one line before any analysis (no model needed) --------------------------------


@pytest.mark.parametrize("ext", [".mp4", ".mkv"])
def test_random_bytes_with_a_video_extension(tmp_path: Path, ext: str) -> None:
    f = tmp_path / f"clip{ext}"
    f.write_bytes(np.random.default_rng(len(ext)).integers(0, 256, 300_000, np.uint8).tobytes())
    proc = run_rom("analyze", str(f), "--out", _out(tmp_path))
    assert_one_line_error(proc, 2, f.name)
    assert "cannot open" in proc.stderr or "no decodable frame" in proc.stderr


def test_phone_clip_cut_before_its_index(tmp_path: Path, shared_dir: Path) -> None:
    """A lab clip written index last (ftyp, free, mdat, moov, as phones do) cut at
    200,000 bytes: nothing can be read, and the one line says the file is cut short and
    what to do (before: "cannot open ... (Invalid data found when processing input)")."""
    clip = shared_dir / "clips" / "lab_two_people_balance_portrait_60fps_cam02.mp4"
    data = clip.read_bytes()
    assert data.rfind(b"moov") > data.find(b"mdat") > 0  # the index is at the end
    cut = tmp_path / "trunc.mp4"
    cut.write_bytes(data[:200_000])
    proc = run_rom("analyze", str(cut), "--out", _out(tmp_path))
    assert_one_line_error(
        proc, 2, "cannot open trunc.mp4 as a video: it is cut short", "'moov' box, is missing"
    )
    assert "copy the whole file again" in proc.stderr
    assert "Invalid data" not in proc.stderr


def test_audio_only(tmp_path: Path) -> None:
    f = tmp_path / "voice memo.mp4"
    with av.open(str(f), "w") as c:
        _add_tone(c, c.add_stream("aac", rate=48000), 1.0)
    assert_one_line_error(
        run_rom("analyze", str(f), "--out", _out(tmp_path)), 2, "no video stream", "give a video"
    )


def test_a_directory_without_images(tmp_path: Path) -> None:
    d = tmp_path / "session notes"
    d.mkdir()
    (d / "notes.txt").write_text("not a frame")
    assert_one_line_error(
        run_rom("analyze", str(d), "--out", _out(tmp_path)), 2, "holds no images", "video file"
    )


def test_output_path_that_is_a_file(tmp_path: Path) -> None:
    f = tmp_path / "results"
    f.write_text("x")
    proc = run_rom("analyze", str(SAMPLE), "--out", str(f))
    assert_one_line_error(proc, 2, "is a file", "folder")
    assert f.read_text() == "x"


def _drop_read_override() -> list[str]:
    """A command prefix under which root, too, obeys file permissions (setpriv drops the
    capabilities that let root read anything); empty when not root."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot make a file unreadable")
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search", "--inh-caps=-all"]


def test_an_unreadable_file(tmp_path: Path) -> None:
    f = tmp_path / "locked.mp4"
    shutil.copy(SAMPLE, f)
    f.chmod(0)
    try:
        proc = run_rom("analyze", str(f), "--out", _out(tmp_path), prefix=_drop_read_override())
    finally:
        f.chmod(0o644)
    assert_one_line_error(proc, 2, "cannot read", "permissions")


@pytest.mark.parametrize(
    "text, words",
    [
        ('[my-test]\ntitle = "x"\nviews = 3\n', ["mine.toml", "missing required key"]),
        (
            '[shoulder-abduction]\nviews = ["sideways"]\n',
            ["mine.toml:2", "views", "must be a non-empty list"],
        ),
        (
            '[shoulder-abduction.norms.shoulder_abduction]\npositive = { normal_deg = "a" }\n',
            ["mine.toml", "normal_deg", "must be a number"],
        ),
        (b"\xff\xfe[bin\x00ary", ["mine.toml", "cannot read protocol file"]),
    ],
)
def test_malformed_protocol_files(tmp_path: Path, text: str | bytes, words: list[str]) -> None:
    bad = tmp_path / "mine.toml"
    bad.write_bytes(text if isinstance(text, bytes) else text.encode())
    proc = run_rom(
        "analyze",
        str(SAMPLE),
        "--out",
        _out(tmp_path),
        "--protocol",
        "shoulder-abduction",
        "--protocols-file",
        str(bad),
    )
    assert_one_line_error(proc, 2, *words)


@pytest.mark.parametrize(
    "option, words",
    [
        (["--fps", "0"], ["--fps", "above 0"]),
        (["--cutoff-hz", "nan"], ["--cutoff-hz"]),
        (["--max-gap-s", "-1"], ["--max-gap-s"]),
        (["--person", "-1"], ["--person"]),
        (["--person", "inf,3"], ["--person"]),
        # A pixel outside the frame: caught before the analysis (and any model), with the
        # frame's size. Before: analysed, then exit 3 "nobody ... at most 4 people seen".
        (["--person", "5000,20"], ["--person 5000,20", "outside the frame (1768 x 994)"]),
        (["--person=-5,100"], ["--person -5,100", "X from 0 to 1767"]),
    ],
)
def test_bad_option_values(tmp_path: Path, option: list[str], words: list[str]) -> None:
    proc = run_rom("analyze", str(SAMPLE), "--out", _out(tmp_path), *option)
    assert_one_line_error(proc, 2, *words)


def test_missing_model_file_names_how_to_get_one(tmp_path: Path) -> None:
    proc = run_rom(
        "analyze", str(SAMPLE), "--out", _out(tmp_path), "--model", str(tmp_path / "m.task")
    )
    assert_one_line_error(proc, 4, "does not exist", "rom models", "leave out --model")


def test_corrupt_model_file_names_how_to_get_one(tmp_path: Path, shared_model: Path) -> None:
    bad = tmp_path / "pose_landmarker_full.task"
    bad.write_bytes(shared_model.read_bytes()[:2_000_000])  # a download cut short
    proc = run_rom("analyze", str(SAMPLE), "--out", _out(tmp_path), "--model", str(bad))
    assert_one_line_error(proc, 4, "is not a model bundle", "leave out --model")


# --- analysed through real MediaPipe ---------------------------------------------------------


@pytest.mark.slow
def test_duplicated_timestamps(tmp_path: Path, shared_model: Path) -> None:
    """A Matroska file where frames repeat their predecessor's time (some muxers, frame
    rate converters): every frame measured, one frame interval apart, with a warning."""
    clip = retimed(
        SAMPLE,
        tmp_path / "dup.mkv",
        lambda i, t: (i - 1) / 30 if i % 10 == 5 else i / 30,  # 5, 15, 25 repeat 4, 14, 24
        stop=30,
    )
    out = tmp_path / "o"
    proc = run_rom("analyze", str(clip), "--out", str(out), "--quiet", model=shared_model)
    assert proc.returncode == 0, proc.stderr
    s = json.loads((out / "summary.json").read_text())
    assert s["source"]["timestamps"]["duplicates"] == 3
    assert any("3 duplicate(s)" in w for w in s["warnings"])
    t = load(out / "pose.npz").time_s
    assert len(t) == 30 and np.diff(t).min() > 0.9 / 30


@pytest.mark.slow
def test_variable_frame_rate(tmp_path: Path, shared_model: Path) -> None:
    """A phone clip whose frames come irregularly (24 to 60 frames a second): the times
    in angles.csv are the container's, not frame number / rate."""
    rng = np.random.default_rng(3)
    steps = rng.uniform(1 / 60, 1 / 24, 45)
    times = np.concatenate([[0.0], np.cumsum(steps[1:])])
    clip = encode(
        tmp_path / "vfr.mp4",
        ((f, times[i]) for i, (f, _) in enumerate(read_frames(SAMPLE, stop=45))),
    )
    out = tmp_path / "o"
    proc = run_rom("analyze", str(clip), "--out", str(out), "--quiet", model=shared_model)
    assert proc.returncode == 0, proc.stderr
    np.testing.assert_allclose(load(out / "pose.npz").time_s, times, atol=1.5e-3)
    assert not json.loads((out / "summary.json").read_text())["warnings"]


@pytest.mark.slow
def test_4k_clip(tmp_path: Path, shared_model: Path) -> None:
    """3840 x 2160: analysed at full size (landmarks in 4K pixels); the overlay is scaled
    to Full HD (longer side 1,920 pixels)."""
    import cv2

    def up(rgb: np.ndarray) -> np.ndarray:
        return cv2.resize(rgb, (3840, 2160), interpolation=cv2.INTER_LINEAR)

    clip = encode(tmp_path / "4k.mp4", read_frames(SAMPLE, stop=16, fn=up))
    out = tmp_path / "o"
    proc = run_rom(
        "analyze", str(clip), "--out", str(out), "--overlay", "--quiet", model=shared_model
    )
    assert proc.returncode == 0, proc.stderr
    seq = load(out / "pose.npz")
    assert seq.image_size_px == (3840, 2160) and seq.detected.sum() >= 4
    assert np.nanmax(seq.image_xyz[:, :, 0]) > 1768  # in 4K pixels, not the source's
    with av.open(str(out / "overlay.mp4")) as c:
        assert c.streams.video[0].height == 1080


@pytest.mark.slow
@pytest.mark.parametrize(("k", "fix"), [(-1, "anticlockwise"), (1, "clockwise")])
def test_a_video_turned_without_rotation_metadata_is_refused(
    tmp_path: Path, shared_model: Path, k: int, fix: str
) -> None:
    """A new user's portrait phone clip, turned in its pixels with no rotation metadata,
    was read as a side view (yaw -103) and gave values (neck flexion 84 deg, 188 % of
    normal). Refused in one line naming the problem and which way to rotate; the pose
    file stays."""
    turned = ((np.ascontiguousarray(np.rot90(f, k)), t) for f, t in read_frames(SAMPLE, stop=40))
    clip = encode(tmp_path / "turned.mp4", turned)
    out = tmp_path / "o"
    proc = run_rom("analyze", str(clip), "--out", str(out), model=shared_model)
    assert_one_line_error(proc, 2, "turned.mp4", "horizontal axis", f"90 deg {fix}", "rotation")
    assert "outputs in" not in proc.stdout
    assert (out / "pose.npz").is_file() and not (out / "summary.json").exists()


@pytest.mark.slow
def test_an_upside_down_video_is_refused(tmp_path: Path, shared_model: Path) -> None:
    """The sample clip turned 180 deg in its pixels was read as a back view (yaw -178),
    exit 0, raised arms "not performed". Refused in one line naming the fix."""
    flipped = ((np.ascontiguousarray(np.rot90(f, 2)), t) for f, t in read_frames(SAMPLE, stop=40))
    clip = encode(tmp_path / "upside.mp4", flipped)
    out = tmp_path / "o"
    proc = run_rom("analyze", str(clip), "--out", str(out), model=shared_model)
    assert_one_line_error(proc, 2, "upside.mp4", "upside down", "rotate the video 180 deg")
    assert "outputs in" not in proc.stdout
    assert (out / "pose.npz").is_file() and not (out / "summary.json").exists()


@pytest.mark.slow
def test_portrait_phone_clip_with_rotation_metadata(tmp_path: Path, shared_model: Path) -> None:
    """A phone held upright stores landscape pixels and a rotation: analysed upright."""
    portrait = ROOT / "sample_videos" / "balance_portrait_1088x1920_60fps.mp4"
    landscape = (
        (np.ascontiguousarray(np.rot90(f, 1)), t) for f, t in read_frames(portrait, stop=30)
    )  # stored as the sensor saw it: the phone's top to the left
    clip = encode(tmp_path / "IMG_0042.MOV", landscape, fmt="mov", rotation_deg=-90, fps=60)
    out = tmp_path / "o"
    proc = run_rom("analyze", str(clip), "--out", str(out), "--quiet", model=shared_model)
    assert proc.returncode == 0, proc.stderr
    s = json.loads((out / "summary.json").read_text())
    assert (s["source"]["width_px"], s["source"]["height_px"]) == (1088, 1920)
    assert s["source"]["rotation_deg"] == 270
    assert s["tracking"]["detected_fraction"] > 0.8
    seq = load(out / "pose.npz")
    # Upright: the nose above the hips in the image.
    ok = seq.detected
    assert np.all(seq.image_xyz[ok, 0, 1] < seq.image_xyz[ok, 23, 1])
