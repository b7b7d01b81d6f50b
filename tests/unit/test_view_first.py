"""The view is judged before the movement, by one rule for every measure and protocol:
when the view ruled out most of the frames where a side was measured, that side says the
view's reason, whatever the movement did in the few frames the view supported (issue 8: a
front clip of shoulder flexion said "not measurable (film from the side)" for the left
arm and "not performed (raised in the scapular plane)" for the right, read in the last
seconds after the client had turned side-on)."""

from __future__ import annotations

import numpy as np
import pytest

from rom.metrics.results import result_lines
from tests.unit.test_results import analyse, measure, raises
from tests.unit.test_results_views import _turning


def _front_then_turned() -> dict:
    """Facing the camera, both arms raised sideways twice (4 s of 6.3 s), then turned
    side-on, the right arm raised in the scapular plane (1.7 s)."""
    first = {
        "shoulder_plane_left": np.full(raises(150).size, 90.0),
        "shoulder_elevation_left": raises(150),
        "shoulder_plane_right": np.full(raises(150).size, 90.0),
        "shoulder_elevation_right": raises(150),
    }
    arc = raises(130, n_reps=1, rest_s=0.1, rep_s=1.5)
    second = {
        "shoulder_plane_left": np.full(arc.size, 90.0),
        "shoulder_elevation_left": np.zeros(arc.size),
        "shoulder_plane_right": np.full(arc.size, 50.0),
        "shoulder_elevation_right": arc,
    }
    return analyse(_turning(first, second, 0.0, -90.0), "shoulder-flexion")


@pytest.mark.parametrize("direction", ["positive", "negative"])
def test_a_front_clip_says_the_view_for_both_sides(direction: str) -> None:
    doc = _front_then_turned()
    m = measure(doc, "shoulder_flexion", direction)
    for side in ("left", "right"):
        r = m["sides"][side]
        assert r["status"] == "not_measurable", (side, r["status"], r["reason"])
        assert r["flags"] == ["view_not_supported"] and "film from the side" in r["reason"]
    line = next(x for x in result_lines(doc["results"]) if "flexion" in x)
    assert "not performed" not in line and "scapular" not in line, line


def test_a_side_clip_still_judges_the_plane() -> None:
    """The same raise in the scapular plane filmed side-on throughout: the view supports
    the measure, so the plane decides (not performed), as before."""
    arc = raises(130, n_reps=2)
    doc = analyse(
        _turning(
            {"shoulder_plane_right": np.full(10, 50.0), "shoulder_elevation_right": np.zeros(10)},
            {"shoulder_plane_right": np.full(arc.size, 50.0), "shoulder_elevation_right": arc},
            -90.0,
            -90.0,
        ),
        "shoulder-flexion",
    )
    r = measure(doc, "shoulder_flexion")["sides"]["right"]
    assert r["status"] == "not_performed" and "moved_in_another_plane" in r["flags"], r
