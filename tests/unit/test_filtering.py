"""Tests of rom.metrics.filtering: gaps stay gaps, constants stay constant, spikes go."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rom.errors import ConfigError, RomWarning
from rom.metrics.filtering import (
    FilterSettings,
    bound_unsigned,
    filter_angles,
    hampel,
    hampel_mask,
    interpolate_gaps,
    lowpass,
    runs,
    sampling_rate_hz,
    valid_fraction,
)
from rom.metrics.series import AngleSeries


def make_time(n: int, fps: float = 30.0) -> np.ndarray:
    return np.arange(n) / fps


def make_angles(values: np.ndarray, fps: float = 30.0) -> AngleSeries:
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    names = tuple(
        f"elbow_flexion_{'left' if i % 2 == 0 else 'right'}_deg" for i in range(values.shape[1])
    )
    if len(set(names)) != len(names):
        names = tuple(f"angle{i}_deg" for i in range(values.shape[1]))
    return AngleSeries(make_time(len(values), fps), names, values)


# --- helpers --------------------------------------------------------------------------


def test_runs_finds_contiguous_true_stretches() -> None:
    assert runs(np.array([True, True, False, True])) == [(0, 2), (3, 4)]
    assert runs(np.array([False, False])) == []


def test_sampling_rate_uses_median_spacing_despite_a_dropped_frame() -> None:
    t = np.delete(make_time(31), 10)  # one frame dropped
    assert sampling_rate_hz(t) == pytest.approx(30.0)


def test_valid_fraction_counts_finite_entries() -> None:
    assert valid_fraction(np.array([1.0, np.nan, np.inf, 4.0])) == 0.5
    assert valid_fraction(np.empty(0)) == 0.0


# --- interpolate_gaps ---------------------------------------------------------------------


def test_short_gap_is_filled_linearly() -> None:
    t = make_time(10)
    x = np.arange(10, dtype=float) * 3.0
    x[4:7] = np.nan  # span between valid samples 3 and 7: 4 frames = 0.133 s
    out = interpolate_gaps(x, t, max_gap_s=0.25)
    np.testing.assert_allclose(out, np.arange(10) * 3.0)


def test_long_gap_and_edges_stay_missing() -> None:
    t = make_time(30)
    x = np.ones(30)
    x[:2] = np.nan
    x[10:20] = np.nan  # 0.367 s span
    x[-1] = np.nan
    out = interpolate_gaps(x, t, max_gap_s=0.25)
    assert np.isnan(out[:2]).all() and np.isnan(out[10:20]).all() and np.isnan(out[-1])
    assert np.isfinite(out[2:10]).all()


def test_gap_span_limit_is_inclusive_at_30_fps() -> None:
    t = make_time(20)
    six, seven = np.ones(20), np.ones(20)
    six[5:11] = np.nan  # span 7 frames = 0.233 s: bridged
    seven[5:12] = np.nan  # span 8 frames = 0.267 s: not bridged
    assert np.isfinite(interpolate_gaps(six, t, max_gap_s=0.25)).all()
    assert np.isnan(interpolate_gaps(seven, t, max_gap_s=0.25)[5:12]).all()


def test_interpolation_works_column_by_column_on_2d_input() -> None:
    t = make_time(5)
    x = np.array([[0.0, 0.0], [np.nan, 1.0], [2.0, np.nan], [3.0, 3.0], [4.0, 4.0]])
    np.testing.assert_allclose(interpolate_gaps(x, t), [[0, 0], [1, 1], [2, 2], [3, 3], [4, 4]])


def test_pchip_does_not_overshoot() -> None:
    t = make_time(8)
    x = np.array([0.0, 0.0, 0.0, np.nan, 10.0, 10.0, 10.0, 10.0])
    out = interpolate_gaps(x, t, method="pchip")
    assert 0.0 <= out[3] <= 10.0


# --- hampel ---------------------------------------------------------------------------------


def slow_movement(t: np.ndarray) -> np.ndarray:
    """Still for 1 s at 0 deg, then 60 deg excursions at 0.2 Hz (a clinical ROM pace)."""
    return np.where(t < 1.0, 0.0, 60 * np.sin(2 * np.pi * 0.2 * (t - 1.0)))


def test_hampel_removes_spikes_on_a_smooth_movement() -> None:
    t = make_time(300)
    clean = slow_movement(t)
    x = clean.copy()
    spikes = [10, 50, 100, 151, 220]
    x[spikes] += np.array([60.0, -80.0, 90.0, 70.0, -60.0])
    out = hampel(x, t, window_s=0.5)
    assert np.abs(out[spikes] - clean[spikes]).max() < 3.0
    # the untouched samples are unchanged: the peaks of the movement survive
    others = np.setdiff1d(np.arange(300), spikes)
    np.testing.assert_array_equal(out[others], x[others])


def test_hampel_keeps_a_fast_movement_intact_including_its_ends() -> None:
    t = make_time(300)
    x = 90 * np.sin(2 * np.pi * 1.0 * t + 0.3)  # 1 s repetitions: fast for a ROM test
    x[150:160] = np.nan  # the frames next to a gap have one-sided context only
    assert not hampel_mask(x, t, window_s=0.5).any()


def test_hampel_leaves_the_first_frames_untested() -> None:
    t = make_time(60)
    x = np.zeros(60)
    x[0] = 90.0  # no context before it: cannot tell a spike from a movement
    x[30] = 90.0
    out = hampel(x, t, window_s=0.5)
    assert out[0] == 90.0 and out[30] == 0.0


def test_hampel_ignores_nan_and_can_mark_outliers_as_nan() -> None:
    x = np.array([1.0, np.nan, 1.1, 0.9, 50.0, 1.0, np.nan, 1.05, 0.95])
    mask = hampel_mask(x, window_frames=5)
    assert mask.tolist() == [False] * 4 + [True] + [False] * 4
    out = hampel(x, window_frames=5, replace="nan")
    assert np.isnan(out[[1, 4, 6]]).all() and np.isfinite(np.delete(out, [1, 4, 6])).all()


def test_hampel_needs_a_window() -> None:
    with pytest.raises(ValueError, match="window"):
        hampel(np.zeros(10), None, window_s=0.5)


# --- lowpass --------------------------------------------------------------------------------


def test_1_hz_passes_and_15_hz_is_attenuated() -> None:
    fs = 100.0
    t = make_time(1000, fs)
    slow = 30 * np.sin(2 * np.pi * 1.0 * t)
    fast = 10 * np.sin(2 * np.pi * 15.0 * t)
    out = lowpass(slow + fast, t, cutoff_hz=6.0, order=4)
    inner = slice(100, -100)  # away from the edges
    residual_fast = out[inner] - slow[inner]
    # 1 Hz amplitude kept within 1 %
    assert np.abs(out[inner]).max() == pytest.approx(30.0, rel=0.01)
    # 15 Hz amplitude reduced by more than 90 %
    assert np.abs(residual_fast).max() < 0.1 * 10.0


def test_lowpass_never_crosses_a_gap_and_keeps_nan() -> None:
    t = make_time(200)
    x = np.where(t < 3.0, 0.0, 100.0)  # a step exactly inside the gap
    x[85:95] = np.nan
    out = lowpass(x, t, cutoff_hz=2.0)
    assert np.isnan(out[85:95]).all()
    np.testing.assert_allclose(out[:85], 0.0, atol=1e-9)  # no ringing from the step
    np.testing.assert_allclose(out[95:], 100.0, atol=1e-9)


def test_short_runs_are_left_unfiltered() -> None:
    t = make_time(40)
    rng = np.random.default_rng(0)
    x = rng.normal(size=40)
    x[10] = np.nan
    x[20] = np.nan  # run 11..19 is 9 samples: too short for order-4 padding
    out = lowpass(x, t)
    np.testing.assert_array_equal(out[11:20], x[11:20])
    assert not np.allclose(out[21:], x[21:])


def test_cutoff_at_or_above_nyquist_warns_and_returns_input() -> None:
    t = make_time(100, 10.0)
    x = np.random.default_rng(1).normal(size=100)
    with pytest.warns(RomWarning, match="Nyquist"):
        out = lowpass(x, t, cutoff_hz=6.0)
    np.testing.assert_array_equal(out, x)


# --- FilterSettings and filter_angles -----------------------------------------------------


def test_bad_settings_raise_config_error_naming_the_setting() -> None:
    with pytest.raises(ConfigError, match="cutoff_hz"):
        FilterSettings(cutoff_hz=0)
    with pytest.raises(ConfigError, match="order"):
        FilterSettings(order=2.5)  # type: ignore[arg-type]


def test_all_stages_off_is_identity() -> None:
    x = np.random.default_rng(2).normal(size=(50, 2))
    x[5, 0] = np.nan
    a = make_angles(x)
    out = filter_angles(a, FilterSettings.off())
    np.testing.assert_array_equal(out.values_deg, a.values_deg)
    assert out.names == a.names and out.time_s is a.time_s


def test_chain_removes_spike_fills_short_gap_keeps_long_gap() -> None:
    t = make_time(300)
    x = 45 * np.sin(2 * np.pi * 0.4 * t)
    clean = x.copy()
    x[60] += 80.0  # spike
    x[100:103] = np.nan  # short gap: filled
    x[200:240] = np.nan  # long gap: stays
    out = filter_angles(make_angles(x), FilterSettings())["elbow_flexion_left_deg"]
    assert np.isnan(out[200:240]).all()
    assert np.isfinite(np.delete(out, np.arange(200, 240))).all()
    ok = np.isfinite(out)
    assert np.abs(out[ok] - clean[ok]).max() < 1.5


def test_filter_does_not_rewrap_continuous_angles() -> None:
    t = make_time(150)
    x = 170 + 40 * t  # crosses 180 deg, unwrapped
    out = filter_angles(make_angles(x))["elbow_flexion_left_deg"]
    np.testing.assert_allclose(out, x, atol=0.01)


# --- property tests -------------------------------------------------------------------------

finite = st.floats(-180, 180, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(arrays(float, st.tuples(st.integers(1, 120), st.integers(1, 3)), elements=finite))
def test_valid_input_never_gives_nan_or_exceptions(x: np.ndarray) -> None:
    from rom.metrics.filtering import filter_angles_with_report

    a = make_angles(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning either, at 30 fps with 6 Hz
        clean, report = filter_angles_with_report(a)
    out = clean.values_deg
    assert out.shape == x.shape
    # a value is missing only where the report says a landmark error was removed: in the
    # clip's first or last few frames (nothing to interpolate from beyond them)
    for j, name in enumerate(a.names):
        assert not report[name].gap_edge_times_s  # no gap in valid input
        removed = np.isin(a.time_s, report[name].clip_end_times_s)
        assert np.isfinite(out[~removed, j]).all()
        assert set(np.flatnonzero(removed)) <= {0, len(x) - 1}


@settings(max_examples=60, deadline=None)
@given(
    arrays(float, st.integers(40, 150), elements=finite),
    st.integers(0, 30),
    st.integers(9, 20),
)
def test_long_gaps_stay_missing(x: np.ndarray, start: int, length: int) -> None:
    x = x.copy()
    x[start : start + length] = np.nan  # >= 9 missing frames: span >= 0.33 s at 30 fps
    out = filter_angles(make_angles(x))["elbow_flexion_left_deg"]
    assert np.isnan(out[start : start + length]).all()


@settings(max_examples=60, deadline=None)
@given(finite, st.integers(1, 200))
def test_constant_stays_constant(value: float, n: int) -> None:
    out = filter_angles(make_angles(np.full(n, value)))["elbow_flexion_left_deg"]
    np.testing.assert_allclose(out, value, atol=1e-8)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(8, 291), min_size=1, max_size=5, unique=True),
    st.floats(60, 150),
    st.sampled_from([1.0, -1.0]),
)
def test_isolated_spikes_are_removed(positions: list[int], height: float, sign: float) -> None:
    # Isolated (>= 8 frames apart), away from the truncated windows at the ends, larger
    # than the local spread of a clinical-pace movement (Hampel's detection limit).
    positions = sorted(positions)
    if np.any(np.diff(positions) < 8):
        positions = positions[:1]
    t = make_time(300)
    clean = slow_movement(t)
    x = clean.copy()
    x[positions] += sign * height
    out = hampel(x, t, window_s=0.5)
    assert np.abs(out - clean).max() < 3.0


def test_unsigned_angles_never_filter_below_zero() -> None:
    """A low-pass overshoots at a sharp return to full extension; elbow flexion must not
    read negative, while a signed angle keeps its sign."""
    t = np.arange(120) / 30
    elbow = np.where((t > 1) & (t < 2), 120.0, 0.0)
    a = AngleSeries(
        t,
        ("elbow_flexion_left_deg", "shoulder_flexion_left_deg"),
        np.column_stack([elbow, elbow - 10]),
    )
    filtered = filter_angles(a, FilterSettings(hampel=False))
    assert np.nanmin(filtered["elbow_flexion_left_deg"]) < 0.0  # the overshoot is real
    out = bound_unsigned(filtered)
    assert np.nanmin(out["elbow_flexion_left_deg"]) == 0.0
    assert np.nanmin(out["shoulder_flexion_left_deg"]) < -10.0


# --- samples at the edges of gaps (issue 8) ----------------------------------------------


def _edge_case(n: int = 90, gap: slice = slice(45, 58)) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(n) / 30
    x = 40 + 20 * np.sin(2 * np.pi * t / 3)
    x[gap] = np.nan
    return x, t


def test_a_bad_sample_before_a_long_gap_is_removed_but_not_its_neighbours() -> None:
    from rom.metrics.filtering import gap_edge_outlier_mask

    x, t = _edge_case()
    x[44] = 2.4  # the frame before the person is lost
    assert np.flatnonzero(gap_edge_outlier_mask(x, t)).tolist() == [44]
    x[58] = 95.0  # and the first frame after they are found again
    assert np.flatnonzero(gap_edge_outlier_mask(x, t)).tolist() == [44, 58]


def test_a_fast_real_movement_into_a_gap_is_kept() -> None:
    from rom.metrics.filtering import gap_edge_outlier_mask

    t = np.arange(90) / 30
    x = 75 * np.sin(np.pi * t) ** 2  # 1 s raises of 75 deg: up to 235 deg/s
    for start in range(10, 60, 7):
        y = x.copy()
        y[start : start + 12] = np.nan
        assert not gap_edge_outlier_mask(y, t).any(), start


def test_short_gaps_are_left_to_hampel() -> None:
    from rom.metrics.filtering import gap_edge_outlier_mask

    x, t = _edge_case(gap=slice(45, 47))  # 2 frames: Hampel sees across it
    x[44] = 2.4
    assert not gap_edge_outlier_mask(x, t).any()


def test_a_bad_first_or_last_frame_of_the_clip_is_removed() -> None:
    """Hampel tests no sample in the clip's first and last few frames (one-sided window):
    a recording stopped at the top of a raise read 191 deg in its last frame after 145
    and 149 and kept it, so the whole side was 'past what a shoulder can reach'."""
    from rom.metrics.filtering import (
        filter_angles_with_report,
        gap_edge_outlier_mask,
        hampel_mask,
    )

    x, t = _edge_case(gap=slice(0, 0))  # every frame valid
    x[-1], x[0] = -50.0, 120.0
    assert not hampel_mask(x, t).any()  # Hampel cannot judge them
    assert np.flatnonzero(gap_edge_outlier_mask(x, t)).tolist() == [0, len(x) - 1]
    raise_ = np.r_[np.linspace(10, 145, 25), 149.0, 191.0]  # the recording's end
    clean, report = filter_angles_with_report(
        AngleSeries(np.arange(27) / 30, ("a",), raise_[:, None])
    )
    assert np.nanmax(clean["a"]) < 155.0
    assert report["a"].clip_end_times_s == pytest.approx((26 / 30,))
    assert report["a"].notes() == [
        (
            "1 value(s) at the clip's start or end (at 0.87 s) disagreed with the frames "
            "around them and were removed as landmark errors"
        )
    ]


def test_a_fast_real_movement_at_the_start_or_end_of_the_clip_is_kept() -> None:
    from rom.metrics.filtering import gap_edge_outlier_mask

    t = np.arange(90) / 30
    x = 75 * np.sin(np.pi * t) ** 2  # 1 s raises of 75 deg: up to 235 deg/s
    for cut in range(10, 60, 3):
        assert not gap_edge_outlier_mask(x[cut:], t[cut:]).any(), cut
        assert not gap_edge_outlier_mask(x[: cut + 20], t[: cut + 20]).any(), cut
    # a recording starting mid-raise (MediaPipe's readings, with a spike in its third
    # frame): its first frames are the raise, not errors
    start = np.r_[97.9, 108.4, 150.4, 125.3, 136.6, 151.0, 153.7, 156.2, 153.6, 151.2]
    assert not gap_edge_outlier_mask(start, t[:10]).any()


def test_an_isolated_detection_is_judged_by_the_runs_around_it() -> None:
    from rom.metrics.filtering import gap_edge_outlier_mask

    t = np.arange(60) / 30
    x = np.full(60, np.nan)
    x[20:60] = 10.0
    x[3], x[12] = 70.0, 12.0  # islands: one far from what follows, one close to it
    assert np.flatnonzero(gap_edge_outlier_mask(x, t)).tolist() == [3]
    lonely = np.full(60, np.nan)
    lonely[3] = 70.0
    assert not gap_edge_outlier_mask(lonely, t).any()  # nothing to compare with


def test_the_filter_reports_what_it_removed() -> None:
    from rom.metrics.filtering import filter_angles_with_report

    x, t = _edge_case()
    x[44] = 2.4
    a = AngleSeries(t, ("neck_rotation_deg",), x[:, None])
    clean, report = filter_angles_with_report(a)
    r = report["neck_rotation_deg"]
    assert r.gap_edge_times_s == pytest.approx((t[44],))
    assert "removed as landmark errors" in r.notes()[0]
    assert np.nanmin(clean["neck_rotation_deg"]) > 15
