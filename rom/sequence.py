"""The pose sequence: the one data structure that flows through rom.

A :class:`PoseSequence` holds one tracked person's landmarks for every frame of a clip.
The first axis of every array is time (frames). A frame where the person was not seen
is a row of NaN, never a missing row, so frame ``i`` is always row ``i``.

Coordinate conventions
----------------------
``image_xyz`` (frames, 33, 3)
    x, y in pixels of the upright frame (origin top-left, x right, y down);
    z is MediaPipe's relative depth scaled to pixels like x (smaller = nearer the camera,
    origin at the hips' midpoint). Use x, y for 2D angles; z is coarse.
``world_xyz`` (frames, 33, 3)
    MediaPipe world landmarks in metres, origin at the hips' midpoint,
    x towards the image's right, y down, z away from the camera (MediaPipe's convention).
``visibility`` / ``presence`` (frames, 33)
    MediaPipe's per-landmark scores in [0, 1]: visibility = likely in view and unoccluded,
    presence = likely inside the frame.
``time_s`` (frames,)
    Presentation time of each frame in seconds from the clip's first frame, read from the
    container (variable frame rate safe).

Files
-----
:func:`save` writes an ``.npz`` (NumPy archive) holding the arrays above under the same
names, plus ``meta_json``: a JSON string with ``image_size_px`` [w, h], ``source`` (path,
fps, codec, rotation, frame count), ``model`` (variant, sha256, mediapipe version) and
``rom_version``. :func:`load` reads it back exactly (float32 arrays, lossless).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from rom.errors import InputError
from rom.files import atomic_path
from rom.landmarks import N_LANDMARKS

FORMAT_VERSION = 1


def _check(name: str, arr: np.ndarray, shape: tuple[int | None, ...]) -> None:
    if arr.ndim != len(shape) or any(s is not None and s != a for s, a in zip(shape, arr.shape)):
        want = "(" + ", ".join("frames" if s is None else str(s) for s in shape) + ")"
        raise ValueError(f"{name} must have shape {want}, got {arr.shape}")


@dataclass(frozen=True)
class PoseSequence:
    """One person's landmarks over a clip. See the module docstring for units and axes."""

    image_xyz: np.ndarray
    world_xyz: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    time_s: np.ndarray
    image_size_px: tuple[int, int]
    source: dict[str, Any] = field(default_factory=dict)
    model: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = self.time_s.shape[0] if self.time_s.ndim == 1 else -1
        _check("time_s", self.time_s, (None,))
        _check("image_xyz", self.image_xyz, (n, N_LANDMARKS, 3))
        _check("world_xyz", self.world_xyz, (n, N_LANDMARKS, 3))
        _check("visibility", self.visibility, (n, N_LANDMARKS))
        _check("presence", self.presence, (n, N_LANDMARKS))
        if n > 1 and np.any(np.diff(self.time_s) <= 0):
            raise ValueError("time_s must be strictly increasing")

    # -- construction -------------------------------------------------------------------
    @classmethod
    def empty(
        cls,
        n_frames: int,
        image_size_px: tuple[int, int],
        time_s: np.ndarray | None = None,
        **meta: Any,
    ) -> PoseSequence:
        """A sequence of ``n_frames`` frames where the person is nowhere (all NaN)."""
        t = np.arange(n_frames, dtype=np.float64) if time_s is None else np.asarray(time_s, float)
        nan3 = np.full((n_frames, N_LANDMARKS, 3), np.nan, np.float32)
        nan1 = np.full((n_frames, N_LANDMARKS), np.nan, np.float32)
        return cls(nan3, nan3.copy(), nan1, nan1.copy(), t, image_size_px, **meta)

    # -- derived views ------------------------------------------------------------------
    @property
    def n_frames(self) -> int:
        return int(self.time_s.shape[0])

    @property
    def detected(self) -> np.ndarray:
        """Boolean (frames,): True where the tracked person was found."""
        return ~np.isnan(self.image_xyz[:, :, 0]).all(axis=1)

    @property
    def fps(self) -> float:
        """Median frame rate in frames per second (from timestamps)."""
        if self.n_frames < 2:
            return float(self.source.get("fps", 0.0) or 0.0)
        return float(1.0 / np.median(np.diff(self.time_s)))

    def with_arrays(self, **arrays: np.ndarray) -> PoseSequence:
        """A new sequence with some arrays replaced (the original is untouched)."""
        return replace(self, **arrays)  # type: ignore[arg-type]

    def slice(self, start: int, stop: int) -> PoseSequence:
        """Frames ``start:stop`` as a new sequence."""
        s = np.s_[start:stop]
        return replace(
            self,
            image_xyz=self.image_xyz[s],
            world_xyz=self.world_xyz[s],
            visibility=self.visibility[s],
            presence=self.presence[s],
            time_s=self.time_s[s],
        )


def save(seq: PoseSequence, path: str | Path) -> Path:
    """Write ``seq`` to ``path`` (``.npz``); returns the path. Written atomically
    (:func:`rom.files.atomic_path`); :class:`~rom.errors.OutputError` if it cannot be."""
    path = Path(path)
    meta = {
        "format_version": FORMAT_VERSION,
        "image_size_px": list(seq.image_size_px),
        "source": seq.source,
        "model": seq.model,
    }
    with atomic_path(path) as tmp:
        np.savez_compressed(
            tmp,
            image_xyz=seq.image_xyz.astype(np.float32),
            world_xyz=seq.world_xyz.astype(np.float32),
            visibility=seq.visibility.astype(np.float32),
            presence=seq.presence.astype(np.float32),
            time_s=seq.time_s.astype(np.float64),
            meta_json=np.array(json.dumps(meta, default=str)),
        )
    return path


def load(path: str | Path) -> PoseSequence:
    """Read a sequence written by :func:`save`."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"pose file not found: {path} (run `rom analyze` first to create it)")
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta_json"]))
            return PoseSequence(
                image_xyz=z["image_xyz"],
                world_xyz=z["world_xyz"],
                visibility=z["visibility"],
                presence=z["presence"],
                time_s=z["time_s"],
                image_size_px=(int(meta["image_size_px"][0]), int(meta["image_size_px"][1])),
                source=meta.get("source", {}),
                model=meta.get("model", {}),
            )
    except (KeyError, ValueError, OSError) as exc:
        raise InputError(f"{path} is not a rom pose file ({exc}); re-run `rom analyze`") from exc
