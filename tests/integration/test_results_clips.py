"""What a therapist reads after `rom analyze` on real clips (issue 8): one answer per
measure, posture only from a still period, peaks only from what the camera saw, the same
repetitions for both arms, readable output. Runs the real command, as a user would."""

from __future__ import annotations

import csv
import json
import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rom.landmarks import LANDMARK_INDEX
from tests.integration.test_cli import ROOT, SAMPLE, run_rom
from tests.videos import transform_video, write_video

pytestmark = pytest.mark.slow


def run_in_terminal(*args: str, model: Path, timeout: float = 300) -> tuple[int, str]:
    """Run ``rom`` with stdout and stderr on a pseudo-terminal (progress bars shown, as a
    user sees them); return the exit code and everything written, in order."""
    env = {**os.environ, "ROM_MODEL_PATH": str(model), "COLUMNS": "120"}
    leader, follower = pty.openpty()
    import fcntl
    import struct
    import termios

    # A terminal 120 columns wide, as COLUMNS says (a new pseudo-terminal has 0 x 0).
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "rom.cli", *args],
        stdout=follower,
        stderr=follower,
        stdin=subprocess.DEVNULL,
        env=env,
        cwd=ROOT,
    )
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], timeout)
        if not ready:
            proc.kill()
            raise TimeoutError("rom did not finish")
        try:
            data = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    return proc.wait(), b"".join(chunks).decode("utf-8", "replace")


def screen_lines(raw: str) -> list[str]:
    """What the terminal shows: each line as left by carriage returns and ANSI codes."""
    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", raw).replace("\r\n", "\n")
    out = []
    for line in text.split("\n"):
        screen = ""
        for part in line.split("\r"):  # a carriage return overwrites from the left
            screen = part + screen[len(part) :]
        out.append(screen.rstrip())
    return [line for line in out if line]


@pytest.fixture(scope="module")
def abduction(tmp_path_factory, shared_model) -> tuple[int, list[str], Path]:
    out = tmp_path_factory.mktemp("abduction")
    code, raw = run_in_terminal(
        "analyze",
        str(SAMPLE),
        "--protocol",
        "shoulder-abduction",
        "--out",
        str(out),
        model=shared_model,
    )
    return code, screen_lines(raw), out


def test_abduction_prints_one_line_per_measure_after_the_progress_bar(abduction) -> None:
    code, lines, _ = abduction
    assert code == 0, "\n".join(lines)
    # the progress bar is gone before the results print: no result line carries it
    assert lines[0].startswith("tracked the person in "), lines[:3]
    assert "; filmed " in lines[0] and "view: " not in lines[0], lines[0]  # words, not labels
    assert not any("frame/s" in line or "it/s" in line for line in lines), lines
    measure_lines = [line for line in lines if line.startswith("  Shoulder")]
    assert len(measure_lines) == 1, lines  # one line, both sides, one estimate
    line = measure_lines[0]
    assert "left " in line and "right " in line and "% of 180" in line
    assert "adduction" not in "\n".join(lines)  # a direction the protocol does not test
    assert re.search(r"\[(2D|3D)\]", line)


def test_abduction_summary_is_short_rounded_and_results_first(abduction) -> None:
    _, _, out = abduction
    text = (out / "summary.json").read_text()
    summary = json.loads(text)
    assert next(iter(summary)) == "results"
    assert len(text) < 60_000  # it was 135 KB of unrounded floats
    long_floats = re.findall(r"-?\d+\.\d{4,}", text)
    assert not long_floats, long_floats[:5]
    m = summary["results"]["measures"]
    assert [x["measure"] for x in m] == ["shoulder_abduction"]
    left, right = m[0]["sides"]["left"], m[0]["sides"]["right"]
    for r in (left, right):
        # a value, or (a peak beside frames without a value: issue 8) its lower bound
        assert r["status"] in ("measured", "not_seen"), r
        if r["status"] == "measured":
            assert 140 < r["value_deg"] < 170 and r["uncertainty_deg"] > 0
        else:
            assert r["peak_edge"] and r["value_deg"] is None and 140 < r["at_least_deg"] < 170
        assert r["moved_in"] == "abduction"
    # one two-arm movement: both arms count the same repetitions (they counted 2 and 3,
    # the third a 32-degree bump)
    assert left["n_reps"] == right["n_reps"] == 2
    assert min(right["rep_peaks_deg"]) > 100
    with open(out / "results.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    values = {
        r["side"]: float(r["value"]) if r["value"] else None
        for r in rows
        if r["statistic"] == "value"
    }
    for side, r in (("left", left), ("right", right)):
        want = r["value_deg"]
        assert values[side] == (pytest.approx(want) if want is not None else None), side


def test_flexion_of_a_front_clip_is_not_measurable(tmp_path: Path, shared_model: Path) -> None:
    """Issue 8: the same clip with --protocol shoulder-flexion printed eight values, among
    them 2D extension -156 and 3D flexion 193 (his arms were abducted). While he faces the
    camera no flexion is a number; from 3 s he turns his right side to the camera (both
    the 3D and the 2D width estimates of the yaw read 60-85 deg) and swings his arms to
    jump off: a value read there is flagged, and printed, as read in another view."""
    proc = run_rom(
        "analyze",
        str(SAMPLE),
        "--protocol",
        "shoulder-flexion",
        "--out",
        str(tmp_path),
        model=shared_model,
    )
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.startswith("  Shoulder")]
    assert lines, proc.stdout
    for line in lines:  # no number without the view it was read from
        for number in re.findall(r"(?:left|right) \d+ \+/- \d+ deg[^,;]*", line):
            assert "[filmed " in number and "filmed from the front " not in number, line
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["results"]["view"] == "front"
    for m in summary["results"]["measures"]:
        for r in m["sides"].values():
            if r["status"] == "not_measurable":
                assert "film from the side" in r["reason"]
            elif r["value_deg"] is not None:  # only from where he had turned side-on
                assert r["peak_time_s"] > 2.9, r
                assert "other_view" in r["flags"] and r["view_at_peak"] != "front", r
    assert summary["angles"]["shoulder_flexion_left_deg"]["valid_for_view"] is False
    # the tester's fault: his left arm, hanging at his side at 3.2 s (elevation 21),
    # printed as both flexion and extension 21 deg; it went neither forwards nor backwards
    by_dir = {m["direction"]: m["sides"] for m in summary["results"]["measures"]}
    for direction in ("positive", "negative"):
        assert by_dir[direction]["left"]["value_deg"] is None, by_dir[direction]["left"]
    for side in ("left", "right"):  # one elevation is never both directions
        a, b = by_dir["positive"][side], by_dir["negative"][side]
        assert a["value_deg"] is None or b["value_deg"] is None, (a, b)


def test_checks_run_without_a_protocol(tmp_path: Path, shared_model: Path) -> None:
    """Issue 8: without --protocol, warnings was []; with one, three."""
    proc = run_rom("analyze", str(SAMPLE), "--out", str(tmp_path), model=shared_model)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    warnings = summary["results"]["warnings"]
    assert any("turns during the clip" in w for w in warnings), warnings
    assert any("the left elbow" in w for w in warnings), warnings
    assert any(line.startswith("  Shoulder abduction") for line in proc.stdout.splitlines())
    # he never moved an arm backwards (printed: extension left 21, his resting elevation)
    assert not any(line.startswith("  Shoulder extension") for line in proc.stdout.splitlines())
    angles = summary["angles"]
    assert angles["shoulder_abduction_left_deg"]["valid_for_view"] is True
    # the arms rose sideways, seen from the front: flexion's plane was edge-on
    assert angles["shoulder_flexion_left_deg"]["valid_for_view"] is False
    assert angles["shoulder_flexion_left_3d_deg"]["valid_for_view"] is False


@pytest.fixture(scope="module")
def lab_posture(
    tmp_path_factory, shared_dir, shared_model
) -> tuple[subprocess.CompletedProcess, Path]:
    out = tmp_path_factory.mktemp("lab2")
    clip = shared_dir / "clips" / "lab_two_people_balance_portrait_60fps_cam02.mp4"
    proc = run_rom(
        "analyze",
        str(clip),
        "--protocol",
        "posture-front",
        "--overlay",
        "--out",
        str(out),
        model=shared_model,
    )
    return proc, out


def test_posture_of_a_one_leg_balance_is_not_measurable(lab_posture) -> None:
    """Issue 8: a 1.7 s one-leg balance printed "left shoulder lower than the right -42.5
    deg" and warned of nothing."""
    proc, out = lab_posture
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    for m in summary["results"]["measures"]:
        assert m["kind"] == "posture" and m["direction"] == "value"
        r = m["sides"]["none"]
        assert r["status"] == "not_measurable" and r["value_deg"] is None
        assert "no_still_period" in r["flags"]
    assert any("no still period of 5 s" in w for w in summary["results"]["warnings"])
    assert "deg" not in "".join(line for line in proc.stdout.splitlines() if "tilt" in line)


def test_overlay_keeps_a_portrait_clips_resolution(lab_posture) -> None:
    import av

    _, out = lab_posture
    with av.open(str(out / "overlay.mp4")) as c:
        s = c.streams.video[0]
        assert (s.codec_context.width, s.codec_context.height) == (1088, 1920)


def test_posture_of_a_client_standing_still_is_measured(
    tmp_path: Path, shared_dir: Path, shared_model: Path
) -> None:
    """A still stance (a real frame held 6 s, with sensor noise) gives one value per
    posture measure: the median over the still period, compared with the norm's band."""
    clip = shared_dir / "clips" / "outdoor_two_people_arm_raises_1768x994_30fps.mp4"
    import av

    with av.open(str(clip)) as c:
        frame = [f for _, f in zip(range(11), c.decode(video=0))][-1].to_ndarray(format="rgb24")
    frame = frame[0:700, 376:1076]  # the man on the box, standing with his arms down
    rng = np.random.default_rng(1)
    frames = [
        np.clip(frame + rng.normal(0, 2, frame.shape), 0, 255).astype(np.uint8)
        for _ in range(210)  # 7 s
    ]
    still = write_video(tmp_path / "still.mp4", frames, fps=30)
    out = tmp_path / "o"
    proc = run_rom(
        "analyze",
        str(still),
        "--protocol",
        "posture-front",
        "--out",
        str(out),
        model=shared_model,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    with open(out / "angles.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for m in summary["results"]["measures"]:
        r = m["sides"]["none"]
        assert r["status"] == "measured", (m["measure"], r["reason"])
        assert r["still_s"] >= 5.0 and r["spread_deg"] < 2.0
        col = [float(x[r["column"]]) for x in rows if x[r["column"]]]
        assert r["value_deg"] == pytest.approx(np.median(col), abs=0.5)
        if r["normal_min_deg"] is not None:
            assert r["within_normal"] == (
                r["normal_min_deg"] <= r["value_deg"] <= r["normal_max_deg"]
            )
    assert not any("still" in w for w in summary["results"]["warnings"])


def test_a_peak_outside_the_image_is_not_seen(tmp_path: Path, shared_model: Path) -> None:
    """Issue 8: with the arms leaving a cropped frame at the top of each raise, the
    reported peaks came from frames where the elbow lay outside the image."""
    whole = transform_video(
        SAMPLE, tmp_path / "whole.mp4", lambda f: f[0:600, 450:850], max_frames=100
    )
    cut = transform_video(
        SAMPLE, tmp_path / "cut.mp4", lambda f: f[95:595, 450:850], max_frames=100
    )
    results = {}
    for name, clip in (("whole", whole), ("cut", cut)):
        proc = run_rom(
            "analyze",
            str(clip),
            "--protocol",
            "shoulder-abduction",
            "--out",
            str(tmp_path / name),
            model=shared_model,
        )
        assert proc.returncode == 0, proc.stderr
        summary = json.loads((tmp_path / name / "summary.json").read_text())
        results[name] = summary["results"]["measures"][0]["sides"]
        if name == "cut":
            assert "peak not seen" in proc.stdout
    pose = np.load(tmp_path / "cut" / "pose.npz")
    height, width = 500, 400
    statuses = []
    for side in ("left", "right"):
        seen, cut_r = results["whole"][side], results["cut"][side]
        assert seen["status"] == "measured"
        statuses.append(cut_r["status"])
        if cut_r["status"] == "measured":
            # Where MediaPipe puts the arm inside the image at every top (in one CI run
            # under the full suite's load it did so for one side), a value may stand: but
            # never one read from a frame with the elbow or wrist outside the image
            i = int(np.argmin(np.abs(pose["time_s"] - cut_r["peak_time_s"])))
            for joint in (f"{side}_elbow", f"{side}_wrist"):
                x, y = pose["image_xyz"][i, LANDMARK_INDEX[joint], :2]
                assert 0 <= x < width and 0 <= y < height, (side, joint, x, y, cut_r)
            assert cut_r["value_deg"] <= seen["value_deg"] + seen["uncertainty_deg"]
            continue
        assert cut_r["status"] == "not_seen" and cut_r["value_deg"] is None
        # the reason names the side's arm landmark that left the image first
        assert "peak_not_seen" in cut_r["flags"]
        assert re.search(rf"the {side} (elbow|wrist)\b.* left the image", cut_r["reason"]), cut_r

        # what was seen is a lower bound of what the whole frame measured, within the
        # whole frame's own stated uncertainty: two crops are two estimates (+3 deg was
        # exceeded once on a new machine: 166.6 against 156.9 +/- 19)
        assert cut_r["at_least_deg"] <= seen["value_deg"] + seen["uncertainty_deg"]
    assert "not_seen" in statuses  # the arms do leave the image (idle runs: both sides)


def test_a_person_index_that_matches_nobody_says_so(tmp_path: Path, shared_model: Path) -> None:
    """`--person 3` (or 99) on a one-person clip is a usage error (exit 2) giving the real
    count of people seen, not MediaPipe's passing ghosts ("at most 4 people" before)."""
    short = transform_video(SAMPLE, tmp_path / "short.mp4", lambda f: f, max_frames=20)
    out = tmp_path / "o"
    for index in ("1", "3", "99"):  # 1: a double skeleton on the man is not person 1
        proc = run_rom(
            "analyze", str(short), "--person", index, "--out", str(out), model=shared_model
        )
        assert proc.returncode == 2, proc.stderr
        line = proc.stderr.strip()
        assert "\n" not in line and "Traceback" not in line
        assert f"--person {index}: only 1 person was seen; use 0..0" in line, line
        assert "pixel X,Y inside the client" in line and "well lit" not in line
