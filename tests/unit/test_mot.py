"""Tests of rom.io_mot: OpenSim .mot header, NaN handling and round trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rom.errors import InputError
from rom.io_mot import read_mot, write_mot
from rom.metrics.series import AngleSeries


def sample_angles() -> AngleSeries:
    t = np.arange(5) / 30
    values = np.array(
        [[10.0, -5.5], [11.25, np.nan], [12.5, -7.0], [np.nan, -8.125], [15.0, 181.0]]
    )
    return AngleSeries(t, ("shoulder_flexion_left_deg", "neck_rotation_3d_deg"), values)


def test_header_follows_opensim_version_1(tmp_path: Path) -> None:
    path = write_mot(sample_angles(), tmp_path / "a.mot", name="client 12")
    lines = path.read_text().splitlines()
    assert lines[:6] == [
        "client 12",
        "version=1",
        "nRows=5",
        "nColumns=3",
        "inDegrees=yes",
        "endheader",
    ]
    assert lines[6].split("\t") == ["time", "shoulder_flexion_left_deg", "neck_rotation_3d_deg"]
    assert len(lines) == 7 + 5
    assert lines[8].split("\t") == ["0.033333", "11.250000", "NaN"]


def test_round_trip_keeps_names_times_values_and_nan(tmp_path: Path) -> None:
    a = sample_angles()
    b = read_mot(write_mot(a, tmp_path / "a.mot"))
    assert b.names == a.names
    np.testing.assert_allclose(b.time_s, a.time_s, atol=1e-6)
    np.testing.assert_allclose(b.values_deg, a.values_deg, atol=1e-6)  # NaN == NaN here
    np.testing.assert_array_equal(np.isnan(b.values_deg), np.isnan(a.values_deg))


def test_empty_series_round_trips(tmp_path: Path) -> None:
    a = AngleSeries(np.empty(0), ("knee_flexion_left_deg",), np.empty((0, 1)))
    b = read_mot(write_mot(a, tmp_path / "e.mot"))
    assert b.names == a.names and b.values_deg.shape == (0, 1)


def test_radians_file_is_converted_to_degrees(tmp_path: Path) -> None:
    p = tmp_path / "r.sto"
    p.write_text(
        "x\nversion=1\nnRows=2\nnColumns=2\ninDegrees=no\nendheader\n"
        "time\tknee\n0\t0\n0.1\t3.141592653589793\n"
    )
    b = read_mot(p)
    np.testing.assert_allclose(b["knee"], [0.0, 180.0])


def test_row_with_wrong_length_names_the_line(tmp_path: Path) -> None:
    p = tmp_path / "bad.mot"
    p.write_text("x\nnRows=2\nendheader\ntime\ta\tb\n0\t1\t2\n0.1\t1\n")
    with pytest.raises(InputError, match=r"bad\.mot:6: expected 3 values"):
        read_mot(p)


def test_missing_endheader_or_file_is_an_input_error(tmp_path: Path) -> None:
    p = tmp_path / "noheader.mot"
    p.write_text("time\ta\n0\t1\n")
    with pytest.raises(InputError, match="endheader"):
        read_mot(p)
    with pytest.raises(InputError, match="not found"):
        read_mot(tmp_path / "missing.mot")


def test_non_increasing_time_is_refused(tmp_path: Path) -> None:
    a = AngleSeries(np.array([0.0, 0.0]), ("a_deg",), np.zeros((2, 1)))
    with pytest.raises(ValueError, match="increasing"):
        write_mot(a, tmp_path / "t.mot")
