"""Build a multi-view reference: several calibrated views of one person -> 3D landmarks and
angles computed with ``rom``'s own definitions.

Each view's :class:`~rom.sequence.PoseSequence` (as MediaPipe found it, labels as it gave
them) is relabelled per frame where its left/right labels disagree with the other views
(:func:`~rom.metrics.triangulation.choose_labelling`), triangulated robustly over time
(:func:`~rom.metrics.triangulation.triangulate_sequence`, weighted by visibility), turned
into a sequence whose world landmarks are the triangulated ones in MediaPipe's axes with
the lab's vertical as up, and measured by :func:`~rom.metrics.angles.compute_angles` and
:func:`~rom.metrics.filtering.filter_angles` exactly as a single view is. So a reference
angle and a ``rom`` angle share one definition (e.g. hip flexion is the signed sagittal
projection of the thigh against the trunk line, in both).

Limits: the reference is made of the same MediaPipe landmarks it judges (four views of
them), not of markers; its own noise is stated by leaving one camera out
(:func:`leave_one_out_noise`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rom.landmarks import N_LANDMARKS, mirror_index
from rom.metrics import catalogue
from rom.metrics.angles import compute_angles
from rom.metrics.filtering import FilterSettings, bound_unsigned, filter_angles
from rom.metrics.series import AngleSeries
from rom.metrics.triangulation import Camera, choose_labelling, triangulate_sequence
from rom.sequence import PoseSequence

__all__ = ["Reference", "build_reference", "lab_to_world", "leave_one_out_noise"]

#: Lab (X, Y, Z up) -> MediaPipe world axes (x, y down, z): x = X, y = -Z, z = Y
#: (a rotation, determinant +1), so that "up" in rom's 3D angles is the lab's vertical.
LAB_TO_WORLD = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])


@dataclass(frozen=True)
class Reference:
    """A triangulated reference.

    Attributes
    ----------
    cameras : list of Camera
        The views used.
    points_lab : ndarray, shape (frames, 33, 3)
        Landmarks in lab metres (Z up); NaN where no two views agree.
    used : ndarray of bool, shape (views, frames, 33)
        Views each point was triangulated from.
    error_px : ndarray, shape (views, frames, 33)
        Reprojection error of each view's (relabelled) observation.
    swapped : ndarray of bool, shape (views, frames)
        Frames where a view's left/right labels were read swapped.
    sequence : PoseSequence
        The reference as a sequence: ``world_xyz`` from :func:`lab_to_world`, visibility
        1 where triangulated and 0 elsewhere; no image landmarks (NaN).
    angles : AngleSeries
        ``compute_angles`` (3D columns) of ``sequence``, filtered like ``rom analyze``.
    """

    cameras: list[Camera]
    points_lab: np.ndarray
    used: np.ndarray
    error_px: np.ndarray
    swapped: np.ndarray
    sequence: PoseSequence
    angles: AngleSeries

    def reprojection_px(self) -> dict[str, float]:
        """Median reprojection error (pixels) of each camera's used observations."""
        out = {}
        for v, cam in enumerate(self.cameras):
            e = self.error_px[v][self.used[v]]
            out[cam.name] = float(np.median(e)) if e.size else float("nan")
        return out


def lab_to_world(points_lab: np.ndarray) -> np.ndarray:
    """Lab points (frames, 33, 3), Z up -> MediaPipe-style world landmarks: same metres,
    axes (x, y down, z), origin at the hips' midpoint (NaN where a hip is missing)."""
    p = np.asarray(points_lab, dtype=np.float64) @ LAB_TO_WORLD.T
    hips = 0.5 * (p[:, 23] + p[:, 24])
    return p - hips[:, None, :]


def build_reference(
    cameras: list[Camera],
    views: list[PoseSequence],
    *,
    max_error_px: float = 25.0,
    filter_settings: FilterSettings | None = None,
) -> Reference:
    """Triangulate synchronised views of one person into a reference.

    Parameters
    ----------
    cameras : list of Camera
        Calibrations, one per view, same order as ``views``.
    views : list of PoseSequence
        The person in each view, as MediaPipe labelled it (do not undo label swaps per
        view: the views are compared with each other instead). Frame ``i`` of every view
        must be the same instant.
    max_error_px : float
        Inlier threshold of the triangulation (pixels).
    filter_settings : FilterSettings, optional
        As for ``rom analyze`` (default settings when omitted).

    Raises
    ------
    ValueError
        Views and cameras differ in number, views differ in length, or an image size
        differs from its calibration's.
    """
    if len(cameras) != len(views) or len(views) < 2:
        raise ValueError(
            f"need one camera per view and two or more views, got {len(cameras)} cameras, {len(views)} views"
        )
    n = views[0].n_frames
    if any(v.n_frames != n for v in views):
        raise ValueError(f"views must have the same frames, got {[v.n_frames for v in views]}")
    for cam, v in zip(cameras, views, strict=True):
        if tuple(v.image_size_px) != tuple(cam.image_size_px):
            raise ValueError(
                f"view of {cam.name} is {v.image_size_px[0]}x{v.image_size_px[1]} but its "
                f"calibration describes {cam.image_size_px[0]}x{cam.image_size_px[1]}"
            )
    obs = np.stack([np.asarray(v.image_xyz[..., :2], np.float64) for v in views])
    vis = np.nan_to_num(np.stack([np.asarray(v.visibility, np.float64) for v in views]))
    swapped = choose_labelling(cameras, obs, vis)
    idx = np.array(mirror_index())
    obs = np.stack([np.where(s[:, None, None], o[:, idx], o) for s, o in zip(swapped, obs)])
    vis = np.stack([np.where(s[:, None], w[:, idx], w) for s, w in zip(swapped, vis)])
    time_s = np.asarray(views[0].time_s, np.float64)
    points, used, err = triangulate_sequence(cameras, obs, vis, time_s, max_error_px=max_error_px)
    detected = np.isfinite(obs).all(axis=-1).any(axis=-1)  # (views, frames)
    seq = _as_sequence(points, time_s)
    angles = compute_angles(seq, with_3d=True)
    cols = [a.column_3d for a in catalogue.ANGLES.values() if a.has_3d]
    angles = bound_unsigned(filter_angles(angles.select(cols), filter_settings))
    return Reference(cameras, points, used, err, swapped & detected, seq, angles)


def _as_sequence(points_lab: np.ndarray, time_s: np.ndarray) -> PoseSequence:
    world = lab_to_world(points_lab)
    ok = np.isfinite(world).all(axis=-1)
    vis = ok.astype(np.float32)
    image = np.full((time_s.size, N_LANDMARKS, 3), np.nan, np.float32)
    return PoseSequence(
        image_xyz=image,
        world_xyz=world.astype(np.float32),
        visibility=vis,
        presence=vis.copy(),
        time_s=time_s,
        image_size_px=(0, 0),
        source={"kind": "reference"},
    )


def leave_one_out_noise(
    cameras: list[Camera], views: list[PoseSequence], full: Reference | None = None, **kw: object
) -> tuple[dict[str, dict[str, float]], list[Reference]]:
    """The reference's own noise: each camera left out in turn.

    Returns, per 3D angle column, ``{"mae": ..., "rmse": ...}`` (degrees) of the
    leave-one-out references against the full one, pooled over the left-out cameras,
    and the leave-one-out references themselves (in camera order).
    """
    full = full or build_reference(cameras, views, **kw)  # type: ignore[arg-type]
    subs = []
    diffs: dict[str, list[np.ndarray]] = {n: [] for n in full.angles.names}
    for k in range(len(cameras)):
        keep = [i for i in range(len(cameras)) if i != k]
        sub = build_reference([cameras[i] for i in keep], [views[i] for i in keep], **kw)  # type: ignore[arg-type]
        subs.append(sub)
        for name in full.angles.names:
            d = sub.angles[name] - full.angles[name]
            diffs[name].append(d[np.isfinite(d)])
    noise = {}
    for name, parts in diffs.items():
        d = np.concatenate(parts) if parts else np.empty(0)
        noise[name] = {
            "mae": float(np.mean(np.abs(d))) if d.size else float("nan"),
            "rmse": float(np.sqrt(np.mean(d**2))) if d.size else float("nan"),
        }
    return noise, subs
