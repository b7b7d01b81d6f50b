"""MediaPipe Pose Landmarker, held as a resource (context manager), results as NumPy.

The landmarker runs in VIDEO mode: timestamps must increase, and MediaPipe tracks the
pose from one frame to the next (the detector runs only when tracking is lost).
"""

from __future__ import annotations

import contextlib
from concurrent.futures import Future, ThreadPoolExecutor
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
        self.options = (num_poses, min_detection_confidence, min_tracking_confidence)
        self._last_ms = -1
        self._offset_ms = 0

    def restart(self) -> None:
        """Forget the previous clip: the next frame may start again at time 0.

        MediaPipe's VIDEO mode keeps state between frames (the region it tracks, the
        landmark smoothing). A blank frame clears it, and the clock moves on so that
        timestamps keep increasing. Called at the start of every clip, so a landmarker
        reused across clips gives the same landmarks as a newly loaded one. A landmarker
        that has seen no frame yet has nothing to forget, and is left as it is.
        """
        if self._last_ms < 0:
            return
        blank = np.zeros((32, 32, 3), np.uint8)
        self._offset_ms = 0
        self.detect(blank, (self._last_ms + 1) / 1000.0)
        self._offset_ms = self._last_ms + 1

    def detect(self, rgb: np.ndarray, time_s: float) -> list[RawPose]:
        """Poses in one C-contiguous RGB frame taken at ``time_s`` seconds."""
        import mediapipe as mp

        # MediaPipe wants strictly increasing integer milliseconds.
        ms = max(self._offset_ms + round(time_s * 1000.0), self._last_ms + 1)
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

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return getattr(self, "_lm", None) is None

    def close(self) -> None:
        if not self.closed:
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


class LandmarkerPair:
    """The two landmarkers one extraction uses, loaded once and reusable across clips.

    ``search`` (up to ``num_poses`` people, whole frames) chooses the person and rescues
    the track; it is restarted for each clip (:meth:`Landmarker.restart`). ``single``
    (one pose, a region around the person) tracks them; it keeps state that a blank
    frame does not clear (seen: a reused one accepts different frames of a later clip),
    so each clip that used it gets a new one, loaded on another thread while ``search``
    works on the next clip's first frames. :meth:`single` waits for it. Either way a clip
    gives the same landmarks as with newly loaded landmarkers.

    Close the pair (or use ``with``) when done; :func:`rom.pose.extract.extract_poses`
    calls :meth:`restart` at the start of each clip.

    Raises :class:`ModelError` when MediaPipe cannot load the model.
    """

    def __init__(
        self,
        model_path: str | Path,
        *,
        num_poses: int,
        min_detection_confidence: float,
        min_tracking_confidence: float,
    ) -> None:
        self.model_path = Path(model_path)
        self._confidences = (min_detection_confidence, min_tracking_confidence)
        self.search = Landmarker(
            model_path,
            num_poses=num_poses,
            min_detection_confidence=min_detection_confidence,
            min_tracking_confidence=min_tracking_confidence,
        )
        self._loader = ThreadPoolExecutor(max_workers=1)
        self._single = self._load_single()
        self._single_used = False

    def _load_single(self) -> Future[Landmarker]:
        det, trk = self._confidences
        return self._loader.submit(
            Landmarker,
            self.model_path,
            num_poses=1,
            min_detection_confidence=det,
            min_tracking_confidence=trk,
        )

    @property
    def options(self) -> tuple[int, float, float]:
        """(num_poses, min_detection_confidence, min_tracking_confidence) of ``search``."""
        return self.search.options

    def single(self) -> Landmarker:
        """The single-pose landmarker of this clip (waits for it to load)."""
        single = self._single.result()
        if not self._single_used:
            single.restart()
            self._single_used = True
        return single

    def restart(self) -> None:
        """Start a new clip: ``search`` restarted, a used ``single`` replaced."""
        self.search.restart()
        if self._single_used:
            old = self._single
            self._single = self._load_single()
            self._single_used = False
            with contextlib.suppress(Exception):  # a failed load was reported by single()
                old.result().close()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called (the landmarkers cannot look any more)."""
        return self.search.closed

    def close(self) -> None:
        self.search.close()
        with contextlib.suppress(Exception):
            self._single.result().close()
        self._loader.shutdown(wait=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
