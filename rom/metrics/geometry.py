"""Small vector functions for joint angles: pure NumPy, NaN-safe.

Every function works on arrays whose last axis holds vector components (2 or 3) and
whose leading axes are anything (usually time first: ``(frames, 3)``). A NaN anywhere in
an input vector gives NaN in the output for that vector; nothing here raises on NaN or
on zero-length vectors (a zero-length vector has no direction, so its angle is NaN).

Angles are in degrees. Angles between vectors use ``atan2(|a x b|, a . b)``, which is
accurate over the whole range, unlike ``arccos`` of a dot product near 0 and 180 degrees.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "angle_between_deg",
    "cross2",
    "dot",
    "midpoint",
    "norm",
    "normalize",
    "out_of_plane_deg",
    "planar_angle_deg",
    "project_on_plane",
    "signed_angle_2d_deg",
    "signed_angle_in_plane_deg",
    "unwrap_deg",
    "wrap_deg",
]


def _arr(x: npt.ArrayLike) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def dot(a: npt.ArrayLike, b: npt.ArrayLike) -> np.ndarray:
    """Dot product over the last axis; shape ``(...)``."""
    return np.sum(_arr(a) * _arr(b), axis=-1)


def norm(a: npt.ArrayLike) -> np.ndarray:
    """Euclidean length over the last axis; shape ``(...)``, same unit as ``a``."""
    return np.sqrt(dot(a, a))


def normalize(a: npt.ArrayLike) -> np.ndarray:
    """Unit vectors along ``a``; NaN where ``a`` has NaN or zero length.

    Examples
    --------
    >>> normalize(np.array([[3.0, 4.0], [0.0, 0.0]])).round(2).tolist()
    [[0.6, 0.8], [nan, nan]]
    """
    a = _arr(a)
    n = norm(a)[..., None]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, a / n, np.nan)


def cross2(a: npt.ArrayLike, b: npt.ArrayLike) -> np.ndarray:
    """z component of the cross product of 2D vectors (``a_x b_y - a_y b_x``)."""
    a, b = _arr(a), _arr(b)
    return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]


def midpoint(a: npt.ArrayLike, b: npt.ArrayLike) -> np.ndarray:
    """Point halfway between ``a`` and ``b``; all NaN where either point has a NaN."""
    m = 0.5 * (_arr(a) + _arr(b))
    return np.where(np.isnan(m).any(axis=-1, keepdims=True), np.nan, m)


def _valid_pair(a: npt.ArrayLike, b: npt.ArrayLike) -> np.ndarray:
    return (norm(a) > 0) & (norm(b) > 0)


def angle_between_deg(a: npt.ArrayLike, b: npt.ArrayLike) -> np.ndarray:
    """Unsigned angle between vectors ``a`` and ``b`` in degrees, in [0, 180].

    Works for 2D and 3D vectors. NaN where either vector has NaN or zero length.

    Examples
    --------
    >>> float(angle_between_deg(np.array([1.0, 0, 0]), np.array([0.0, 2, 0])))
    90.0
    """
    a, b = _arr(a), _arr(b)
    if a.shape[-1] == 2:
        c = np.abs(cross2(a, b))
    else:
        c = norm(np.cross(a, b))
    out = np.degrees(np.arctan2(c, dot(a, b)))
    return np.where(_valid_pair(a, b), out, np.nan)


def signed_angle_2d_deg(a: npt.ArrayLike, b: npt.ArrayLike) -> np.ndarray:
    """Signed angle from 2D vector ``a`` to ``b`` in degrees, in (-180, 180].

    Positive is counter-clockwise in a frame whose x axis points right and y axis up
    (flip image y before calling: image y points down).

    Examples
    --------
    >>> float(signed_angle_2d_deg(np.array([1.0, 0]), np.array([0.0, 1])))
    90.0
    """
    a, b = _arr(a), _arr(b)
    out = wrap_deg(np.degrees(np.arctan2(cross2(a, b), dot(a, b))))
    return np.where(_valid_pair(a, b), out, np.nan)


def project_on_plane(v: npt.ArrayLike, normal: npt.ArrayLike) -> np.ndarray:
    """Component of 3D vector ``v`` in the plane perpendicular to ``normal``.

    ``normal`` need not be unit length; NaN where it is NaN or zero.
    """
    n = normalize(normal)
    v = _arr(v)
    return v - dot(v, n)[..., None] * n


def signed_angle_in_plane_deg(
    a: npt.ArrayLike, b: npt.ArrayLike, normal: npt.ArrayLike
) -> np.ndarray:
    """Signed angle from ``a`` to ``b`` about ``normal`` in degrees, in (-180, 180].

    Both vectors are first projected on the plane perpendicular to ``normal``; positive
    is a right-handed (counter-clockwise) rotation about ``normal`` seen from its tip.
    """
    n = normalize(normal)
    pa, pb = project_on_plane(a, n), project_on_plane(b, n)
    out = wrap_deg(np.degrees(np.arctan2(dot(np.cross(pa, pb), n), dot(pa, pb))))
    return np.where(_valid_pair(pa, pb), out, np.nan)


def planar_angle_deg(
    v: npt.ArrayLike, zero_dir: npt.ArrayLike, positive_dir: npt.ArrayLike
) -> np.ndarray:
    """Angle of ``v`` in the plane spanned by ``zero_dir`` and ``positive_dir``.

    ``atan2(v . p, v . z)`` in degrees, in (-180, 180]: 0 when ``v`` points along
    ``zero_dir``, +90 along ``positive_dir``. ``zero_dir`` and ``positive_dir`` must be
    orthogonal unit vectors (e.g. two axes of a body frame); the component of ``v`` out of
    their plane is ignored, so this is the angle a camera square to the plane would see.
    """
    v = _arr(v)
    out = wrap_deg(np.degrees(np.arctan2(dot(v, positive_dir), dot(v, zero_dir))))
    return np.where(norm(v) > 0, out, np.nan)


def out_of_plane_deg(v: npt.ArrayLike, normal: npt.ArrayLike) -> np.ndarray:
    """Angle between 3D vector ``v`` and the plane perpendicular to ``normal``, in [0, 90].

    0 when ``v`` lies in the plane, 90 when it is along ``normal``.
    """
    n = normalize(normal)
    v = _arr(v)
    along = np.abs(dot(v, n))
    across = norm(v - dot(v, n)[..., None] * n)
    out = np.degrees(np.arctan2(along, across))
    return np.where(norm(v) > 0, out, np.nan)


def wrap_deg(x: npt.ArrayLike) -> np.ndarray:
    """Angles wrapped into (-180, 180] degrees (NaN stays NaN)."""
    x = _arr(x)
    y = np.mod(x + 180.0, 360.0) - 180.0  # [-180, 180)
    return np.where(y == -180.0, 180.0, y)


def unwrap_deg(
    x: npt.ArrayLike, *, max_step_deg: float = 90.0, centre_deg: float = 0.0
) -> np.ndarray:
    """Remove 360-degree jumps along the first (time) axis, ignoring NaN frames.

    Each column is followed over its valid (non-NaN) samples, as if consecutive valid
    samples were adjacent. A step whose wrapped size is below ``max_step_deg`` is taken as
    continuous motion, so the column may run past +/-180 (170, -175 becomes 170, 185). A
    larger step (a tracking glitch, or a big change hidden by a gap) cannot be told from
    a wrap, so it starts a new segment instead of shifting everything after it by a turn.
    Each segment is then shifted by a whole number of turns so that its median lies in
    (centre_deg - 180, centre_deg + 180]. NaN samples stay NaN. Works on ``(frames,)`` or
    ``(frames, k)``.

    Examples
    --------
    >>> unwrap_deg(np.array([170.0, np.nan, -175.0])).tolist()
    [170.0, nan, 185.0]
    >>> unwrap_deg(np.array([-171.0]), centre_deg=90.0).tolist()
    [189.0]
    """
    x = _arr(x)
    out = x.copy()
    cols = out.reshape(out.shape[0], -1) if out.ndim > 1 else out[:, None]
    for j in range(cols.shape[1]):
        col = cols[:, j]
        ok = np.flatnonzero(np.isfinite(col))
        if ok.size == 0:
            continue
        raw = col[ok]
        step = wrap_deg(np.diff(raw))
        breaks = np.flatnonzero(np.abs(step) >= max_step_deg) + 1
        for seg_idx in np.split(np.arange(raw.size), breaks):
            seg = raw[seg_idx]
            u = seg[0] + np.concatenate([[0.0], np.cumsum(wrap_deg(np.diff(seg)))])
            med = float(np.median(u))
            col[ok[seg_idx]] = u - 360.0 * np.ceil((med - centre_deg - 180.0) / 360.0)
    return cols.reshape(x.shape) if x.ndim > 1 else cols[:, 0]
