"""The pose sequence: shape checks and a lossless save/load round trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rom.errors import InputError
from rom.sequence import PoseSequence, load, save


def _seq(n: int = 5) -> PoseSequence:
    rng = np.random.default_rng(0)
    s = PoseSequence.empty(
        n,
        (640, 480),
        np.arange(n) / 30.0,
        source={"path": "x.mp4", "fps": 30.0},
        model={"variant": "full"},
    )
    s.image_xyz[1:] = rng.normal(size=(n - 1, 33, 3)).astype(np.float32)
    s.world_xyz[1:] = rng.normal(size=(n - 1, 33, 3)).astype(np.float32)
    s.visibility[1:] = rng.uniform(size=(n - 1, 33)).astype(np.float32)
    s.presence[1:] = rng.uniform(size=(n - 1, 33)).astype(np.float32)
    return s


def test_round_trip_is_lossless(tmp_path: Path) -> None:
    s = _seq()
    back = load(save(s, tmp_path / "pose.npz"))
    for name in ("image_xyz", "world_xyz", "visibility", "presence", "time_s"):
        np.testing.assert_array_equal(getattr(back, name), getattr(s, name))
    assert back.image_size_px == (640, 480)
    assert back.source == s.source and back.model == s.model
    assert back.detected.tolist() == [False, True, True, True, True]


def test_shape_errors_say_what_was_expected() -> None:
    with pytest.raises(
        ValueError, match=r"image_xyz must have shape \(5, 33, 3\), got \(5, 17, 3\)"
    ):
        PoseSequence(
            np.zeros((5, 17, 3)),
            np.zeros((5, 33, 3)),
            np.zeros((5, 33)),
            np.zeros((5, 33)),
            np.arange(5.0),
            (1, 1),
        )


def test_time_must_increase() -> None:
    with pytest.raises(ValueError, match="increasing"):
        PoseSequence.empty(3, (1, 1), np.array([0.0, 0.1, 0.1]))


def test_loading_a_wrong_file_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "bad.npz").write_bytes(b"junk")
    with pytest.raises(InputError):
        load(tmp_path / "bad.npz")
    with pytest.raises(InputError, match="not found"):
        load(tmp_path / "missing.npz")
