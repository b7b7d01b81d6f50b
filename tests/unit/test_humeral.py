"""ISB description of the arm (plane of elevation, elevation, axial rotation; Wu et al.
2005) on synthetic skeletons whose arms are raised in known planes, from every view."""

from __future__ import annotations

import numpy as np
import pytest

from rom.metrics.humeral import (
    compute_femoral_angles,
    compute_humeral_angles,
    excursions,
    name_plane,
    restrict_to_movement,
)
from tests.synthetic import VIEWS, Camera, make_sequence

FAR = Camera.far()


@pytest.mark.parametrize("view", sorted(VIEWS))
@pytest.mark.parametrize("side", ["left", "right"])
def test_plane_and_elevation_of_known_raises(view: str, side: str) -> None:
    # the skeleton's plane: 0 = forwards, 90 = sideways; ISB's: 0 = sideways, 90 = forwards
    planes = np.array([0.0, 30.0, 60.0, 90.0, 120.0, 90.0])
    elevations = np.array([90.0, 60.0, 150.0, 45.0, 80.0, 10.0])
    seq = make_sequence(
        yaw_deg=VIEWS[view],
        camera=FAR,
        **{f"shoulder_plane_{side}": planes, f"shoulder_elevation_{side}": elevations},
    )
    arm = compute_humeral_angles(seq)[side]
    np.testing.assert_allclose(arm.elevation_deg, elevations, atol=0.1)
    np.testing.assert_allclose(arm.plane_of_elevation_deg[:5], 90.0 - planes[:5], atol=0.1)
    assert np.isnan(arm.plane_of_elevation_deg[5])  # 10 deg from hanging: undefined


@pytest.mark.parametrize("rotation", [-60.0, -20.0, 0.0, 30.0, 70.0])
def test_axial_rotation_of_an_abducted_arm(rotation: float) -> None:
    """Abducted 90 degrees (plane 0), the ISB axial rotation is the forearm's turn from
    pointing forwards, external positive (the sign of rom's shoulder_external_rotation)."""
    seq = make_sequence(
        camera=FAR,
        shoulder_abduction_right=90.0,
        elbow_flexion_right=90.0,
        shoulder_rotation_right=rotation,
    )
    assert compute_humeral_angles(seq)["right"].axial_rotation_deg[0] == pytest.approx(
        rotation, abs=0.1
    )


def test_hip_plane_tells_flexion_from_abduction() -> None:
    seq = make_sequence(camera=FAR, hip_flexion_left=[40, 80], hip_abduction_right=[30, 40])
    hips = compute_femoral_angles(seq)
    np.testing.assert_allclose(hips["left"].plane_of_elevation_deg, 90, atol=0.1)
    np.testing.assert_allclose(hips["right"].plane_of_elevation_deg, 0, atol=0.1)


def test_plane_names() -> None:
    assert [name_plane(p) for p in (0, 34, 45, 56, 90, -90, -40, 170, np.nan)] == [
        "abduction",
        "abduction",
        "scapular plane",
        "flexion",
        "flexion",
        "extension",
        "behind the frontal plane",
        "across the body",
        "unknown",
    ]


def test_each_raise_is_named_by_the_plane_it_went_through_not_its_top() -> None:
    """Straight overhead every raise looks alike: the plane is judged on the way up."""
    t = np.arange(0, 6, 1 / 30)
    up = 175 * np.sin(np.pi * np.clip((t % 3) - 0.5, 0, 2) / 2) ** 2
    plane = np.where(t < 3, 5.0, 88.0)  # an abduction, then a flexion
    plane = np.where((up > 20) & (up < 160), plane, np.nan)
    raises = excursions(up, plane, t)
    assert [r.movement for r in raises] == ["abduction", "flexion"]
    flexion = restrict_to_movement(up, raises, "flexion")
    assert np.isnan(flexion[t < 3][up[t < 3] > 20]).all()
    assert np.nanmax(flexion) == pytest.approx(175, abs=0.5)
