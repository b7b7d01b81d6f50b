"""angles.csv and summary.json writers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from rom.metrics.series import AngleSeries
from rom.outputs import read_angles_csv, write_angles_csv, write_json


def test_angles_csv_round_trip_keeps_missing_cells_empty(tmp_path: Path) -> None:
    t = np.arange(4) / 30
    values = np.array([[10.0, np.nan], [20.004, -5.5], [np.nan, np.nan], [30.0, 1.25]])
    a = AngleSeries(t, ("elbow_flexion_left_deg", "neck_rotation_deg"), values)
    path = write_angles_csv(a, tmp_path / "angles.csv")
    lines = path.read_text().splitlines()
    assert lines[0] == "frame,time_s,elbow_flexion_left_deg,neck_rotation_deg"
    assert lines[3] == "2,0.0667,,"  # not measured: empty, not 0 or nan
    back = read_angles_csv(path)
    assert back.names == a.names
    np.testing.assert_allclose(back.values_deg, np.round(values, 2), equal_nan=True)
    np.testing.assert_allclose(back.time_s, t, atol=1e-4)


def test_summary_json_writes_nan_as_null(tmp_path: Path) -> None:
    path = write_json(
        {"peak_deg": float("nan"), "n": np.int64(3), "x": np.array([1.5])}, tmp_path / "s.json"
    )
    assert json.loads(path.read_text()) == {"peak_deg": None, "n": 3, "x": [1.5]}
