"""The kinds of real file that gave wrong results, end to end on copies of the sample clip
that the tests make themselves, through real MediaPipe:

1. timestamps that jump back (chunks joined as recorders write them);
2. a WebM whose audio outlasts the video;
3. an image folder named without zero padding, with a gap;
4. a detection in isolated frames after the person has left;
5. non-square pixels (anamorphic video).

Figures measured on the full 150-frame sample, before and after, are in the closing note of
issue 13; here each test checks what must hold on any machine.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import av
import numpy as np
import pytest

from rom.sequence import load
from tests.corpus import (
    SAMPLE,
    encode,
    joined_chunks,
    read_frames,
    title_card,
    with_long_audio,
)
from tests.integration.test_cli import assert_one_line_error, run_rom

pytestmark = pytest.mark.slow


def _summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def _angles(out: Path) -> tuple[list[str], np.ndarray]:
    with open(out / "angles.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    values = np.array([[float(v) if v else np.nan for v in r] for r in rows[1:]])
    return rows[0], values


def _hidden(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


def test_joined_chunks_keep_real_time_and_give_a_whole_overlay(
    tmp_path: Path, shared_model: Path
) -> None:
    """Two 1 s MPEG-TS chunks each stamped from zero, joined byte for byte (``cat a b``).
    Before: the second second was squeezed into microseconds (clip 1 s long, speeds of
    millions of deg/s) and the overlay crashed leaving a hidden temporary file. The names
    have spaces and non-ASCII letters, as clinics name their files."""
    clip = joined_chunks(
        SAMPLE, tmp_path / "Séance 1 – Jörg (joined).ts", start=0, split_frame=30, stop=60
    )
    out = tmp_path / "sortie ü"
    proc = run_rom(
        "analyze", str(clip), "--out", str(out), "--overlay", "--quiet", model=shared_model
    )
    assert proc.returncode == 0, proc.stderr
    _header, values = _angles(out)
    t = values[:, 1]
    assert len(t) == 60
    assert t[-1] == pytest.approx(59 / 30, abs=0.05)  # 2 s, not 1 s
    assert np.diff(t).min() > 0.5 / 30  # no two frames squeezed together
    s = _summary(out)
    assert any("timestamps broken" in w and "frame 30" in w for w in s["warnings"]), s["warnings"]
    assert s["source"]["timestamps"]["jumps_back"] == 1
    speeds = [r["peak_velocity_deg_s"] for r in s["rom"].values() if r["peak_velocity_deg_s"]]
    assert max(speeds) < 10_000  # a human joint; the squeezed clock gave 10 million
    with av.open(str(out / "overlay.mp4")) as c:
        times = [float(f.time) for f in c.decode(video=0)]
    assert len(times) == 60 and times[-1] == pytest.approx(t[-1], abs=0.01)
    assert _hidden(out) == []
    assert (out / "angles.mot").read_text(encoding="utf-8").splitlines()[0] == (
        "Séance 1 – Jörg (joined)"
    )


def test_webm_whose_audio_outlasts_the_video_is_complete(
    tmp_path: Path, shared_model: Path
) -> None:
    """Before: "video truncated ... ends at frame 30 of the 90 its header announces",
    exit 5, because the frame count came from the container (the audio's) duration."""
    clip = with_long_audio(SAMPLE, tmp_path / "x.webm", start=0, video_frames=30, audio_s=3.0)
    out = tmp_path / "o"
    proc = run_rom("analyze", str(clip), "--out", str(out), "--quiet", model=shared_model)
    assert proc.returncode == 0, proc.stderr
    s = _summary(out)
    assert not any("truncated" in w for w in s["warnings"])
    assert s["source"]["n_frames"] == s["tracking"]["n_frames"] == 30


def test_isolated_detections_after_the_person_left_do_not_count(
    tmp_path: Path, shared_model: Path
) -> None:
    """The clip ends on a title card; every fifth frame of it shows the scene again (a
    flash frame; the same kind as a skeleton MediaPipe finds now and then on a card's
    text). The clothing-colour check is switched off in both runs, so that only position
    and size tell: calibrated in the same run, with the confirmation rules off, the flash
    frames are taken for the person (so they would not have "left"); with the defaults
    none counts and the person is reported as having left the view."""
    from rom.pose.extract import ExtractSettings, extract_poses
    from rom.pose.sources import open_source
    from rom.summary import tracking_report

    last = next(iter(read_frames(SAMPLE, start=149)))[0]
    card = title_card((last.shape[1], last.shape[0]), "Arm raises\nfront view")
    flashes = tuple(range(5, 60, 5))

    def frames():
        yield from ((rgb, t - 100 / 30) for rgb, t in read_frames(SAMPLE, start=100))
        for i in range(60):
            yield (last if i in flashes else card), 50 / 30 + i / 30

    clip = encode(tmp_path / "card.mp4", frames())

    def track(**kw):
        with open_source(clip) as src:
            return extract_poses(
                src, shared_model, settings=ExtractSettings(max_appearance_distance=1.0, **kw)
            )

    unconfirmed = track(confirm_frames=1, min_sighting_frames=1)
    assert unconfirmed.detected[50:].sum() >= 3, "calibration: the flash frames were not found"
    assert "left the view" not in tracking_report(unconfirmed).get("problem", "")
    seq = track()
    # The first card frames may still carry the person: MediaPipe's tracker can return
    # its last pose once or twice more after a cut, at the person's place, and with the
    # colour check off (as here) nothing tells it apart. Whether it does turns on the
    # last digits of the network's output: on one machine it did for frame 50 when other
    # test files had run before in the same process, and not when this file ran alone;
    # a CI run of 1 December found one more card frame after 50 (the code of 30 November
    # and of 1 December alike). Only such a carry-over straight after the cut may count;
    # a flash frame, and anything from the third card frame on, never.
    after = np.flatnonzero(seq.detected[50:]) + 50
    carried = after[after <= 51]
    assert carried.tolist() == list(range(50, 50 + len(carried))), after
    assert not seq.detected[52:].any(), after
    assert seq.detected[:45].mean() > 0.8  # the person before leaving is kept
    problem = tracking_report(seq).get("problem", "")
    assert "left the view" in problem
    last = 49 + len(carried)
    assert f"frame {last}" in problem or f"frame {last + 1}" in problem, (problem, after)


def test_person_leaving_and_coming_back(
    tmp_path: Path, shared_dir: Path, shared_model: Path
) -> None:
    """From frame 140 of the outdoor clip the person in front, chosen as the largest and
    most central, is the woman walking; she walks left along the box and out of view (half
    out at frame 56, all but gone by 60: checked on the frames), and, played backwards, in
    again.
    She is measured before and after, the frames while she is out of view stay empty (not
    the man, on the box top and then on the grass right of her path), and since she is
    there at the end the result is complete. Before: a single frame of the man was taken
    as her, she was never taken back, and the run ended "the person left the view", exit 5.

    Where along her way MediaPipe loses and finds her again is not asserted (it differs
    between machines: one lost her at frame 23 and found her again only 49 frames from the
    end, another 54 frames from the end, both while she was in view); that every pose
    taken is hers, and none while she is away, holds on any."""
    src = shared_dir / "clips" / "outdoor_two_people_arm_raises_1768x994_30fps.mp4"
    forward = [f for f, _ in read_frames(src, start=140)]
    frames = forward + forward[::-1]
    clip = encode(tmp_path / "out_and_back.mp4", ((f, i / 30) for i, f in enumerate(frames)))
    out = tmp_path / "o"
    proc = run_rom("analyze", str(clip), "--out", str(out), "--quiet", model=shared_model)
    assert proc.returncode == 0, proc.stderr
    seq = load(out / "pose.npz")
    det = seq.detected
    n = len(frames)
    assert det[:20].mean() > 0.8
    # taken back: how many of her frames MediaPipe finds on the way back differs from run
    # to run on one machine (45 % to over 80 % of frames n-30 to n-10 seen), not whether
    assert det[n - 64 :].sum() >= 5
    # while she is out of view (a sliver of her may still be found at frame 60 on some
    # runs: seen once): nobody, not the man
    assert not det[64 : n - 64].any()
    # Every pose taken is hers: her torso stays low and left of x = 700 px on her way (at
    # most 640); the man is on the box top (torso above y = 400) or right of x = 800.
    x = seq.image_xyz[:, 11:13, 0].mean(axis=1)
    y = seq.image_xyz[:, [11, 12, 23, 24], 1].mean(axis=1)
    assert ((x[det] < 700) & (y[det] > 500)).all(), "a pose that is not hers was taken"
    # The same person: where she is when she comes back mirrors where she left.
    for i in (10, 20):
        j = n - 1 - i
        if det[i] and det[j]:
            assert abs(x[i] - x[j]) < 100
    s = _summary(out)
    assert not any("left the view" in w for w in s["warnings"])
    _header, values = _angles(out)
    assert np.isnan(values[n // 2, 2:]).all()


def test_a_single_frame_is_measured_not_called_truncated(
    tmp_path: Path, shared_model: Path
) -> None:
    """A one-frame clip (a posture photo taken as a video). Before: "decoding stopped at
    frame 1 (End of file) ... truncated", exit 5."""
    portrait = SAMPLE.parent / "balance_portrait_1088x1920_60fps.mp4"
    clip = encode(
        tmp_path / "one.mp4", ((f, 0.0) for f, _ in read_frames(portrait, start=10, stop=11))
    )
    out = tmp_path / "o"
    proc = run_rom("analyze", str(clip), "--out", str(out), "--quiet", model=shared_model)
    assert proc.returncode == 0, proc.stderr
    s = _summary(out)
    assert s["tracking"]["n_frames"] == 1 and s["tracking"]["detected_frames"] == 1
    assert not any("truncated" in w for w in s["warnings"])
    assert math.isfinite(s["angles"]["elbow_flexion_left_deg"]["max_deg"])


def test_truncated_sample_still_says_truncated(tmp_path: Path, shared_model: Path) -> None:
    """The other side: cut at several points, the sample (index first) is called
    truncated with what was decoded kept, or refused in one line when too little is left."""
    data = SAMPLE.read_bytes()
    for fraction, code in ((0.002, 2), (0.3, 5)):
        cut = tmp_path / f"cut{fraction}.mp4"
        cut.write_bytes(data[: int(len(data) * fraction)])
        out = tmp_path / f"o{fraction}"
        proc = run_rom("analyze", str(cut), "--out", str(out), "--quiet", model=shared_model)
        assert_one_line_error(proc, code)
        if code == 5:
            assert "truncated" in proc.stderr
            assert load(out / "pose.npz").n_frames < 150 and (out / "summary.json").is_file()


def test_a_clip_cut_after_two_frames_is_analysed_and_says_film_longer(
    tmp_path: Path, shared_model: Path
) -> None:
    """The sample (index first) cut a few bytes into its third frame. Before: refused,
    exit 2 "the first frame cannot be decoded". Now the two whole frames are analysed like
    any cut file (exit 5 "truncated"), and each measure says the clip is too short, as
    for any clip shorter than a measure needs."""
    fast = encode(
        tmp_path / "fast.mp4",
        (
            (np.ascontiguousarray(f[:992:2, ::2]), t)
            for f, t in read_frames(SAMPLE, start=40, stop=70)
        ),
        options={"movflags": "faststart"},
    )
    with av.open(str(fast)) as c:
        packets = [(p.pos, p.size) for p in c.demux(c.streams.video[0]) if p.size]
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(fast.read_bytes()[: packets[1][0] + packets[1][1] + packets[2][1] // 2])
    out = tmp_path / "o"
    proc = run_rom(
        "analyze",
        str(cut),
        "--out",
        str(out),
        "--protocol",
        "shoulder-abduction",
        model=shared_model,
    )
    assert proc.returncode == 5, proc.stderr
    assert "the video ends at frame 2 of the 30 its header announces; the file is truncated" in (
        proc.stderr
    )
    assert "the clip is too short: 2 frames" in proc.stdout and "film longer" in proc.stdout
    s = _summary(out)
    assert s["tracking"]["n_frames"] == 2
    for side in s["results"]["measures"][0]["sides"].values():
        assert side["value_deg"] is None and "too_few_frames" in side["flags"]
