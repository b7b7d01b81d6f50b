"""The uncertainty model (rom.metrics.uncertainty): each source of doubt the clip shows
makes a value less certain, and only those."""

from __future__ import annotations

import math

import pytest

from rom.metrics.uncertainty import BASE_2D_DEG, BASE_3D_DEG, value_uncertainty


def u(**kw: object) -> float:
    return value_uncertainty(**{"estimate": "2d", "value_deg": 150.0, **kw}).deg  # type: ignore[arg-type]


def test_a_clean_square_view_leaves_the_landmarks_reproducibility() -> None:
    assert u() == BASE_2D_DEG
    assert u(estimate="3d") == BASE_3D_DEG > BASE_2D_DEG
    assert u(obliqueness_deg=0.0, visibility=1.0, rep_peaks_deg=[150.0, 150.0]) == BASE_2D_DEG


@pytest.mark.parametrize(
    ("worse", "better"),
    [
        ({"obliqueness_deg": 40.0}, {"obliqueness_deg": 10.0}),
        ({"estimate": "3d", "obliqueness_deg": 50.0}, {"estimate": "3d", "obliqueness_deg": 5.0}),
        ({"visibility": 0.6}, {"visibility": 0.95}),
        ({"rep_peaks_deg": [150, 120, 135]}, {"rep_peaks_deg": [150, 148, 149]}),
        (
            {"other_estimate_deg": 170.0, "both_estimates_valid": True},
            {"other_estimate_deg": 152.0, "both_estimates_valid": True},
        ),
        (
            {"spread_deg": 3.0, "spread_duration_s": 5.0},
            {"spread_deg": 0.5, "spread_duration_s": 5.0},
        ),
    ],
)
def test_more_doubt_gives_a_larger_uncertainty(worse: dict, better: dict) -> None:
    assert u(**worse) > u(**better)


def test_a_disagreement_the_view_explains_is_not_counted() -> None:
    assert u(other_estimate_deg=100.0, both_estimates_valid=False) == BASE_2D_DEG


def test_components_add_in_quadrature() -> None:
    r = value_uncertainty(estimate="2d", value_deg=100.0, rep_peaks_deg=[100.0, 90.0])
    assert set(r.components) == {"landmarks", "repetitions"}
    assert r.deg == pytest.approx(math.hypot(*r.components.values()), abs=0.05)


def test_no_value_no_uncertainty() -> None:
    assert math.isnan(u(value_deg=float("nan")))
    with pytest.raises(ValueError, match="estimate"):
        u(estimate="4d")


def test_a_face_value_without_a_neutral_carries_the_face_models_zero() -> None:
    """No still neutral: the face-based angle is measured from the face model's own zero
    (10-25 deg off), so its uncertainty says so; 2D and 3D values are zeroed anatomically
    and do not change."""
    from rom.metrics.uncertainty import FACE_ZERO_DEG, value_uncertainty

    zeroed = value_uncertainty(estimate="face", value_deg=36.0)
    unzeroed = value_uncertainty(estimate="face", value_deg=36.0, zero_unknown=True)
    assert unzeroed.components["zero"] == FACE_ZERO_DEG
    assert unzeroed.deg > zeroed.deg + 10.0
    for est in ("2d", "3d"):
        assert value_uncertainty(estimate=est, value_deg=36.0, zero_unknown=True) == (
            value_uncertainty(estimate=est, value_deg=36.0)
        )
