"""Hip abduction is the thigh against the pelvis, the leg tested is the raised one, and a
raise's plane is named only when measured (issue 8: on a lab clip of a man balancing on
his left leg, leaning 41 deg over it, the standing left leg read 43 deg of abduction and
the raised right leg "not performed, plane of elevation -176 deg")."""

from __future__ import annotations

import numpy as np
import pytest

from rom.metrics.angles import compute_angles
from rom.metrics.humeral import circular_median_deg, compute_femoral_angles, excursions
from tests.synthetic import Camera, make_sequence
from tests.unit.test_results import analyse, measure, raises

FAR = Camera.far()


@pytest.mark.parametrize("yaw", [0.0, 180.0])
@pytest.mark.parametrize("lean", [-35.0, 35.0])
def test_a_trunk_bent_sideways_over_the_hips_is_no_hip_abduction(yaw: float, lean: float) -> None:
    """The thigh against the pelvis (the hip line), as a goniometer reads it: the trunk's
    lean above the hips changes neither leg's abduction, in 2D or 3D."""
    a = compute_angles(
        make_sequence(yaw_deg=yaw, camera=FAR, trunk_lateral_flexion=lean, hip_abduction_right=20)
    )
    for suffix in ("_deg", "_3d_deg"):
        assert a["hip_abduction_right" + suffix][0] == pytest.approx(20, abs=0.5)
        assert a["hip_abduction_left" + suffix][0] == pytest.approx(0, abs=0.5)


def test_a_pelvis_tilted_sideways_turns_the_zero_with_it() -> None:
    """Right hip 10 deg lower, thighs vertical: the pelvis' perpendicular turns towards
    the left, so the right thigh is 10 deg abducted from it and the left 10 deg
    adducted (the hip on the dropped side abducts)."""
    a = compute_angles(make_sequence(camera=FAR, pelvic_obliquity=10))
    for suffix in ("_deg", "_3d_deg"):
        assert a["hip_abduction_right" + suffix][0] == pytest.approx(10, abs=0.5)
        assert a["hip_abduction_left" + suffix][0] == pytest.approx(-10, abs=0.5)


def test_a_leg_raised_sideways_while_leaning_away_is_raised_in_the_frontal_plane() -> None:
    lean = np.full(40, -35.0)
    seq = make_sequence(
        camera=FAR, trunk_lateral_flexion=lean, hip_abduction_right=np.full(40, 40.0)
    )
    f = compute_femoral_angles(seq)["right"]
    assert np.nanmedian(f.plane_of_elevation_deg) == pytest.approx(0, abs=1)
    assert np.nanmedian(f.elevation_deg) == pytest.approx(40, abs=1)


def test_the_plane_of_a_raise_is_a_circular_median_and_noise_names_no_plane() -> None:
    e = np.r_[np.zeros(3), np.full(8, 40.0), np.zeros(3)]
    t = np.arange(e.size) / 30
    across = np.where(e > 0, np.tile([179.0, -179.0], 7), np.nan)
    (x,) = excursions(e, across, t)
    assert abs(x.plane_of_elevation_deg) > 175 and x.movement == "across the body"
    assert circular_median_deg(np.array([170.0, -170.0, 175.0])) == pytest.approx(175)
    wandering = np.where(e > 0, np.tile([-10.0, 60.0, 130.0, 20.0, 100.0, -40.0, 150.0], 2), np.nan)
    (y,) = excursions(e, wandering, t)
    assert y.movement == "unknown"


def test_the_standing_leg_is_not_the_tested_leg() -> None:
    """Balancing on the left leg, the right leg raised sideways 40 deg with the pelvis
    hiking 20 deg on the right: the left hip's 20 deg of 'abduction' is the pelvis
    tilting over the standing leg, not performed; the right leg's is measured."""
    arc = raises(40, n_reps=2, rest_s=0.5)
    seq = make_sequence(camera=FAR, pelvic_obliquity=-0.5 * arc, hip_abduction_right=arc)
    m = measure(analyse(seq, "hip-abduction"), "hip_abduction")
    left, right = m["sides"]["left"], m["sides"]["right"]
    assert left["status"] == "not_performed" and "standing_leg" in left["flags"], left
    assert "standing leg" in left["reason"] and left["value_deg"] is None
    assert right["status"] == "measured", right
    assert right["value_deg"] == pytest.approx(40 - 20, abs=2)
