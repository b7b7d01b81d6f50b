"""Property-based tests (Hypothesis) of every pure function that takes arrays or user text:
no crash, no NaN where a number is due, no output of the wrong length.

Angles on plausible poses, the geometry and the filters have their own property tests
(test_geometry_properties.py, test_filtering.py); here each function gets inputs as bad
as real clips and users give: missing frames, degenerate landmarks, irregular time, any
text in a protocol file or a command-line option.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rom.errors import ConfigError
from rom.landmarks import N_LANDMARKS
from rom.metrics import catalogue
from rom.metrics.angles import compute_angles
from rom.metrics.asymmetry import compute_asymmetry, symmetry_index
from rom.metrics.filtering import FilterSettings, bound_unsigned, filter_angles
from rom.metrics.laterality import fix_label_swaps
from rom.metrics.posture import POSTURE_ANGLES, compute_posture
from rom.metrics.protocols import load_protocols
from rom.metrics.rom_summary import detect_neutral, summarize_angle, summarize_angles
from rom.metrics.series import AngleSeries
from rom.metrics.view import compute_view
from rom.pose.tracking import PersonChoice
from rom.sequence import PoseSequence

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- building blocks ------------------------------------------------------------------


@st.composite
def clip_times(draw, n: int) -> np.ndarray:
    """Strictly increasing times as rom produces them: steps of at least a quarter of the
    frame interval (rom.pose.timestamps), irregular (variable frame rate, dropped frames)."""
    fps = draw(st.sampled_from([5.0, 15.0, 25.0, 29.97, 30.0, 60.0, 119.88, 240.0]))
    steps = draw(arrays(float, n, elements=st.floats(0.25, 4.0), fill=st.just(1.0))) / fps
    return np.concatenate([[0.0], np.cumsum(steps[1:])]) if n else np.zeros(0)


def angle_trace(n: int):
    """Degrees with missing frames (NaN), spikes, plateaus and wild values."""
    return arrays(
        float,
        n,
        elements=st.one_of(
            st.floats(-180.0, 180.0),
            st.just(np.nan),
            st.just(0.0),
            st.floats(-1e4, 1e4),
        ),
    )


@st.composite
def traces(draw, max_frames: int = 150) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(0, max_frames))
    return draw(angle_trace(n)), draw(clip_times(n))


def _finite_or_nan(x: object) -> bool:
    return isinstance(x, float) and not math.isinf(x)


# --- ROM summary ------------------------------------------------------------------------


@FUZZ
@given(tr=traces(), signed=st.booleans(), hold=st.sampled_from([0.0, 0.1]))
def test_summarize_angle_any_trace(
    tr: tuple[np.ndarray, np.ndarray], signed: bool, hold: float
) -> None:
    x, t = tr
    s = summarize_angle(
        x,
        t,
        positive_label="flexion (forwards)",
        negative_label="extension" if signed else None,
        peak_hold_s=hold,
    )
    valid = np.isfinite(x)
    assert s["n_frames"] == len(x) and s["quality"]["n_valid"] == int(valid.sum())
    assert set(s["directions"]) == ({"positive", "negative"} if signed else {"positive"})
    for key in ("min_deg", "max_deg", "median_deg", "neutral_deg", "peak_velocity_deg_s"):
        assert _finite_or_nan(s[key]), (key, s[key])
    if valid.any():  # a measured angle always has its extremes and median
        lo, hi = float(np.min(x[valid])), float(np.max(x[valid]))
        assert lo - 1e-9 <= s["min_deg"] <= s["max_deg"] <= hi + 1e-9
        assert lo - 1e-9 <= s["median_deg"] <= hi + 1e-9
        if hold == 0:  # without a hold the extremes are the data's own
            assert (s["min_deg"], s["max_deg"]) == (lo, hi)
        assert s["directions"]["positive"]["peak_deg"] == s["max_deg"]
        if signed:
            assert s["directions"]["negative"]["peak_deg"] == s["min_deg"]
    else:
        assert math.isnan(s["max_deg"]) and not s["directions"]["positive"]["performed"]
    if len(x) >= 2 and np.any(valid[1:] & valid[:-1]):
        assert math.isfinite(s["peak_velocity_deg_s"]) and s["peak_velocity_deg_s"] >= 0
    for d in s["directions"].values():
        assert d["n_reps"] == len(d["rep_peaks_deg"]) == len(d["rep_times_s"])
        assert all(math.isfinite(v) for v in d["rep_peaks_deg"] + d["rep_times_s"])
        assert isinstance(d["performed"], bool)


@FUZZ
@given(tr=traces(max_frames=90))
def test_detect_neutral_is_within_the_data_or_nan(tr: tuple[np.ndarray, np.ndarray]) -> None:
    x, t = tr
    neutral, start, end = detect_neutral(x, t)
    if math.isnan(neutral):
        assert math.isnan(start) and math.isnan(end)
    else:
        valid = x[np.isfinite(x)]
        assert valid.min() - 1e-9 <= neutral <= valid.max() + 1e-9 and start <= end


# --- asymmetry ----------------------------------------------------------------------------


@given(st.floats(allow_nan=True), st.floats(allow_nan=True))
def test_symmetry_index_is_bounded_and_antisymmetric(r: float, lft: float) -> None:
    si = symmetry_index(r, lft)
    assert math.isnan(si) or -200.0 <= si <= 200.0
    other = symmetry_index(lft, r)
    assert (math.isnan(si) and math.isnan(other)) or si == pytest.approx(-other)


_PAIRS = [
    "shoulder_flexion_left_deg",
    "shoulder_flexion_right_deg",
    "elbow_flexion_left_deg",
    "elbow_flexion_right_deg",
    "neck_rotation_deg",
    "trunk_lateral_flexion_3d_deg",
]


@FUZZ
@given(data=st.data(), n=st.integers(0, 120), reference=st.sampled_from(["zero", "neutral"]))
def test_asymmetry_of_any_summary(data: st.DataObject, n: int, reference: str) -> None:
    t = data.draw(clip_times(n))
    values = np.column_stack([data.draw(angle_trace(n)) for _ in _PAIRS]) if n else np.empty((0, 6))
    rom = summarize_angles(AngleSeries(t, tuple(_PAIRS), values.reshape(n, len(_PAIRS))))
    asym = compute_asymmetry(rom, reference=reference)  # type: ignore[arg-type]
    assert set(asym) == {
        "shoulder_flexion_deg",
        "elbow_flexion_deg",
        "neck_rotation_deg",
        "trunk_lateral_flexion_3d_deg",
    }
    for rows in asym.values():
        for row in rows.values():
            r, lft = row["right_deg"], row["left_deg"]
            for v in (r, lft, row["diff_deg"], row["si_pct"]):
                assert v is None or _finite_or_nan(float(v))
            if r is not None and lft is not None and math.isfinite(r) and math.isfinite(lft):
                assert row["diff_deg"] == pytest.approx(r - lft)  # a number is due


# --- posture ------------------------------------------------------------------------------


@FUZZ
@given(data=st.data(), n=st.integers(0, 120), use_3d=st.booleans())
def test_posture_of_any_angles(data: st.DataObject, n: int, use_3d: bool) -> None:
    t = data.draw(clip_times(n))
    cols = {f"{a}_deg": data.draw(angle_trace(n)) for a in POSTURE_ANGLES}
    cols.update({f"{a}_3d_deg": data.draw(angle_trace(n)) for a in POSTURE_ANGLES[:4]})
    angles = AngleSeries.from_dict(t, cols)
    p = compute_posture(angles, use_3d=use_3d)
    for a in POSTURE_ANGLES:
        col = f"{a}_3d_deg" if use_3d and f"{a}_3d_deg" in cols else f"{a}_deg"
        v = p[f"{a}_deg"]
        assert _finite_or_nan(v)
        if not np.isfinite(cols[col]).any():
            assert math.isnan(v)
    assert 0 <= p["n_frames_used"] <= n
    assert p["frames_used"] in ("still", "none")
    if p["frames_used"] == "none":  # no still period: no posture value at all
        assert all(math.isnan(p[f"{a}_deg"]) for a in POSTURE_ANGLES)


# --- filters: any settings a user can type, any trace ---------------------------------------

setting = st.one_of(
    st.floats(-10, 100), st.just(math.nan), st.just(math.inf), st.just(0.0), st.just(-math.inf)
)


@FUZZ
@given(
    tr=traces(max_frames=120),
    window=setting,
    sigmas=setting,
    gap=setting,
    cutoff=setting,
    order=st.integers(-2, 8),
)
def test_filter_settings_are_refused_clearly_or_give_the_right_shape(
    tr: tuple[np.ndarray, np.ndarray],
    window: float,
    sigmas: float,
    gap: float,
    cutoff: float,
    order: int,
) -> None:
    x, t = tr
    try:
        s = FilterSettings(
            hampel_window_s=window,
            hampel_n_sigmas=sigmas,
            max_gap_s=gap,
            cutoff_hz=cutoff,
            order=order,
        )
    except ConfigError as exc:
        assert "filter setting" in str(exc)
        return
    a = AngleSeries(t, ("elbow_flexion_left_deg", "neck_rotation_deg"), np.column_stack([x, -x]))
    with np.errstate(all="ignore"):
        out = bound_unsigned(filter_angles(a, s))
    assert out.values_deg.shape == a.values_deg.shape
    assert not np.isinf(out.values_deg).any()
    # A frame measured before filtering still has a number after it (gaps only get filled).
    measured = np.isfinite(a.values_deg)
    assert np.isfinite(out.values_deg[measured]).all()
    el = out.values_deg[:, 0]
    assert np.all((el[np.isfinite(el)] >= 0) & (el[np.isfinite(el)] <= 180))


# --- angles, view and left/right relabelling on arbitrary landmarks ------------------------


@st.composite
def sequences(draw) -> PoseSequence:
    n = draw(st.integers(1, 40))
    coord = st.one_of(st.floats(-2000, 2000), st.just(np.nan), st.just(0.0))
    image = draw(arrays(np.float32, (n, N_LANDMARKS, 3), elements=coord))
    world = draw(
        arrays(
            np.float32, (n, N_LANDMARKS, 3), elements=st.one_of(st.floats(-2, 2), st.just(np.nan))
        )
    )
    vis = draw(arrays(np.float32, (n, N_LANDMARKS), elements=st.floats(0, 1)))
    t = draw(clip_times(n))
    return PoseSequence(image, world, vis, vis.copy(), t, (1280, 720))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seq=sequences())
def test_angles_of_arbitrary_landmarks(seq: PoseSequence) -> None:
    with np.errstate(all="ignore"):
        a = compute_angles(seq)
    assert a.values_deg.shape == (seq.n_frames, len(catalogue.columns()))
    assert not np.isinf(a.values_deg).any()
    for j, name in enumerate(a.names):
        v = a.values_deg[:, j]
        if not catalogue.angle_def(name).signed:
            v = v[np.isfinite(v)]
            assert np.all((v >= -1e-6) & (v <= 180 + 1e-6)), name


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seq=sequences())
def test_view_and_label_swaps_of_arbitrary_landmarks(seq: PoseSequence) -> None:
    with np.errstate(all="ignore"):
        view = compute_view(seq)
        fixed, swaps = fix_label_swaps(seq)
    assert isinstance(view.label, str)
    assert fixed.image_xyz.shape == seq.image_xyz.shape
    assert 0 <= swaps.n_image <= seq.n_frames and 0 <= swaps.n_world <= seq.n_frames
    # Relabelling only exchanges left and right: the set of points per frame is kept.
    np.testing.assert_array_equal(
        np.sort(np.nan_to_num(fixed.image_xyz[..., 0], nan=-1), axis=1),
        np.sort(np.nan_to_num(seq.image_xyz[..., 0], nan=-1), axis=1),
    )


# --- user text: protocol files and the --person option -------------------------------------

VALID = """
[my-test]
title = "Shoulder abduction, seated"
kind = "rom"
views = ["front", "back"]
sides = ["left", "right"]
angles = ["shoulder_abduction_left_deg", "shoulder_abduction_right_deg"]
landmarks = ["{side}_shoulder", "{side}_elbow", "{side}_hip"]
instructions = "Raise both arms sideways."

[my-test.norms.shoulder_abduction]
source = "AAOS 1965"
positive = { normal_deg = 180, min_deg = 150 }
"""

values = st.one_of(
    st.integers(-5, 500).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(
        [
            '"front"',
            '["front"]',
            "[]",
            '["left", "up"]',
            '""',
            "true",
            "{}",
            '["shoulder_abduction_left_deg"]',
            '["nose"]',
            '"x"',
            "inf",
            "nan",
            '{ normal_deg = "a" }',
            "{ min_deg = 10, max_deg = 5, normal_deg = 1 }",
        ]
    ),
)
keys = st.sampled_from(
    [
        "title",
        "kind",
        "views",
        "sides",
        "angles",
        "landmarks",
        "instructions",
        "norms",
        "positive",
        "source",
        "colour",
        "normal_deg",
    ]
)


def _load(tmp_path: Path, text: str | bytes):
    p = tmp_path / "mine.toml"
    p.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    try:
        return load_protocols(p)
    except ConfigError as exc:
        message = str(exc)
        assert "\n" not in message.strip() and "mine.toml" in message, message
        return None


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(line=st.integers(0, 15), key=keys, value=values)
def test_protocol_file_with_one_line_changed(
    tmp_path: Path, line: int, key: str, value: str
) -> None:
    lines = VALID.strip().splitlines()
    lines.insert(line, f"{key} = {value}")
    got = _load(tmp_path, "\n".join(lines))
    if got is not None:
        assert "my-test" in got


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.one_of(st.text(max_size=300), st.binary(max_size=300)))
def test_protocol_file_of_any_text(tmp_path: Path, text: str | bytes) -> None:
    try:
        if isinstance(text, str):
            text.encode("utf-8")
    except UnicodeEncodeError:
        return  # lone surrogates cannot be in a file
    got = _load(tmp_path, text)
    if got is not None:
        assert "cervical-rotation" in got  # the packaged protocols are always there


@given(text=st.text(max_size=30))
def test_person_option_of_any_text(text: str) -> None:
    try:
        choice = PersonChoice.parse(text)
    except ValueError:
        return  # the CLI turns this into a one-line "--person ..." error
    if choice is None:
        assert text == ""
    elif choice.index is not None:
        assert choice.index >= 0
    else:
        assert choice.point_px is not None and all(math.isfinite(v) for v in choice.point_px)
