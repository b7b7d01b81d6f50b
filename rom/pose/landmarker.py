"""MediaPipe Pose Landmarker, held as a resource (context manager), results as NumPy.

The landmarker runs in VIDEO mode: timestamps must increase, and MediaPipe tracks the
pose from one frame to the next (the detector runs only when tracking is lost).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import numpy as np

from rom.errors import ModelError
from rom.pose.quiet import quiet_native_stderr


@dataclass(frozen=True)
class RawPose:
    """One pose as MediaPipe returned it.

    ``image`` (33, 3): x, y normalised to the image given (0..1), z relative depth in the
    same scale as x. ``world`` (33, 3): metres, hip-centred. ``visibility`` and
    ``presence`` (33,): scores in 0..1.
    """

    image: np.ndarray
    world: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray


class Landmarker:
    """A MediaPipe PoseLandmarker in VIDEO mode. Close it (or use ``with``) when done."""

    def __init__(
        self,
        model_path: str | Path,
        *,
        num_poses: int = 1,
        min_detection_confidence: float = 0.5,
        min_presence_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        from mediapipe.tasks.python import BaseOptions, vision

        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model_path)),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=num_poses,
            min_pose_detection_confidence=min_detection_confidence,
            min_pose_presence_confidence=min_presence_confidence,
            min_tracking_confidence=min_tracking_confidence,
        )
        try:
            with quiet_native_stderr():
                self._lm = vision.PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError, OSError) as exc:  # what MediaPipe raises on bad models
            self._lm = None
            reason = " ".join(str(exc).split())[:160]
            raise ModelError(
                f"MediaPipe cannot load the pose model {model_path} ({reason}); delete it or "
                "give another with --model / ROM_MODEL_PATH"
            ) from exc
        self._last_ms = -1

    def detect(self, rgb: np.ndarray, time_s: float) -> list[RawPose]:
        """Poses in one C-contiguous RGB frame taken at ``time_s`` seconds."""
        import mediapipe as mp

        # MediaPipe wants strictly increasing integer milliseconds.
        ms = max(round(time_s * 1000.0), self._last_ms + 1)
        self._last_ms = ms
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
        result = self._lm.detect_for_video(image, ms)
        poses = []
        worlds = result.pose_world_landmarks or [None] * len(result.pose_landmarks)
        for lms, wlms in zip(result.pose_landmarks, worlds):
            arr = np.array(
                [(p.x, p.y, p.z, p.visibility or 0.0, p.presence or 0.0) for p in lms],
                dtype=np.float32,
            )
            world = (
                np.array([(p.x, p.y, p.z) for p in wlms], dtype=np.float32)
                if wlms is not None
                else np.full((33, 3), np.nan, np.float32)
            )
            poses.append(RawPose(arr[:, :3], world, arr[:, 3], arr[:, 4]))
        return poses

    def close(self) -> None:
        if getattr(self, "_lm", None) is not None:
            with quiet_native_stderr():
                self._lm.close()
            self._lm = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        # Closed explicitly normally; this only avoids a leak. At interpreter shutdown
        # there is nobody left to report a failure to.
        with contextlib.suppress(Exception):
            self.close()
