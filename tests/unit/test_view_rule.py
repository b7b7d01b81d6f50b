"""One view rule for every value (issue 8, lab camera 4): whether a value's view supports
its estimate, and whether it was read in its measure's view, are decided on the body's
heading by one continuous rule, the same for analyze, the batch summary, compare and the
report."""

from __future__ import annotations

import numpy as np
import pytest

from rom.metrics.support import compute_support
from rom.metrics.view import filmed_from, plane_obliqueness_deg, views_deviation_deg
from tests.synthetic import Camera, make_sequence
from tests.unit.test_results import analyse, measure, raises
from tests.unit.test_results_views import _turning


def test_two_peaks_either_side_of_a_label_boundary_are_judged_alike() -> None:
    """Lab camera 4: the right elbow's peak at yaw -120.3 was flagged other_view (an
    oblique-back-right label), the left's at -118.9 not (right-side), yet the two were
    compared (+64). Here the client turns 4 deg across the boundary between the two
    labels: whether each value is another view follows its heading's distance from the
    elbow's standard view (a side, as the elbow-flexion protocol films it), not the
    labels, and the sides are not compared (from one side view the near and the far
    side are not seen alike)."""
    first = {"elbow_flexion_left": raises(120, n_reps=2)}
    second = {"elbow_flexion_right": raises(120, n_reps=2)}
    seq = _turning(first, second, -118.0, -122.0)
    doc = analyse(seq, None)
    m = measure(doc, "elbow_flexion")
    left, right = m["sides"]["left"], m["sides"]["right"]
    assert left["status"] == right["status"] == "measured", (left, right)
    assert {left["view_at_peak"], right["view_at_peak"]} == {"right-side", "oblique-back-right"}
    for r in (left, right):
        far = views_deviation_deg(r["yaw_at_peak_deg"], ("side",)) > 30
        assert ("other_view" in r["flags"]) is far, r
    a = m["asymmetry"]
    assert a["status"] == "not_comparable" and "oblique or side view" in a["reason"], a
    assert "another view" not in a["reason"] and "different views" not in a["reason"]


def test_one_side_flagged_other_view_is_not_compared() -> None:
    """A side flagged as read in another view is never set against one that is not."""
    first = {"hip_abduction_left": raises(40, n_reps=2)}
    second = {"hip_abduction_right": raises(40, n_reps=2)}
    seq = _turning(first, second, 0.0, 25.0)  # 25 deg apart: the same view
    doc = analyse(seq, "hip-abduction")
    m = measure(doc, "hip_abduction")
    assert m["asymmetry"]["status"] == "measured"  # neither flagged: compared
    from rom.metrics.results import _asymmetry

    right = {**m["sides"]["right"], "flags": ["other_view"]}
    a = _asymmetry(right, m["sides"]["left"])
    assert a["status"] == "not_comparable" and "another view" in a["reason"]


@pytest.mark.parametrize("yaw", [-130.0, 130.0, 50.0])
def test_a_frontal_plane_is_judged_by_the_pelvis_heading_too(yaw: float) -> None:
    """Lab camera 4: the client side-bent, filmed 49-62 deg from the back; the shoulders'
    frame read the frontal plane 13-26 deg from square and 2D shoulder abduction (78) and
    lateral flexion were printed. The plane is as far from square as the worse of the two
    says; here the shoulders are turned back square (trunk rotation) while the pelvis is
    50 deg off: the frontal plane counts 50 deg from square, no 2D value."""
    rotation = float(np.sign(yaw)) * -50.0 if abs(yaw) < 90 else float(np.sign(yaw)) * 50.0
    seq = make_sequence(
        yaw_deg=yaw,
        camera=Camera.far(),
        trunk_rotation=rotation,
        shoulder_abduction_left=raises(90, n_reps=2),
        shoulder_abduction_right=raises(90, n_reps=2),
    )
    ob = compute_support(seq)["shoulder_abduction_left"].obliqueness_deg
    assert np.nanmedian(ob) == pytest.approx(50, abs=3)
    doc = analyse(seq, None)
    for side in ("left", "right"):
        r = measure(doc, "shoulder_abduction")["sides"][side]
        assert r["estimate"] != "2d" or r["status"] != "measured", r


def test_plane_and_view_helpers() -> None:
    assert plane_obliqueness_deg("frontal", np.array([-130.0])).tolist() == [50.0]
    assert plane_obliqueness_deg("sagittal", np.array([-130.0])).tolist() == [40.0]
    assert views_deviation_deg(-121.0, ("side",)) == pytest.approx(31.0)
    assert views_deviation_deg(-121.0, ("any",)) == 0.0
    assert filmed_from("back") == "filmed from behind"
    assert filmed_from("left-side") == "filmed from the client's left side"
