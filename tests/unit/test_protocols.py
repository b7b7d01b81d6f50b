"""Tests of rom.metrics.protocols: the packaged file, user overrides, and error messages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rom.errors import ConfigError
from rom.landmarks import LANDMARK_NAMES
from rom.metrics import catalogue
from rom.metrics.protocols import Norm, Protocol, get_protocol, load_protocols

REQUIRED = {
    "cervical-rotation",
    "cervical-lateral-flexion",
    "cervical-flexion-extension",
    "shoulder-flexion",
    "shoulder-abduction",
    "shoulder-external-rotation",
    "posture-front",
    "posture-side",
}


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "user.toml"
    p.write_text(text, encoding="utf-8")
    return p


def norm_of(protocol: Protocol, angle: str, direction: str) -> Norm:
    found = protocol.norm(angle, direction)
    assert found is not None, f"{protocol.name} has no {direction} norm for {angle}"
    return found


# --- the packaged protocols ---------------------------------------------------------------


def test_packaged_file_loads_with_every_required_protocol() -> None:
    protocols = load_protocols()
    assert REQUIRED <= set(protocols)
    assert all(isinstance(p, Protocol) and p.name == n for n, p in protocols.items())


@pytest.mark.parametrize("name", sorted(load_protocols()))
def test_protocol_is_consistent_with_the_catalogue(name: str) -> None:
    p = load_protocols()[name]
    columns = catalogue.columns()
    assert p.angles and all(c in columns for c in p.angles)
    assert p.views and set(p.views) <= {"front", "back", "side"}
    assert all(lm in LANDMARK_NAMES for lm in p.required_landmarks())
    for side in p.sides:
        assert all(lm in LANDMARK_NAMES for lm in p.required_landmarks(side))
    sentences = [s for s in re.split(r"(?<=[.;])\s+", p.instructions) if s]
    assert 2 <= len(sentences) <= 6 and "\n" not in p.instructions
    assert p.kind in ("rom", "posture")
    for norm in p.norms:
        assert norm.source
        assert any(catalogue.angle_def(c).name == norm.angle for c in p.angles)


def test_reference_norms_are_the_aaos_values() -> None:
    p = load_protocols()
    assert norm_of(p["shoulder-flexion"], "shoulder_flexion", "positive").normal_deg == 180
    assert (
        norm_of(p["shoulder-flexion"], "shoulder_flexion_right_3d_deg", "negative").normal_deg == 60
    )
    assert norm_of(p["shoulder-abduction"], "shoulder_abduction", "positive").normal_deg == 180
    er = p["shoulder-external-rotation"]
    assert norm_of(er, "shoulder_external_rotation", "positive").normal_deg == 90
    assert norm_of(er, "shoulder_external_rotation", "negative").normal_deg == 70
    assert norm_of(p["cervical-rotation"], "neck_rotation_deg", "positive").normal_deg == 80
    assert "60-80" in norm_of(p["cervical-rotation"], "neck_rotation", "negative").source
    for name in ("cervical-lateral-flexion", "cervical-flexion-extension"):
        assert all(n.normal_deg == 45 for n in p[name].norms)
    # rom's craniovertebral value is a proxy with no validated norm: none is claimed.
    assert p["posture-side"].norm("craniovertebral", "value") is None
    assert norm_of(p["posture-front"], "head_tilt", "value").max_deg == 3
    assert p["shoulder-flexion"].norm("shoulder_abduction", "positive") is None


def test_cervical_rotation_reports_2d_3d_and_face_based_from_the_front() -> None:
    p = get_protocol("cervical-rotation")
    assert p.angles == ("neck_rotation_deg", "neck_rotation_3d_deg", "neck_rotation_face_deg")
    assert p.views == ("front",) and p.sides == ()


def test_side_protocols_expand_landmarks_and_columns_per_side() -> None:
    p = get_protocol("shoulder-flexion")
    assert p.required_landmarks("right") == (
        "right_shoulder",
        "right_elbow",
        "right_wrist",
        "right_hip",
    )
    assert "left_elbow" in p.required_landmarks() and "right_elbow" in p.required_landmarks()
    assert p.columns("left") == ("shoulder_flexion_left_deg", "shoulder_flexion_left_3d_deg")
    with pytest.raises(ValueError):
        p.required_landmarks("middle")


def test_unknown_protocol_lists_valid_names() -> None:
    with pytest.raises(ConfigError) as err:
        get_protocol("cervical-rotaton")
    msg = str(err.value)
    assert "cervical-rotaton" in msg and "cervical-rotation" in msg and "posture-side" in msg
    assert "\n" not in msg


# --- user files ---------------------------------------------------------------------------


def test_user_can_override_a_norm_and_source_becomes_user(tmp_path: Path) -> None:
    path = write(
        tmp_path, "[cervical-rotation.norms.neck_rotation]\npositive = { normal_deg = 70 }\n"
    )
    p = get_protocol("cervical-rotation", path)
    assert norm_of(p, "neck_rotation", "positive").normal_deg == 70
    assert norm_of(p, "neck_rotation", "negative").normal_deg == 80  # untouched value kept
    assert "user override" in norm_of(p, "neck_rotation", "positive").source
    assert norm_of(get_protocol("cervical-rotation"), "neck_rotation", "positive").normal_deg == 80


def test_user_can_add_a_protocol(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[wrist-check]
title = "Elbow check, front view"
views = ["front"]
angles = ["elbow_flexion_left_3d_deg"]
sides = ["left"]
landmarks = ["{side}_elbow", "{side}_wrist"]
instructions = "Stand facing the camera. Bend the left elbow."

[wrist-check.norms.elbow_flexion]
source = "clinic"
positive = { normal_deg = 150 }
""",
    )
    protocols = load_protocols(path)
    assert "wrist-check" in protocols and REQUIRED <= set(protocols)
    assert protocols["wrist-check"].required_landmarks() == ("left_elbow", "left_wrist")


def test_malformed_toml_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[cervical-rotation]\ntitle = "x"\nviews = ["front"\n')
    with pytest.raises(ConfigError) as err:
        load_protocols(path)
    msg = str(err.value)
    assert str(path) in msg
    assert re.search(rf"{re.escape(str(path))}:[34]:", msg)
    assert "\n" not in msg


def test_toml_key_without_value_names_the_line_and_key(tmp_path: Path) -> None:
    path = write(tmp_path, '[cervical-rotation]\ntitle = "ok"\nviews =\n')
    with pytest.raises(ConfigError, match=rf"{re.escape(str(path))}:3:.*views"):
        load_protocols(path)


def test_unknown_key_names_protocol_key_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[cervical-rotation]\ntitle = "ok"\nview = ["front"]\n')
    with pytest.raises(ConfigError) as err:
        load_protocols(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}:3:")
    assert "'cervical-rotation'" in msg and "'view'" in msg and "views" in msg


def test_unknown_angle_column_is_rejected_with_line(tmp_path: Path) -> None:
    path = write(tmp_path, '\n[cervical-rotation]\nangles = ["neck_rotaton_deg"]\n')
    with pytest.raises(ConfigError) as err:
        load_protocols(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}:3:") and "neck_rotaton_deg" in msg and "angles" in msg


def test_missing_required_key_in_a_new_protocol(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '# mine\n[my-test]\ntitle = "t"\nangles = ["neck_rotation_deg"]\n'
        'landmarks = ["nose"]\ninstructions = "a. b."\n',
    )
    with pytest.raises(ConfigError, match=rf"{re.escape(str(path))}:2: .*'my-test'.*'views'"):
        load_protocols(path)


def test_view_that_does_not_suit_the_angle_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, '[shoulder-flexion]\nviews = ["front"]\n')
    with pytest.raises(ConfigError, match="views.*side view"):
        load_protocols(path)


def test_bad_norm_value_is_rejected(tmp_path: Path) -> None:
    path = write(
        tmp_path, '[elbow-flexion.norms.elbow_flexion]\npositive = { normal_deg = "150" }\n'
    )
    with pytest.raises(ConfigError, match=r":2: .*norms\.elbow_flexion\.positive\.normal_deg"):
        load_protocols(path)


def test_negative_norm_for_unsigned_angle_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "[elbow-flexion.norms.elbow_flexion]\nnegative = { normal_deg = 10 }\n")
    with pytest.raises(ConfigError, match="unsigned"):
        load_protocols(path)


def test_missing_user_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_protocols(tmp_path / "nope.toml")


def test_packaged_line_search_points_at_the_key() -> None:
    # the helper used for messages finds real lines in the packaged file
    from rom.metrics.protocols import _find_line, _packaged

    src = _packaged()
    line = _find_line(src.text, ["shoulder-flexion", "views"])
    assert line is not None
    assert src.text.splitlines()[line - 1].startswith("views")
    norm_line = _find_line(src.text, ["posture-front", "norms", "head_tilt", "value"])
    assert norm_line is not None
    assert src.text.splitlines()[norm_line - 1].startswith("value")
