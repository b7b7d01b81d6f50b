"""One rule of when a right-left difference is shown: that of ``rom analyze``'s results
block, read back by compare, the report and the dashboard; a blank difference always
says why (issue 8, a new user's review: the report left lab camera 1's shoulder
abduction right-left blank, "--" without a reason, where `rom analyze` and `rom batch`
gave -26)."""

from __future__ import annotations

import pytest

from rom.metrics.compare import compare_asymmetry, side_difference
from rom.metrics.measure_values import MeasureValue, measure_values
from rom.metrics.notes import NO_NOTE, NOTES_ABOVE
from rom.report.build import asymmetry_table
from tests.synthetic import Camera, make_sequence
from tests.unit.test_results import analyse, raises


def _v(
    side: str,
    value: float | None,
    estimate: str = "3d",
    flags: tuple[str, ...] = (),
    status: str = "measured",
) -> MeasureValue:
    return MeasureValue(
        "hip-abduction",
        "hip_abduction",
        side,
        "positive",
        "abduction",
        estimate=estimate,
        value_deg=value,
        value_time_s=1.0,
        status=status,
        flags=flags,
    )


def test_both_sides_read_in_another_view_compare_as_rom_analyze_says() -> None:
    """Lab camera 1 (client 41 deg oblique, a front-view protocol): both sides flagged
    ``other_view``, both 3D; `rom analyze` printed right-left -26, the report "--"."""
    r = _v("right", 79.8, flags=("other_view", "no_neutral"))
    lft = _v("left", 105.9, flags=("other_view",))
    assert side_difference(r, lft) == (pytest.approx(-26.1), "")
    (row,) = compare_asymmetry([r, lft], [r, lft])
    assert row.before_diff_deg == pytest.approx(-26.1) and row.after_diff_deg is not None
    assert row.before_si_pct is not None and not row.notes


def test_compare_shows_a_difference_exactly_where_the_results_block_does() -> None:
    """Synthetic clips through the whole results block: a client 40 deg oblique raising
    both arms sideways under a front-view protocol (both values read in another view),
    and facing the camera: compare's difference is the results' (values as shown). (Both
    arms: a standing client cannot raise both legs, and a hip value from the leg they
    stand on is "not performed".)"""
    for yaw in (0.0, -40.0):
        seq = make_sequence(
            yaw_deg=yaw,
            camera=Camera.far(),
            shoulder_abduction_left=raises(120, n_reps=2),
            shoulder_abduction_right=raises(100, n_reps=2),
        )
        doc = analyse(seq, "shoulder-abduction")
        m = next(x for x in doc["results"]["measures"] if x["measure"] == "shoulder_abduction")
        values = [v for v in measure_values(doc) if v.measure == "shoulder_abduction"]
        (row,) = compare_asymmetry(values, [])
        a = m["asymmetry"]
        if yaw:
            assert all("other_view" in s["flags"] for s in m["sides"].values()), m
        if yaw:  # one oblique view: the near and far side are not seen alike
            assert a["status"] == "not_comparable" and "oblique" in a["reason"], (yaw, a)
            assert row.before_diff_deg is None and "oblique" in row.before_note, row
            continue
        assert a["status"] == "measured", (yaw, a)
        right, left = (float(m["sides"][s]["value_deg"]) for s in ("right", "left"))
        assert row.before_diff_deg == pytest.approx(round(right, 1) - round(left, 1), abs=0.05)
        assert row.after_diff_deg is None and row.after_note == "not recorded in this session"


@pytest.mark.parametrize(
    ("right", "left", "words"),
    [
        (
            _v("right", 80.0),
            _v("left", None, status="not_measurable"),
            "the left side has no value (not measurable)",
        ),
        (_v("right", 80.0, "2d"), _v("left", 90.0, "3d"), "values of different methods"),
        (
            _v("right", 80.0, flags=("other_view",)),
            _v("left", 90.0),
            "another view than its measure's",
        ),
        (
            _v("right", 80.0, flags=("sides_not_comparable",)),
            _v("left", 90.0, flags=("sides_not_comparable",)),
            "different views",
        ),
        (None, _v("left", 90.0), "the right side has no value (not recorded)"),
    ],
)
def test_a_blank_difference_always_says_why(right, left, words) -> None:
    diff, why = side_difference(right, left)
    assert diff is None and words in why, why
    row = compare_asymmetry([v for v in (right, left) if v is not None], [])[0]
    assert row.before_diff_deg is None and words in row.before_note
    # the report's table: every "--" difference has its reason in the Notes cell or above
    rows, notes = asymmetry_table(
        [row, compare_asymmetry([_v("right", 1.0), _v("left", 2.0)], [])[0]]
    )
    cell = rows[0][1]
    said = cell if cell not in (NO_NOTE, NOTES_ABOVE) else " ".join(notes.general)
    assert words in said or "see note" in cell, (cell, notes)
