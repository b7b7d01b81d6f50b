"""The Results page's tables: every value of a ``results`` block (docs/results.md) in
words, a value that is not reported never shown as a number, text escaped."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("streamlit")

from rom.app import tables


def side(**kw: Any) -> dict[str, Any]:
    base = {
        "status": "measured",
        "value_deg": None,
        "uncertainty_deg": None,
        "estimate": "2d",
        "column": "",
        "normal_deg": None,
        "normal_min_deg": None,
        "normal_max_deg": None,
        "percent_of_normal": None,
        "within_normal": None,
        "n_reps": None,
        "rep_peaks_deg": [],
        "reason": None,
        "flags": [],
        "warnings": [],
    }
    return {**base, **kw}


BLOCK: dict[str, Any] = {
    "protocol": "shoulder-abduction",
    "title": "Shoulder abduction",
    "kind": "rom",
    "view": "front",
    "measures": [
        {
            "measure": "shoulder_abduction",
            "title": "Shoulder abduction",
            "kind": "rom",
            "direction": "positive",
            "label": "abduction",
            "sides": {
                "left": side(
                    value_deg=154.2,
                    uncertainty_deg=8.7,
                    normal_deg=180.0,
                    percent_of_normal=85.7,
                    n_reps=2,
                    flags=["no_neutral"],
                    warnings=["<script>alert(1)</script> 2 gaps"],
                    column="shoulder_abduction_left_deg",
                ),
                "right": side(
                    status="not_seen",
                    at_least_deg=131.6,
                    normal_deg=180.0,
                    reason="the elbow left the image at the peak; film from further away",
                    flags=["peak_not_seen"],
                ),
            },
            "asymmetry": {
                "status": "not_comparable",
                "reason": "the right side was not measured",
                "difference_deg": None,
                "symmetry_index_pct": None,
                "uncertainty_deg": None,
                "exceeds_uncertainty": None,
            },
        },
        {
            "measure": "neck_rotation",
            "title": "Neck rotation",
            "kind": "rom",
            "direction": "positive",
            "label": "rotation to the right",
            "sides": {
                "none": side(
                    value_deg=70.4,
                    uncertainty_deg=3.0,
                    normal_deg=80.0,
                    percent_of_normal=88.0,
                    n_reps=3,
                )
            },
            "asymmetry": {
                "status": "measured",
                "reason": None,
                "difference_deg": 10.3,
                "symmetry_index_pct": 15.8,
                "uncertainty_deg": 4.0,
                "exceeds_uncertainty": True,
            },
        },
        {
            "measure": "neck_rotation",
            "title": "Neck rotation",
            "kind": "rom",
            "direction": "negative",
            "label": "rotation to the left",
            "sides": {
                "none": side(
                    value_deg=60.1,
                    uncertainty_deg=2.5,
                    normal_deg=80.0,
                    percent_of_normal=75.1,
                    n_reps=3,
                )
            },
            "asymmetry": None,
        },
        {
            "measure": "shoulder_tilt",
            "title": "Shoulder tilt",
            "kind": "posture",
            "direction": "value",
            "label": "+ right shoulder lower, - left shoulder lower",
            "sides": {
                "none": side(
                    value_deg=-2.4,
                    uncertainty_deg=0.8,
                    normal_deg=0.0,
                    normal_min_deg=-3.0,
                    normal_max_deg=3.0,
                    within_normal=True,
                )
            },
            "asymmetry": None,
        },
        {
            "measure": "shoulder_flexion",
            "title": "Shoulder flexion",
            "kind": "rom",
            "direction": "positive",
            "label": "flexion",
            "sides": {
                "left": side(
                    status="not_measurable",
                    estimate=None,
                    reason="a front view cannot show flexion; film from the side",
                    flags=["view_not_supported"],
                    normal_deg=180.0,
                )
            },
            "asymmetry": None,
        },
    ],
    "warnings": [],
}


def rows() -> list[dict[str, str]]:
    return tables.result_rows(BLOCK)


def test_one_row_per_measure_direction_and_side() -> None:
    got = [(r["Measure"], r["Side"], r["Direction"]) for r in rows()]
    assert got == [
        ("Shoulder abduction", "Left", "abduction"),
        ("Shoulder abduction", "Right", "abduction"),
        ("Neck rotation", "—", "rotation to the right"),
        ("Neck rotation", "—", "rotation to the left"),
        ("Shoulder tilt", "—", "+ right shoulder lower, - left shoulder lower"),
        ("Shoulder flexion", "Left", "flexion"),
    ]


def test_a_measured_value_with_its_uncertainty_normal_and_percent() -> None:
    r = rows()[0]
    assert (r["Value"], r["Normal"], r["% of normal"], r["Repetitions"], r["Estimate"]) == (
        "154° ± 9°",
        "180°",
        "86%",
        "2 repetitions",
        "2D",
    )
    assert "no still start" in r["Quality"]


def test_values_without_a_number_say_why_in_words() -> None:
    not_seen, not_measurable = rows()[1], rows()[5]
    assert not_seen["Value"] == "at least 132°"
    assert not_seen["% of normal"] == "—"
    assert "elbow left the image" in not_seen["Quality"]
    assert "out of view" not in not_seen["Quality"]  # the flag's words: the reason says it
    assert not_measurable["Value"] == "not measurable"
    assert "film from the side" in not_measurable["Quality"]
    assert not any(ch.isdigit() for ch in not_measurable["Value"] + not_measurable["% of normal"])


def test_a_posture_value_is_signed_against_its_band() -> None:
    r = rows()[4]
    assert (r["Value"], r["Normal"], r["% of normal"]) == (
        "-2.4° ± 1°",
        "-3° to +3°",
        "within normal",
    )


def test_asymmetry_of_a_limb_and_of_an_axial_measure() -> None:
    limb, axial = tables.asymmetry_rows(BLOCK)
    assert limb["Left"] == "154° ± 9°" and limb["Right"] == "at least 132°"
    assert limb["R − L"] == "—" and limb["Reading"] == "the right side was not measured"
    assert (axial["Left"], axial["Right"]) == ("60° ± 2°", "70° ± 3°")
    assert axial["R − L"] == "+10° ± 8°" and axial["Symmetry index"] == "+16%"
    assert axial["Reading"].startswith("a real difference")


def test_html_escapes_every_cell() -> None:
    html = tables.html_table(rows(), numeric=("Value",), test_id="t")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'data-testid="t"' in html and 'class="num" data-col="Value">154° ± 9°<' in html


def test_headline_lists_only_measured_values() -> None:
    got = [tables.headline_label(m, s) for m, s, _ in tables.measured(BLOCK)]
    assert got == [
        "left shoulder abduction",
        "neck rotation: rotation to the right",
        "neck rotation: rotation to the left",
        "shoulder tilt: + right shoulder lower, - left shoulder lower",
    ]
