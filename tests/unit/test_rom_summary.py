"""Tests of rom.metrics.rom_summary on synthetic traces with known answers."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from rom.errors import RomWarning
from rom.metrics.rom_summary import (
    detect_neutral,
    short_label,
    summarize_angle,
    summarize_angles,
)
from rom.metrics.series import AngleSeries

FPS = 30.0


def reps_trace(
    peaks_deg: list[float],
    *,
    neutral_deg: float = 0.0,
    still_s: float = 2.0,
    rep_s: float = 3.0,
    tail_s: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Still at neutral, then one smooth excursion per entry of peaks_deg, then still."""
    t = np.arange(0, still_s + rep_s * len(peaks_deg) + tail_s, 1 / FPS)
    x = np.full(t.shape, neutral_deg)
    for i, peak in enumerate(peaks_deg):
        start = still_s + i * rep_s
        inside = (t >= start) & (t < start + rep_s)
        phase = (t[inside] - start) / rep_s
        x[inside] = neutral_deg + (peak - neutral_deg) * np.sin(np.pi * phase) ** 2
    return t, x


def summarize(x: np.ndarray, t: np.ndarray, **kw: Any) -> dict[str, Any]:
    """Summary of synthetic traces whose sharp peaks are exact (no peak hold)."""
    kw.setdefault("peak_hold_s", 0.0)
    return summarize_angle(
        x, t, positive_label="flexion (forwards)", negative_label="extension", **kw
    )


# --- labels and neutral -------------------------------------------------------------------


def test_short_label_drops_the_explanation() -> None:
    assert short_label("flexion (chin towards chest)") == "flexion"
    assert short_label("side bend to the right") == "side bend to the right"


def test_neutral_is_the_still_start_not_the_movement() -> None:
    t, x = reps_trace([120.0], neutral_deg=12.0, still_s=1.5)
    x = x + np.random.default_rng(0).normal(0, 0.5, x.shape)  # landmark jitter
    neutral, start, end = detect_neutral(x, t)
    assert neutral == pytest.approx(12.0, abs=0.5)
    assert start == 0.0 and end <= 1.0 + 1e-9


def test_neutral_found_after_missing_first_frames() -> None:
    t, x = reps_trace([90.0], neutral_deg=-5.0)
    x[:10] = np.nan  # person not detected yet
    neutral, start, _ = detect_neutral(x, t)
    assert neutral == pytest.approx(-5.0) and start == pytest.approx(t[10])


def test_no_neutral_when_the_client_moves_at_once() -> None:
    t = np.arange(0, 6, 1 / FPS)
    x = 60 * np.sin(2 * np.pi * 0.5 * t)
    s = summarize(x, t)
    assert s["neutral_source"] == "not_found" and np.isnan(s["neutral_deg"])
    assert not s["quality"]["neutral_found"]
    assert np.isnan(s["directions"]["positive"]["excursion_deg"])
    assert s["directions"]["positive"]["peak_deg"] == pytest.approx(60, abs=0.1)
    assert any("neutral" in w for w in s["warnings"])


def test_given_neutral_is_used() -> None:
    t, x = reps_trace([100.0], neutral_deg=10.0)
    s = summarize(x, t, neutral_deg=4.0)
    assert s["neutral_source"] == "given" and s["neutral_deg"] == 4.0
    assert s["directions"]["positive"]["excursion_deg"] == pytest.approx(96.0, abs=0.01)


# --- peaks and repetitions ----------------------------------------------------------------


def test_three_repetitions_counted_with_mean_and_sd() -> None:
    peaks = [150.0, 160.0, 170.0]
    t, x = reps_trace(peaks, neutral_deg=5.0)
    s = summarize(x, t)
    pos = s["directions"]["positive"]
    assert s["neutral_deg"] == pytest.approx(5.0)
    assert pos["n_reps"] == 3
    np.testing.assert_allclose(pos["rep_peaks_deg"], peaks, atol=0.1)
    np.testing.assert_allclose(pos["rep_times_s"], [3.5, 6.5, 9.5], atol=1 / FPS)
    assert pos["rep_mean_deg"] == pytest.approx(160.0, abs=0.1)
    assert pos["rep_sd_deg"] == pytest.approx(10.0, abs=0.1)  # sample SD, ddof=1
    assert pos["peak_deg"] == pytest.approx(170.0, abs=0.1)
    assert pos["excursion_deg"] == pytest.approx(165.0, abs=0.1)
    assert pos["performed"] and not pos["peak_at_edge"] and not pos["peak_near_gap"]
    # no extension was done: the returns to neutral are not extension repetitions
    neg = s["directions"]["negative"]
    assert neg["n_reps"] == 0 and not neg["performed"]
    assert np.isnan(neg["rep_mean_deg"]) and np.isnan(neg["rep_sd_deg"])
    assert s["arc_deg"] == pytest.approx(165.0, abs=0.1)


def test_signed_angle_reports_both_directions() -> None:
    # neck rotation: right +70, left -60, right +70, left -60
    t, x = reps_trace([70.0, -60.0, 70.0, -60.0])
    s = summarize_angle(
        x, t, positive_label="rotation to the right", negative_label="rotation to the left"
    )
    pos, neg = s["directions"]["positive"], s["directions"]["negative"]
    assert (pos["n_reps"], neg["n_reps"]) == (2, 2)
    assert pos["peak_deg"] == pytest.approx(70, abs=0.1)
    assert neg["peak_deg"] == pytest.approx(-60, abs=0.1)
    assert neg["excursion_deg"] == pytest.approx(60, abs=0.1)
    assert s["max_deg"] - s["min_deg"] == pytest.approx(s["arc_deg"])
    assert s["arc_deg"] == pytest.approx(130, abs=0.2)


def test_returns_to_neutral_between_same_side_reps_are_not_opposite_reps() -> None:
    t, x = reps_trace([-50.0, -50.0, -50.0])  # three left turns
    s = summarize(x, t)
    assert s["directions"]["negative"]["n_reps"] == 3
    assert s["directions"]["positive"]["n_reps"] == 0


def test_small_wobbles_below_prominence_are_not_reps() -> None:
    t, x = reps_trace([100.0])
    x = x + 3 * np.sin(2 * np.pi * 2 * t)  # 6 deg peak-to-peak wobble
    s = summarize(x, t, prominence_deg=10.0)
    assert s["directions"]["positive"]["n_reps"] == 1


def test_unsigned_angle_has_only_the_positive_direction() -> None:
    t, x = reps_trace([140.0, 140.0], neutral_deg=8.0)
    s = summarize_angle(x, t, positive_label="flexion", negative_label=None)
    assert not s["signed"] and set(s["directions"]) == {"positive"}
    assert s["min_deg"] == pytest.approx(8.0)
    assert s["directions"]["positive"]["n_reps"] == 2


def test_reps_are_not_found_across_a_gap() -> None:
    t, x = reps_trace([100.0, 100.0, 100.0])
    x[(t > 6.2) & (t < 6.8)] = np.nan  # the second peak is missing
    s = summarize(x, t)
    pos = s["directions"]["positive"]
    assert pos["n_reps"] == 2
    assert s["quality"]["n_large_gaps"] == 1
    assert s["quality"]["longest_gap_s"] == pytest.approx(0.6, abs=0.05)
    # Said as what it is, a stretch where the angle has no value (the frames themselves
    # may all be there: the joint was not seen, or its angle was left out).
    assert "no value over 1 stretch of frames longer than 0.25 s (longest 0." in " ".join(
        s["warnings"]
    )


# --- velocity ---------------------------------------------------------------------------


def test_peak_velocity_of_a_ramp() -> None:
    t = np.arange(0, 4, 1 / FPS)
    x = np.where(t < 1, 0.0, 45.0 * (t - 1))  # 45 deg/s after 1 s still
    s = summarize(x, t)
    assert s["peak_velocity_deg_s"] == pytest.approx(45.0, rel=1e-6)
    assert s["peak_velocity_time_s"] > 1.0 - 1 / FPS


def test_velocity_of_a_sine_in_deg_per_s() -> None:
    t = np.arange(0, 4, 1 / 100)
    x = 30 * np.sin(2 * np.pi * 0.5 * t)
    s = summarize(x, t)
    assert s["peak_velocity_deg_s"] == pytest.approx(30 * 2 * np.pi * 0.5, rel=0.01)


# --- quality flags ------------------------------------------------------------------------


def test_peak_at_end_of_clip_is_flagged() -> None:
    t = np.arange(0, 4, 1 / FPS)
    x = np.where(t < 1.5, 0.0, 40.0 * (t - 1.5))  # still rising when the clip ends
    s = summarize(x, t)
    pos = s["directions"]["positive"]
    assert pos["peak_at_edge"] and s["quality"]["peak_at_edge"]
    assert pos["n_reps"] == 0  # not a complete repetition
    assert any("cut off" in w for w in s["warnings"])


def test_peak_next_to_missing_frames_is_flagged() -> None:
    t, x = reps_trace([100.0])
    x[(t > 3.55) & (t < 4.0)] = np.nan  # tracking lost just after the top
    s = summarize(x, t)
    assert s["directions"]["positive"]["peak_near_gap"]
    assert s["quality"]["peak_near_gap"]


def test_too_few_valid_frames_flagged() -> None:
    t, x = reps_trace([100.0])
    x[::3] = np.nan
    x[1::3] = np.nan
    s = summarize(x, t)
    assert s["quality"]["too_few_valid"]
    assert s["quality"]["valid_fraction"] == pytest.approx(1 / 3, abs=0.01)


def test_all_missing_does_not_raise() -> None:
    t = np.arange(0, 2, 1 / FPS)
    s = summarize(np.full(t.shape, np.nan), t)
    assert s["quality"]["n_valid"] == 0 and s["quality"]["too_few_valid"]
    assert np.isnan(s["max_deg"]) and s["directions"]["positive"]["n_reps"] == 0
    assert not s["directions"]["positive"]["performed"]


def test_summary_is_plain_json_serialisable_data() -> None:
    t, x = reps_trace([100.0, -30.0])
    x[50:70] = np.nan
    s = summarize(x, t)
    back = json.loads(json.dumps(s))  # no numpy scalars anywhere
    assert set(back) == set(s)
    assert isinstance(s["directions"]["positive"]["performed"], bool)
    assert isinstance(s["quality"]["n_valid"], int)


def test_median_is_the_posture_value() -> None:
    t = np.arange(0, 10, 1 / FPS)
    x = 4.0 + np.random.default_rng(3).normal(0, 0.3, t.shape)  # still, tilted 4 deg
    s = summarize(x, t)
    assert s["median_deg"] == pytest.approx(4.0, abs=0.05)
    assert s["neutral_deg"] == pytest.approx(4.0, abs=0.1)
    assert s["directions"]["positive"]["n_reps"] == 0


def test_shape_mismatch_is_reported() -> None:
    with pytest.raises(ValueError, match="shape"):
        summarize(np.zeros(5), np.arange(6) / FPS)


# --- summarize_angles ------------------------------------------------------------------------


def test_summarize_angles_takes_labels_from_the_catalogue() -> None:
    t, flex = reps_trace([160.0, 165.0, 170.0])
    _, rot = reps_trace([70.0, -65.0, 70.0])
    angles = AngleSeries.from_dict(
        t,
        {
            "shoulder_flexion_left_deg": flex,
            "neck_rotation_3d_deg": rot,
            "elbow_flexion_right_deg": flex,
        },
    )
    out = summarize_angles(angles, neutral_deg={"elbow_flexion_right_deg": 0.0})
    assert list(out) == list(angles.names)
    sh = out["shoulder_flexion_left_deg"]
    assert sh["column"] == "shoulder_flexion_left_deg"
    assert sh["directions"]["positive"]["label"] == "flexion"
    assert sh["directions"]["negative"]["label"] == "extension"
    assert sh["directions"]["positive"]["n_reps"] == 3
    assert out["neck_rotation_3d_deg"]["directions"]["negative"]["label"] == (
        "rotation to the left"
    )
    assert set(out["elbow_flexion_right_deg"]["directions"]) == {"positive"}
    assert out["elbow_flexion_right_deg"]["neutral_source"] == "given"


def test_unknown_column_warns_and_is_summarised_as_signed() -> None:
    t, x = reps_trace([50.0])
    angles = AngleSeries.from_dict(t, {"my_custom_angle_deg": x})
    with pytest.warns(RomWarning, match="catalogue"):
        out = summarize_angles(angles)
    assert out["my_custom_angle_deg"]["signed"]


def test_settings_are_passed_through() -> None:
    t, x = reps_trace([30.0, 30.0])
    angles = AngleSeries.from_dict(t, {"knee_flexion_left_deg": x})
    assert (
        summarize_angles(angles)["knee_flexion_left_deg"]["directions"]["positive"]["n_reps"] == 2
    )
    strict = summarize_angles(angles, prominence_deg=40.0)
    assert strict["knee_flexion_left_deg"]["directions"]["positive"]["n_reps"] == 0


def test_a_one_frame_glitch_does_not_set_the_peak() -> None:
    """With ``peak_hold_s`` the peak is the value held that long: a one-frame landmark
    glitch of +40 deg on a movement to 90 deg is ignored, and a real smooth end of range
    loses at most ~1 deg."""
    t = np.arange(0, 6, 1 / 30)
    x = np.where(t < 1, 0.0, 90 * np.sin(np.pi * (t - 1) / 4) ** 2)  # one 4 s movement
    clean = summarize(x, t, peak_hold_s=0.1)["directions"]["positive"]["peak_deg"]
    assert 89.0 < clean <= 90.0
    glitch = x.copy()
    glitch[95] += 40.0  # 3.17 s, near the end of range: one frame at 30 fps
    s = summarize(glitch, t, peak_hold_s=0.1)["directions"]["positive"]
    assert s["peak_deg"] == pytest.approx(clean, abs=0.01)
    # Without the hold the glitch would have been the peak.
    assert summarize(glitch, t, peak_hold_s=0.0)["directions"]["positive"]["peak_deg"] > 100


def test_one_arm_after_the_other_keeps_separate_repetitions() -> None:
    from rom.metrics.rom_summary import align_bilateral_repetitions

    t = np.arange(0, 9, 1 / 30)
    raise_ = lambda t0: 120 * np.exp(-(((t - t0) / 0.35) ** 2))
    left = raise_(2) + raise_(6)
    right = raise_(4) + raise_(8)
    sl = summarize_angle(left, t, positive_label="abduction", negative_label=None)
    sr = summarize_angle(right, t, positive_label="abduction", negative_label=None)
    a, b = align_bilateral_repetitions(sl, sr, left, right, t)
    assert a == sl and b == sr  # nothing matched: unchanged
    together = align_bilateral_repetitions(sl, sl, left, left, t)
    assert together[0]["directions"]["positive"]["bilateral"] == "together"
