"""Tests of rom.metrics.asymmetry: sign convention (right minus left), pairing, NaN rules."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rom.metrics.asymmetry import compute_asymmetry, symmetry_index
from rom.metrics.rom_summary import summarize_angles
from rom.metrics.series import AngleSeries

FPS = 30.0


def trace(peaks: list[float], neutral: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(0, 2 + 3 * len(peaks) + 1, 1 / FPS)
    x = np.full(t.shape, neutral)
    for i, p in enumerate(peaks):
        inside = (t >= 2 + 3 * i) & (t < 5 + 3 * i)
        x[inside] = neutral + (p - neutral) * np.sin(np.pi * (t[inside] - 2 - 3 * i) / 3) ** 2
    return t, x


def test_symmetry_index_formula_and_sign() -> None:
    assert symmetry_index(110.0, 90.0) == pytest.approx(20.0)  # right larger: positive
    assert symmetry_index(90.0, 110.0) == pytest.approx(-20.0)
    assert symmetry_index(100.0, 100.0) == 0.0
    assert symmetry_index(100.0, 0.0) == pytest.approx(200.0)


@pytest.mark.parametrize(
    "right, left", [(math.nan, 10.0), (10.0, math.nan), (0.0, 0.0), (None, 5.0), (-5.0, 20.0)]
)
def test_symmetry_index_is_nan_when_undefined(right: float, left: float) -> None:
    assert math.isnan(symmetry_index(right, left))


def bilateral_summary() -> dict:
    t, right_flex = trace([170.0, -50.0])  # flexion 170, extension 50
    _, left_flex = trace([150.0, -60.0])
    _, rot = trace([80.0, -60.0, 80.0, -60.0], neutral=0.0)  # right 80, left 60
    angles = AngleSeries.from_dict(
        t,
        {
            "shoulder_flexion_left_deg": left_flex,
            "shoulder_flexion_right_deg": right_flex,
            "elbow_flexion_left_3d_deg": left_flex.clip(min=0),
            "neck_flexion_deg": right_flex,  # axial, not left/right: never paired
        },
    )
    out = summarize_angles(angles, peak_hold_s=0.0)  # exact synthetic peaks
    rot_angles = AngleSeries.from_dict(np.arange(len(rot)) / FPS, {"neck_rotation_deg": rot})
    out.update(summarize_angles(rot_angles, peak_hold_s=0.0))
    return out


def test_bilateral_pairs_per_direction() -> None:
    asym = compute_asymmetry(bilateral_summary())
    flex = asym["shoulder_flexion_deg"]
    assert set(flex) == {"positive", "negative"}
    pos = flex["positive"]
    assert pos["label"] == "flexion"
    assert pos["left_column"] == "shoulder_flexion_left_deg"
    assert pos["right_column"] == "shoulder_flexion_right_deg"
    assert pos["right_deg"] == pytest.approx(170.0, abs=0.1)
    assert pos["left_deg"] == pytest.approx(150.0, abs=0.1)
    assert pos["diff_deg"] == pytest.approx(20.0, abs=0.2)
    assert pos["si_pct"] == pytest.approx(20 / 160 * 100, abs=0.2)
    neg = flex["negative"]  # extension compared by magnitude: right 50, left 60
    assert neg["right_deg"] == pytest.approx(50.0, abs=0.1)
    assert neg["left_deg"] == pytest.approx(60.0, abs=0.1)
    assert neg["diff_deg"] == pytest.approx(-10.0, abs=0.2)
    assert neg["si_pct"] < 0  # left larger
    assert pos["right_performed"] and pos["left_performed"]


def test_unpaired_and_axial_columns_are_skipped() -> None:
    asym = compute_asymmetry(bilateral_summary())
    assert "elbow_flexion_3d_deg" not in asym  # no right twin
    assert "neck_flexion_deg" not in asym  # not a right/left angle


def test_directional_axial_angles_compare_right_with_left_turns() -> None:
    asym = compute_asymmetry(bilateral_summary())
    row = asym["neck_rotation_deg"]["right_vs_left"]
    assert row["label"] == "rotation"
    assert row["right_deg"] == pytest.approx(80.0, abs=0.1)
    assert row["left_deg"] == pytest.approx(60.0, abs=0.1)
    assert row["diff_deg"] == pytest.approx(20.0, abs=0.2)
    assert row["si_pct"] == pytest.approx(20 / 70 * 100, abs=0.3)


def test_reference_neutral_removes_a_constant_offset() -> None:
    t, rot = trace([85.0, -55.0, 85.0, -55.0], neutral=5.0)  # camera 5 deg off square
    summary = summarize_angles(AngleSeries.from_dict(t, {"neck_rotation_deg": rot}))
    zero = compute_asymmetry(summary)["neck_rotation_deg"]["right_vs_left"]
    neutral = compute_asymmetry(summary, reference="neutral")["neck_rotation_deg"]["right_vs_left"]
    assert zero["diff_deg"] == pytest.approx(30.0, abs=0.2)
    assert neutral["right_deg"] == pytest.approx(80.0, abs=0.1)
    assert neutral["left_deg"] == pytest.approx(60.0, abs=0.1)
    assert neutral["reference"] == "neutral"


def test_missing_side_gives_nan_not_an_error() -> None:
    summary = bilateral_summary()
    nan_left = dict(summary["shoulder_flexion_left_deg"])
    nan_left["directions"] = {
        k: dict(v, peak_deg=math.nan) for k, v in nan_left["directions"].items()
    }
    summary["shoulder_flexion_left_deg"] = nan_left
    row = compute_asymmetry(summary)["shoulder_flexion_deg"]["positive"]
    assert math.isnan(row["left_deg"]) and math.isnan(row["si_pct"])
    assert math.isnan(row["diff_deg"])


def test_bad_reference_is_rejected() -> None:
    with pytest.raises(ValueError, match="reference"):
        compute_asymmetry({}, reference="zeros")  # type: ignore[arg-type]
