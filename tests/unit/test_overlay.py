"""The overlay writer: any strictly increasing analysis times (duplicates, half-interval
steps, near-duplicates in the source) give a whole video; faces blurred unless told not to;
a failure leaves neither a partial overlay nor a hidden temporary file; each angle in words
(sides and directions spelled out), at the clip's own resolution."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from rom import overlay
from rom.metrics.angles import compute_angles
from rom.metrics.series import AngleSeries
from rom.overlay import write_overlay
from rom.sequence import PoseSequence
from tests.synthetic import Camera, make_sequence
from tests.videos import write_video

IV = 1 / 30.16  # an unedited phone clip's rate


def _times(kind: str, n: int = 30) -> np.ndarray:
    t = np.arange(n) * IV
    if kind.startswith("half_step_at_"):
        k = int(kind.rsplit("_", 1)[1])
        t[k] -= IV / 2  # two frames 17 ms apart
    elif kind == "sub_millisecond":
        t[10:] += 0.0004 - IV  # frame 10 stamped 0.4 ms after frame 9
        t[10:] = np.maximum.accumulate(t[10:])
        t[11:] += IV
    elif kind == "forward_jump":
        t[15:] += 3.0
    return t - t[0]


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 255, (96, 128, 3), np.uint8) for _ in range(30)]
    return write_video(tmp_path_factory.mktemp("ovl") / "texture.mp4", frames)


def _decoded(path: Path) -> tuple[int, list[float]]:
    with av.open(str(path)) as c:
        times = [float(f.time) for f in c.decode(video=0)]
    return len(times), times


@pytest.mark.parametrize(
    "kind",
    [f"half_step_at_{k}" for k in (4, 5, 6, 11, 12, 17, 23)] + ["sub_millisecond", "forward_jump"],
)
def test_irregular_times_give_a_whole_overlay(tmp_path: Path, clip: Path, kind: str) -> None:
    """Each of these crashed the writer before (two frames on one encoder tick)."""
    t = _times(kind)
    assert np.all(np.diff(t) > 0)
    seq = PoseSequence.empty(30, (128, 96), t)
    angles = AngleSeries(t, ("head_tilt_deg",), np.zeros((30, 1)))
    out = write_overlay(clip, seq, angles, tmp_path / "overlay.mp4")
    n, times = _decoded(out)
    assert n == 30 and np.all(np.diff(times) > 0)
    np.testing.assert_allclose(times, t, atol=1e-3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["overlay.mp4"]


def test_a_failure_leaves_no_partial_file(tmp_path: Path, clip: Path) -> None:
    t = np.arange(30) / 30
    seq = PoseSequence.empty(30, (128, 96), t)
    angles = AngleSeries(t, ("head_tilt_deg",), np.zeros((30, 1)))

    def stop(i: int) -> None:
        if i == 12:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_overlay(clip, seq, angles, tmp_path / "overlay.mp4", on_frame=stop)
    assert list(tmp_path.iterdir()) == []


def _detail(rgb: np.ndarray) -> float:
    import cv2

    g = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return float(np.abs(cv2.Laplacian(g, cv2.CV_32F)).mean())


@pytest.mark.parametrize("blur", [True, False])
def test_faces_are_blurred_by_default_and_only_when_asked(
    tmp_path: Path, clip: Path, blur: bool
) -> None:
    t = np.arange(30) / 30
    seq = PoseSequence.empty(30, (128, 96), t)
    # A face in the middle of the frame: nose, eyes, ears, mouth (the body unseen).
    face = [(64, 40), (60, 36), (58, 36), (56, 36), (68, 36), (70, 36), (72, 36)]
    face += [(52, 38), (76, 38), (60, 46), (68, 46)]
    seq.image_xyz[20:25, :11, :2] = face  # measured in frames 20-24 only
    seq.visibility[20:25, :11] = 1.0
    angles = AngleSeries(t, ("head_tilt_deg",), np.zeros((30, 1)))
    kwargs = {} if blur else {"blur_faces": False}
    out = write_overlay(clip, seq, angles, tmp_path / "o.mp4", **kwargs)
    with av.open(str(out)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    head = np.s_[30:50, 56:72]
    corner = np.s_[70:90, 100:124]
    # Frames 20-24 have the face; 10-19 and 25-29 are within BLUR_HOLD_S (0.5 s) of
    # them (a brief tracking loss does not unblur the face); frames 0-4 are not.
    for i in (12, 20, 24, 29):
        ratio = _detail(frames[i][head]) / _detail(frames[i][corner])
        assert (ratio < 0.3) if blur else (ratio > 0.7), (i, ratio)
    for i in (0, 4):
        assert _detail(frames[i][head]) / _detail(frames[i][corner]) > 0.7


def test_overlay_labels_are_words_and_the_size_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    n = 4
    cam = Camera(image_size_px=(1088, 1920))
    seq = make_sequence(camera=cam, n_frames=n, shoulder_abduction_left=-8.0, neck_rotation=-12.0)
    clip = write_video(tmp_path / "c.mp4", [np.full((1920, 1088, 3), 90, np.uint8)] * n)
    seen: list[list[str]] = []
    draw = overlay.draw_frame

    def spy(rgb, xy, labels):  # the real drawing, recording what it was asked to write
        seen.append(list(labels))
        return draw(rgb, xy, labels)

    monkeypatch.setattr(overlay, "draw_frame", spy)
    out = overlay.write_overlay(
        clip,
        seq,
        compute_angles(seq),
        tmp_path / "o.mp4",
        columns=("shoulder_abduction_left_deg", "neck_rotation_deg"),
    )
    assert seen[0] == [
        "left shoulder abduction: 8 deg (adduction)",
        "neck rotation: 12 deg (rotation to the left)",
    ]
    with av.open(str(out)) as c:
        s = c.streams.video[0]
        assert (s.codec_context.width, s.codec_context.height) == (1088, 1920)


def test_anamorphic_source_is_drawn_at_its_shown_size(tmp_path: Path) -> None:
    """Non-square pixels: the overlay is drawn on the frames as shown (square pixels),
    where the landmarks are."""
    from fractions import Fraction

    from tests.corpus import anamorphic, encode

    rng = np.random.default_rng(5)
    frames = [(rng.integers(0, 255, (96, 128, 3), np.uint8), i / 30) for i in range(10)]
    clip = anamorphic(encode(tmp_path / "o.mp4", frames), tmp_path / "a.mp4", sar=Fraction(2, 1))
    t = np.arange(10) / 30
    seq = PoseSequence.empty(10, (128, 96), t)
    angles = AngleSeries(t, ("head_tilt_deg",), np.zeros((10, 1)))
    out = write_overlay(clip, seq, angles, tmp_path / "overlay.mp4")
    with av.open(str(out)) as c:
        st = c.streams.video[0]
        assert (st.width, st.height) == (128, 96)
        assert sum(1 for _ in c.decode(st)) == 10


# --- the labels' size: read on a phone, a laptop and a large screen ----------------------

LABELS = [
    "left shoulder abduction: 85 deg",
    "right shoulder abduction: 8 deg (adduction)",
    "neck rotation: 40 deg (rotation to the left)",
]
GREY = 200


def _text_lines(img: np.ndarray) -> tuple[list[int], tuple[int, int, int, int]]:
    """Heights (pixels) of the drawn lines of white text on a grey frame, and the box
    (x0, y0, x1, y1) the text covers."""
    text = (img >= 120).all(axis=2) & (img != GREY).any(axis=2)  # brighter than the box
    rows = np.flatnonzero(text.any(axis=1))
    cols = np.flatnonzero(text.any(axis=0))
    assert rows.size, "no text drawn"
    # a line's parts (a colon's dots, a descender) are at most 2 pixels apart
    runs = np.split(rows, np.flatnonzero(np.diff(rows) > 3) + 1)
    return [int(r[-1] - r[0] + 1) for r in runs], (cols[0], rows[0], cols[-1], rows[-1])


@pytest.mark.parametrize(
    ("width", "height", "least"), [(640, 360, 0.035), (1920, 1080, 0.035), (1080, 1920, 0.02)]
)
def test_labels_are_a_readable_size_of_the_frame_on_a_dark_box(
    width: int, height: int, least: float
) -> None:
    """Each line of text (ascenders to descenders, as drawn) is 3.5-8 % of the frame's
    shorter side (at least 2 % in portrait, where the longest label must fit 60 % of the
    width), at least 12 pixels, inside a dark box within the frame."""
    rgb = np.full((height, width, 3), GREY, np.uint8)
    img = overlay.draw_frame(rgb, np.full((33, 2), np.nan), LABELS)
    heights, (x0, y0, x1, y1) = _text_lines(img)
    assert len(heights) == len(LABELS)
    short = min(width, height)
    for h in heights:
        assert h >= 12
        assert least <= h / short <= 0.08, (h, short)
    lay = overlay.label_layout(height, width, LABELS)
    # the text sits in the box, a margin from its edges
    assert min(x0, y0) >= lay.pad_px // 2
    assert x1 < lay.panel_w_px - lay.pad_px // 2 and y1 < lay.panel_h_px - lay.pad_px // 2
    box = img[: lay.panel_h_px, : lay.panel_w_px]
    not_text = box[(box < 120).any(axis=2)]
    assert (
        not_text.size > box.size / 2 and not_text.mean() < 0.3 * GREY
    )  # a dark box behind white text
    assert (img[lay.panel_h_px + 1 :] == GREY).all()  # nothing drawn below it


def test_many_labels_on_a_small_frame_stay_readable_and_apart() -> None:
    """Ten labels on a 320 x 240 webcam picture: never below the minimum size, lines
    apart (one run of text per label)."""
    labels = [f"label {i}: {10 * i} deg" for i in range(10)]
    rgb = np.full((240, 320, 3), GREY, np.uint8)
    img = overlay.draw_frame(rgb, np.full((33, 2), np.nan), labels)
    heights, _ = _text_lines(img)
    assert len(heights) == 10
    assert min(heights) >= 12


def test_the_live_preview_draws_the_same_labels(tmp_path: Path) -> None:
    """The live view's frames are the overlay's drawing, pixel for pixel."""
    from rom.app.live import LiveSession
    from rom.metrics.results import describe_value

    live = LiveSession(tmp_path / "unused.task", None, tmp_path)
    rgb = np.full((360, 640, 3), GREY, np.uint8)
    labels = [describe_value(c, float("nan")) for c in live.columns]
    drawn = live.draw(rgb)
    assert np.array_equal(drawn, overlay.draw_frame(rgb, np.full((33, 2), np.nan), labels))
    heights, _ = _text_lines(drawn)
    assert len(heights) == len(labels)
