"""Multi-view triangulation of pose landmarks with calibrated cameras (pure NumPy).

Several synchronised, calibrated cameras film the same person; each view's landmarks
(pixels) are combined into one 3D skeleton in the lab's frame. This is how ``rom`` builds
a reference to measure its single-view accuracy against (:mod:`rom.reference`).

Conventions
-----------
A :class:`Camera` is a pinhole (OpenCV convention): a lab point ``X`` (metres) is seen in
camera coordinates ``x_c = R X + t`` (x right, y down, z along the optical axis) and
projects to pixels ``u = K x_c / z_c``. Lens distortion is ignored (it moves the lab's
points by well under a pixel). Observations are stacked view first: ``(views, ..., 2)``
pixels with NaN where a view did not see a landmark, and weights ``(views, ...)`` in
[0, 1] (MediaPipe's visibility; 0 = not used).

Method
------
:func:`triangulate` is the linear (DLT) least-squares solution (Hartley & Zisserman,
*Multiple View Geometry*, 2nd ed., section 12.2), each view's two equations weighted by
the observation's weight and divided by the point's depth in that view (re-solved twice),
so that the residual it minimises approximates the weighted reprojection error in pixels.
:func:`triangulate_robust` then drops, one at a time, the view with the worst error while
it exceeds ``max_error_px`` and at least ``min_views`` views remain (one bad view: an
occluded limb, a landmark on the wrong person). :func:`choose_labelling` tells, per frame,
which views carry MediaPipe's left/right labels swapped (see its docstring).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from rom.landmarks import LANDMARK_INDEX, N_LANDMARKS, mirror_index
from rom.metrics.geometry import dot, midpoint

__all__ = [
    "PARENT",
    "Camera",
    "Candidates",
    "choose_labelling",
    "project",
    "reprojection_error_px",
    "triangulate",
    "triangulate_robust",
    "triangulate_sequence",
    "triangulation_candidates",
]


@dataclass(frozen=True)
class Camera:
    """A calibrated pinhole camera.

    Attributes
    ----------
    name : str
        Identifier (e.g. the serial in the calibration file).
    K : ndarray, shape (3, 3)
        Intrinsic matrix in pixels (focal lengths, principal point from the top-left).
    R : ndarray, shape (3, 3)
        Rotation lab -> camera (rows: the camera's x right, y down, z forward axes in lab
        coordinates).
    t : ndarray, shape (3,)
        Translation in metres: ``x_c = R X + t``; the camera centre is ``-R^T t``.
    image_size_px : (int, int)
        Width and height of the frames the intrinsics describe.
    """

    name: str
    K: np.ndarray
    R: np.ndarray
    t: np.ndarray
    image_size_px: tuple[int, int]

    def __post_init__(self) -> None:
        for attr, shape in (("K", (3, 3)), ("R", (3, 3)), ("t", (3,))):
            arr = np.asarray(getattr(self, attr), dtype=np.float64)
            if arr.shape != shape:
                raise ValueError(f"Camera.{attr} must have shape {shape}, got {arr.shape}")
            object.__setattr__(self, attr, arr)
        if not np.allclose(self.R @ self.R.T, np.eye(3), atol=1e-6):
            raise ValueError(f"Camera.R of {self.name!r} is not a rotation matrix")

    @property
    def P(self) -> np.ndarray:
        """Projection matrix ``K [R | t]``, shape (3, 4)."""
        return self.K @ np.hstack([self.R, self.t[:, None]])

    @property
    def centre(self) -> np.ndarray:
        """Camera centre in lab coordinates (metres), shape (3,)."""
        return -self.R.T @ self.t


def project(camera: Camera, points: np.ndarray) -> np.ndarray:
    """Pixels of lab points seen by ``camera``.

    Parameters
    ----------
    points : ndarray, shape (..., 3)
        Lab coordinates in metres.

    Returns
    -------
    ndarray, shape (..., 2)
        Pixels (x right, y down); NaN for NaN points and for points behind the camera.

    Examples
    --------
    >>> cam = Camera("c", np.diag([100.0, 100, 1]), np.eye(3), np.zeros(3), (200, 200))
    >>> project(cam, np.array([0.1, 0.2, 2.0])).tolist()
    [5.0, 10.0]
    """
    x = np.asarray(points, dtype=np.float64)
    c = x @ camera.R.T + camera.t
    with np.errstate(invalid="ignore", divide="ignore"):
        h = c @ camera.K.T
        uv = h[..., :2] / h[..., 2:3]
    return np.where((c[..., 2:3] > 0), uv, np.nan)


def reprojection_error_px(
    cameras: list[Camera], points: np.ndarray, observed_px: np.ndarray
) -> np.ndarray:
    """Distance (pixels) between each view's observation and the point's projection.

    ``points`` (..., 3) lab metres; ``observed_px`` (views, ..., 2). Returns (views, ...),
    NaN where either is missing.
    """
    obs = np.asarray(observed_px, dtype=np.float64)
    _check_views(cameras, obs)
    proj = np.stack([project(c, points) for c in cameras])
    return np.sqrt(np.sum((proj - obs) ** 2, axis=-1))


def _check_views(cameras: list[Camera], observed_px: np.ndarray) -> None:
    if observed_px.ndim < 2 or observed_px.shape[0] != len(cameras) or observed_px.shape[-1] != 2:
        raise ValueError(
            f"observations must have shape ({len(cameras)} views, ..., 2), got {observed_px.shape}"
        )


def triangulate(
    cameras: list[Camera],
    observed_px: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    iterations: int = 2,
) -> np.ndarray:
    """Weighted linear triangulation of points seen by several cameras.

    Parameters
    ----------
    cameras : list of Camera
        One per view.
    observed_px : ndarray, shape (views, ..., 2)
        Pixels per view; NaN where a view did not see the point.
    weights : ndarray, shape (views, ...), optional
        Per observation, in [0, 1] (e.g. visibility); 1 when omitted. A weight of 0 (or a
        NaN observation) leaves the view out.
    iterations : int
        Re-solutions with each view's equations divided by the point's depth there.

    Returns
    -------
    ndarray, shape (..., 3)
        Lab coordinates (metres); NaN where fewer than two views are used.

    Examples
    --------
    >>> k = np.array([[800.0, 0, 320], [0, 800, 240], [0, 0, 1]])
    >>> a = Camera("a", k, np.eye(3), np.array([0.0, 0, 3]), (640, 480))
    >>> b = Camera("b", k, np.eye(3), np.array([-1.0, 0, 3]), (640, 480))
    >>> x = np.array([0.2, -0.1, 0.5])
    >>> obs = np.stack([project(a, x), project(b, x)])
    >>> triangulate([a, b], obs).round(6).tolist()
    [0.2, -0.1, 0.5]
    """
    obs = np.asarray(observed_px, dtype=np.float64)
    _check_views(cameras, obs)
    shape = obs.shape[1:-1]
    n_views = len(cameras)
    obs2 = obs.reshape(n_views, -1, 2)
    w = np.ones(obs2.shape[:2]) if weights is None else np.asarray(weights, np.float64)
    w = np.where(np.isfinite(w), w, 0.0).reshape(n_views, -1)
    w = np.where(np.isfinite(obs2).all(axis=-1), np.clip(w, 0.0, None), 0.0)
    used = (w > 0).sum(axis=0) >= 2
    uv = np.nan_to_num(obs2)
    P = np.stack([c.P for c in cameras])  # (V, 3, 4)
    # rows u P3 - P1 and v P3 - P2 for each view: (N, 2V, 4)
    rows = np.concatenate(
        [
            uv[..., 0:1] * P[:, None, 2] - P[:, None, 0],
            uv[..., 1:2] * P[:, None, 2] - P[:, None, 1],
        ],
        axis=0,
    )  # (2V, N, 4)
    scale = np.concatenate([w, w], axis=0)  # (2V, N)
    # normalise the rows' size so that the weights, not the pixels' magnitude, decide
    x = np.full((obs2.shape[1], 3), np.nan)
    depth = np.ones_like(scale)
    for _ in range(iterations + 1):
        a = rows * (scale / depth)[..., None]
        a = np.moveaxis(a, 0, 1)  # (N, 2V, 4)
        a = a / np.maximum(
            np.linalg.norm(a, axis=-1, keepdims=True).max(axis=1, keepdims=True), 1e-12
        )
        _, _, vt = np.linalg.svd(a[used])
        h = vt[:, -1]
        with np.errstate(invalid="ignore", divide="ignore"):
            x[used] = h[:, :3] / h[:, 3:4]
        z = np.einsum("vj,nj->vn", P[:, 2, :3], x) + P[:, 2, 3][:, None]  # (V, N) depth
        z = np.where(np.isfinite(z) & (z > 1e-6), z, 1.0)
        depth = np.concatenate([z, z], axis=0)
    x[~used] = np.nan
    return x.reshape(*shape, 3)


@dataclass(frozen=True)
class Candidates:
    """Every solution :func:`triangulation_candidates` found for each point.

    Attributes
    ----------
    points : ndarray, shape (candidates, ..., 3)
        Lab metres, each re-triangulated from its inliers; NaN where the subset is not
        usable (fewer than ``min_views`` inliers, or one of its own views an outlier).
    inliers : ndarray of bool, shape (candidates, views, ...)
        Views within ``max_error_px`` of each solution.
    error_px : ndarray, shape (candidates, ...)
        Weighted mean reprojection error of the inliers.
    """

    points: np.ndarray
    inliers: np.ndarray
    error_px: np.ndarray

    @property
    def n_inliers(self) -> np.ndarray:
        """(candidates, ...) number of inlier views; 0 for unusable candidates."""
        return np.where(np.isfinite(self.points[..., 0]), self.inliers.sum(axis=1), 0)


def triangulation_candidates(
    cameras: list[Camera],
    observed_px: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    max_error_px: float = 25.0,
    min_views: int = 2,
    min_weight: float = 0.1,
) -> Candidates:
    """Triangulate every subset of views (exhaustive RANSAC hypotheses).

    Every subset of at least ``min_views`` usable views (weight >= ``min_weight``) is
    triangulated; a view is an inlier of a solution when its reprojection error is below
    ``max_error_px``; a subset one of whose own views is an outlier is dropped, and each
    kept solution is re-triangulated from all its inliers. The number of subsets grows as
    2^views: meant for a handful of cameras. ``observed_px`` (views, ..., 2) and
    ``weights`` (views, ...) as in :func:`triangulate`.
    """
    obs = np.asarray(observed_px, dtype=np.float64)
    _check_views(cameras, obs)
    n_views = len(cameras)
    w = np.ones(obs.shape[:-1]) if weights is None else np.asarray(weights, np.float64)
    w = np.where(np.isfinite(w) & (w >= min_weight) & np.isfinite(obs).all(axis=-1), w, 0.0)
    usable = w > 0
    expand = (-1,) + (1,) * (w.ndim - 1)
    pts, inl_all, errs = [], [], []
    for k in range(min_views, n_views + 1):
        for subset in itertools.combinations(range(n_views), k):
            mask = np.zeros(n_views, dtype=bool)
            mask[list(subset)] = True
            x = triangulate(cameras, obs, np.where(mask.reshape(expand), w, 0.0))
            err = reprojection_error_px(cameras, x, obs)
            with np.errstate(invalid="ignore"):
                inl = usable & (err < max_error_px)
            own = (inl | ~mask.reshape(expand)).all(axis=0)
            x = triangulate(cameras, obs, np.where(inl, w, 0.0))  # from all its inliers
            err = reprojection_error_px(cameras, x, obs)
            with np.errstate(invalid="ignore"):
                inl = usable & (err < max_error_px)
            keep = own & (inl.sum(axis=0) >= min_views) & np.isfinite(x[..., 0])
            x[~keep] = np.nan
            wi = np.where(inl, w, 0.0)
            with np.errstate(invalid="ignore", divide="ignore"):
                e = np.where(inl, err * w, 0.0).sum(axis=0) / wi.sum(axis=0)
            pts.append(x)
            inl_all.append(inl & keep[None])
            errs.append(np.where(keep, e, np.nan))
    return Candidates(np.stack(pts), np.stack(inl_all), np.stack(errs))


def triangulate_robust(
    cameras: list[Camera],
    observed_px: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    max_error_px: float = 25.0,
    min_views: int = 2,
    min_weight: float = 0.1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`triangulate` from the largest set of views that agree, point by point.

    Of the :func:`triangulation_candidates`, the one with the most inliers wins (ties:
    the least mean inlier error). So bad views (an occluded limb, a landmark on the wrong
    person, a partial left/right swap) are left out as long as ``min_views`` good ones
    agree; a point that no ``min_views`` views agree on is NaN. Two views can agree by
    chance on a wrong point (near its epipolar line): :func:`triangulate_sequence` adds
    time and bone lengths against that.

    Returns
    -------
    points : ndarray, shape (..., 3)
        Lab metres; NaN where fewer than ``min_views`` views agree.
    used : ndarray of bool, shape (views, ...)
        The views each point was triangulated from (its inliers).
    error_px : ndarray, shape (views, ...)
        Reprojection error of every view's observation (used or not), NaN where missing.
    """
    cand = triangulation_candidates(
        cameras,
        observed_px,
        weights,
        max_error_px=max_error_px,
        min_views=min_views,
        min_weight=min_weight,
    )
    score = cand.n_inliers - np.nan_to_num(cand.error_px, nan=0.0) / (10.0 * max_error_px)
    score = np.where(cand.n_inliers > 0, score, -np.inf)
    best = np.argmax(score, axis=0)
    return _pick(cameras, observed_px, cand, best)


def _pick(
    cameras: list[Camera], observed_px: np.ndarray, cand: Candidates, choice: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points, inliers and every view's error for one candidate index per point (-1 =
    none)."""
    c = np.clip(choice, 0, None)
    x = np.take_along_axis(cand.points, c[None, ..., None], axis=0)[0]
    used = np.take_along_axis(cand.inliers, c[None, None], axis=0)[0]
    none = (choice < 0) | ~np.isfinite(x[..., 0])
    x = np.where(none[..., None], np.nan, x)
    used = used & ~none[None]
    err = reprojection_error_px(cameras, x, np.asarray(observed_px, dtype=np.float64))
    return x, used, err


#: Each landmark's parent along the limbs (a bone whose length stays constant).
PARENT = {
    **{f"{s}_elbow": f"{s}_shoulder" for s in ("left", "right")},
    **{f"{s}_wrist": f"{s}_elbow" for s in ("left", "right")},
    **{f"{s}_{h}": f"{s}_wrist" for s in ("left", "right") for h in ("pinky", "index", "thumb")},
    **{f"{s}_knee": f"{s}_hip" for s in ("left", "right")},
    **{f"{s}_ankle": f"{s}_knee" for s in ("left", "right")},
    **{f"{s}_{f}": f"{s}_ankle" for s in ("left", "right") for f in ("heel", "foot_index")},
}


def triangulate_sequence(
    cameras: list[Camera],
    observed_px: np.ndarray,
    weights: np.ndarray,
    time_s: np.ndarray,
    *,
    max_error_px: float = 25.0,
    min_views: int = 2,
    min_weight: float = 0.1,
    speed_m_s: float = 3.0,
    noise_m: float = 0.05,
    bone_tolerance: float = 0.15,
    missing_cost: float = 3.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Triangulate a clip's landmarks robustly over time.

    Per landmark, each frame offers the :func:`triangulation_candidates` (and "missing");
    the path through the clip that minimises a sum of costs is chosen by dynamic
    programming (Viterbi):

    * each usable view that is *not* an inlier costs 1, plus the mean inlier error over
      ``max_error_px`` (more views agreeing, and agreeing better, wins);
    * moving between consecutive frames costs ``((distance - noise_m) / (speed_m_s dt))^2``
      (zero within ``noise_m``, the scatter of two solutions of one point: a point cannot
      jump across the body from one frame to the next);
    * a limb point (:data:`PARENT`) whose bone length differs from the bone's median over
      the clip (from points seen by at least three views) costs
      ``((length - median) / (bone_tolerance median))^2``, capped at 9; parents are
      solved before their children;
    * "missing" costs ``missing_cost`` per frame.

    Two views alone can agree on a wrong point by chance (near its epipolar line); time
    and bone length reject such points.

    Parameters
    ----------
    observed_px : ndarray, shape (views, frames, 33, 2)
    weights : ndarray, shape (views, frames, 33)
        Visibility; use :func:`choose_labelling` first to relabel swapped views.
    time_s : ndarray, shape (frames,)

    Returns
    -------
    points : ndarray, shape (frames, 33, 3)
    used : ndarray of bool, shape (views, frames, 33)
    error_px : ndarray, shape (views, frames, 33)
    """
    obs = np.asarray(observed_px, dtype=np.float64)
    t = np.asarray(time_s, dtype=np.float64)
    n_views = len(cameras)
    if obs.shape[0] != n_views or obs.shape[2:] != (N_LANDMARKS, 2) or obs.shape[1] != t.size:
        raise ValueError(
            f"observed_px must have shape ({n_views}, {t.size}, {N_LANDMARKS}, 2), got {obs.shape}"
        )
    cand = triangulation_candidates(
        cameras,
        obs,
        weights,
        max_error_px=max_error_px,
        min_views=min_views,
        min_weight=min_weight,
    )
    w = np.asarray(weights, dtype=np.float64)
    usable = (np.nan_to_num(w) >= min_weight) & np.isfinite(obs).all(axis=-1)  # (V, F, 33)
    n_usable = usable.sum(axis=0)  # (F, 33)
    base = (n_usable[None] - cand.n_inliers) + np.nan_to_num(cand.error_px) / max_error_px
    base = np.where(cand.n_inliers > 0, base, np.inf)  # (C, F, 33)
    strong, _, _ = triangulate_robust(
        cameras, obs, weights, max_error_px=max_error_px, min_views=3, min_weight=min_weight
    )
    dt = np.diff(t)
    choice = np.full((t.size, N_LANDMARKS), -1)
    for name in _kinematic_order():
        j = LANDMARK_INDEX[name]
        unary = base[:, :, j].T.copy()  # (F, C)
        pts = cand.points[:, :, j]  # (C, F, 3)
        parent = PARENT.get(name)
        if parent is not None:
            pj = LANDMARK_INDEX[parent]
            lengths = np.linalg.norm(strong[:, j] - strong[:, pj], axis=-1)
            if np.isfinite(lengths).sum() >= 3:
                med = float(np.nanmedian(lengths))
                par = _chosen_points(cand, choice[:, pj], pj)  # (F, 3)
                dev = (np.linalg.norm(pts - par[None], axis=-1) - med) / (bone_tolerance * med)
                unary += np.minimum(np.nan_to_num(dev.T**2, nan=0.0), 9.0)
        choice[:, j] = _track(unary, pts, dt, speed_m_s, noise_m, missing_cost)
    return _pick(cameras, obs, cand, choice)


def _kinematic_order() -> list[str]:
    """Landmark names with every parent before its children."""
    order = [n for n in LANDMARK_INDEX if n not in PARENT]
    while len(order) < N_LANDMARKS:
        order += [n for n, p in PARENT.items() if p in order and n not in order]
    return order


def _chosen_points(cand: Candidates, choice: np.ndarray, j: int) -> np.ndarray:
    c = np.clip(choice, 0, None)
    x = cand.points[c, np.arange(choice.size), j]
    return np.where((choice >= 0)[:, None], x, np.nan)


def _track(
    unary: np.ndarray,
    pts: np.ndarray,
    dt: np.ndarray,
    speed_m_s: float,
    noise_m: float,
    missing_cost: float,
) -> np.ndarray:
    """Viterbi over candidates (+ a last "missing" state) of one point: index per frame,
    -1 for missing. ``unary`` (F, C) is inf for unusable candidates."""
    n_frames, n_cand = unary.shape
    u = np.concatenate([unary, np.full((n_frames, 1), missing_cost)], axis=1)
    cost = u[0].copy()
    back = np.zeros(u.shape, dtype=int)
    for k in range(1, n_frames):
        d = np.linalg.norm(pts[:, k - 1][:, None] - pts[:, k][None], axis=-1)  # (C, C)
        step = np.maximum(d - noise_m, 0.0) / (speed_m_s * dt[k - 1])
        move = np.nan_to_num(step**2, nan=np.inf)
        trans = np.zeros((n_cand + 1, n_cand + 1))
        trans[:n_cand, :n_cand] = move
        with np.errstate(invalid="ignore"):
            total = cost[:, None] + trans
        back[k] = np.argmin(total, axis=0)
        cost = total[back[k], np.arange(n_cand + 1)] + u[k]
    path = np.zeros(n_frames, dtype=int)
    path[-1] = int(np.argmin(cost))
    for k in range(n_frames - 1, 0, -1):
        path[k - 1] = back[k, path[k]]
    return np.where(path == n_cand, -1, path)


# --- left/right labelling --------------------------------------------------------------------
_PAIRS = [
    (LANDMARK_INDEX[n], LANDMARK_INDEX["right_" + n[5:]])
    for n in LANDMARK_INDEX
    if n.startswith("left_")
]
#: Cost of reading a view as mirrored (pixels): breaks ties towards "as labelled".
_FLIP_TIE_PX = 1e-3
#: Landmarks scored by :func:`choose_labelling`: every paired one, and the nose.
_SCORED = np.array(sorted({i for pair in _PAIRS for i in pair} | {LANDMARK_INDEX["nose"]}))


def choose_labelling(
    cameras: list[Camera],
    image_px: np.ndarray,
    weights: np.ndarray,
    *,
    cap_px: float = 50.0,
    switch_px: float = 3.0,
    chirality_px: float = 5.0,
) -> np.ndarray:
    """Per frame, which views carry MediaPipe's left/right labels swapped.

    Every labelling (each view as labelled or mirrored) is scored per frame by the
    weighted mean reprojection error of the lateral landmarks (shoulders to feet, eyes,
    ears) triangulated with it, each error capped at ``cap_px`` so that one bad view
    cannot dominate. Labelling every view the other way round is equally consistent (the
    mirror image of the person), so anatomy tells the two apart: the person's forwards
    (trunk up x right, ISB axes) must point the way the nose points from the ears and the
    toes from the heels; each of these three cues against it costs ``chirality_px``. A
    view's labelling changes rarely, so the labellings over the clip are chosen together
    (Viterbi), each change of one view's labelling between frames costing ``switch_px``.

    Parameters
    ----------
    image_px : ndarray, shape (views, frames, 33, 2)
        Each view's landmarks in pixels (NaN where unseen).
    weights : ndarray, shape (views, frames, 33)
        Visibility in [0, 1].

    Returns
    -------
    ndarray of bool, shape (views, frames)
        True where that view's labels are swapped in that frame (so its left and right
        landmarks must trade places before triangulating).
    """
    obs = np.asarray(image_px, dtype=np.float64)
    wts = np.nan_to_num(np.asarray(weights, dtype=np.float64))
    n_views, n_frames = obs.shape[:2]
    if obs.shape[2:] != (N_LANDMARKS, 2) or wts.shape != obs.shape[:3]:
        raise ValueError(
            f"image_px must have shape (views, frames, {N_LANDMARKS}, 2) and weights "
            f"(views, frames, {N_LANDMARKS}); got {obs.shape} and {wts.shape}"
        )
    mirror = np.array(mirror_index())
    states: list[tuple[bool, ...]] = []
    unary: list[np.ndarray] = []
    for combo in itertools.product((False, True), repeat=n_views - 1):
        flips = (False, *combo)
        o = np.stack([obs[v][:, mirror] if f else obs[v] for v, f in enumerate(flips)])
        w = np.stack([wts[v][:, mirror] if f else wts[v] for v, f in enumerate(flips)])
        x = triangulate(cameras, o[:, :, _SCORED], w[:, :, _SCORED])
        err = reprojection_error_px(cameras, x, o[:, :, _SCORED])
        err = np.minimum(np.nan_to_num(err, nan=cap_px), cap_px)
        ws = w[:, :, _SCORED]
        cost = (err * ws).sum(axis=(0, 2)) / np.maximum(ws.sum(axis=(0, 2)), 1e-9)
        full = np.full((n_frames, N_LANDMARKS, 3), np.nan)
        full[:, _SCORED] = x
        votes = _facing_votes(full)  # (frames,) in [-3, 3]; the mirror image has -votes
        for state, sign in ((flips, 1.0), (tuple(not f for f in flips), -1.0)):
            against = np.nan_to_num(np.maximum(0.0, -sign * votes)) + 0.5 * np.isnan(votes)
            states.append(state)
            # ties (a view unseen): "as labelled" by a hair
            unary.append(cost + chirality_px * against + _FLIP_TIE_PX * sum(state))
    st = np.array(states)  # (S, V)
    change = (st[:, None, :] != st[None, :, :]).sum(axis=-1) * switch_px  # (S, S)
    path = _viterbi(np.stack(unary, axis=1), change)
    return st[path].T


def _viterbi(unary: np.ndarray, transition: np.ndarray) -> np.ndarray:
    """State index per frame minimising the summed unary (frames, S) and transition
    (S, S) costs."""
    n, _ = unary.shape
    cost = unary[0].copy()
    back = np.zeros(unary.shape, dtype=int)
    for k in range(1, n):
        total = cost[:, None] + transition  # from i to j
        back[k] = np.argmin(total, axis=0)
        cost = total[back[k], np.arange(total.shape[1])] + unary[k]
    path = np.zeros(n, dtype=int)
    path[-1] = int(np.argmin(cost))
    for k in range(n - 1, 0, -1):
        path[k - 1] = back[k, path[k]]
    return path


def _facing_votes(points: np.ndarray) -> np.ndarray:
    """(frames,) sum of the signs of three facing cues of a skeleton (frames, 33, 3):
    whether the nose (from the ears) and each foot's toes (from its heel) point along the
    body's forwards (trunk up x right); -3 for a mirror image, NaN when none is known."""
    i = LANDMARK_INDEX

    def p(name: str) -> np.ndarray:
        if name.startswith("mid_"):
            return midpoint(points[:, i["left_" + name[4:]]], points[:, i["right_" + name[4:]]])
        return points[:, i[name]]

    up = p("mid_shoulder") - p("mid_hip")
    right = (p("right_hip") - p("left_hip")) + (p("right_shoulder") - p("left_shoulder"))
    forwards = np.cross(up, right)
    cues = [p("nose") - p("mid_ear")]
    cues += [p(f"{s}_foot_index") - p(f"{s}_heel") for s in ("left", "right")]
    signs = np.stack([np.sign(dot(c, forwards)) for c in cues])
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(signs).any(axis=0), np.nansum(signs, axis=0), np.nan)
