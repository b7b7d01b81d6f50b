"""Multi-view triangulation (rom.metrics.triangulation), the QCA reader and the reference
builder (rom.reference) on synthetic cameras around a synthetic skeleton with known angles.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rom.errors import InputError
from rom.landmarks import LANDMARK_INDEX, N_LANDMARKS, mirror_index
from rom.metrics.triangulation import (
    Camera,
    choose_labelling,
    project,
    reprojection_error_px,
    triangulate,
    triangulate_robust,
    triangulate_sequence,
)
from rom.reference.build import LAB_TO_WORLD, build_reference, lab_to_world
from rom.reference.calibration import read_qca
from rom.sequence import PoseSequence
from tests.synthetic import body_landmarks

SIZE = (1088, 1920)


def look_at(name: str, centre: np.ndarray, target: np.ndarray, f: float = 1680.0) -> Camera:
    """A camera at ``centre`` (lab metres, Z up) looking at ``target``, image up = lab up."""
    z = target - centre
    z = z / np.linalg.norm(z)
    x = np.cross(z, [0.0, 0.0, 1.0])
    x = x / np.linalg.norm(x)
    y = np.cross(z, x)
    r = np.stack([x, y, z])
    k = np.array([[f, 0.0, SIZE[0] / 2], [0.0, f, SIZE[1] / 2], [0.0, 0.0, 1.0]])
    return Camera(name, k, r, -r @ centre, SIZE)


#: Four cameras around the origin, pitched down like the lab's (about 20 degrees).
CAMS = [
    look_at(f"c{i}", np.array([3.0 * np.cos(a), 3.0 * np.sin(a), 2.0]), np.array([0.0, 0.0, 0.9]))
    for i, a in enumerate(np.radians([20.0, 110.0, 200.0, 290.0]))
]


def skeleton_lab(n: int, **angles: object) -> np.ndarray:
    """Synthetic skeleton (frames, 33, 3) in lab metres: body (a, s, r) -> lab (x, y, z),
    facing +x, standing with the hips 0.9 m above the floor."""
    body = body_landmarks(n, **angles)  # type: ignore[arg-type]
    a, s, r = body[..., 0], body[..., 1], body[..., 2]
    return np.stack([a, -r, s + 0.9], axis=-1)  # anterior = +x, right = -y, up = +z


def views_of(points: np.ndarray, cams: list[Camera] = CAMS) -> np.ndarray:
    return np.stack([project(c, points) for c in cams])


def test_project_then_triangulate_is_exact() -> None:
    pts = skeleton_lab(3, elbow_flexion_left=[0.0, 45.0, 120.0])
    x = triangulate(CAMS, views_of(pts))
    assert np.allclose(x, pts, atol=1e-6)
    assert np.nanmax(reprojection_error_px(CAMS, x, views_of(pts))) < 1e-3


def test_weights_and_missing_views() -> None:
    pts = skeleton_lab(2)
    obs = views_of(pts)
    rng = np.random.default_rng(1)
    noisy = obs + rng.normal(0.0, 3.0, obs.shape)
    obs_missing = noisy.copy()
    obs_missing[0] = np.nan  # view 0 unseen: three views still triangulate
    x = triangulate(CAMS, obs_missing)
    assert np.nanmax(np.linalg.norm(x - pts, axis=-1)) < 0.03  # 3 px noise at 3 m: cm
    one_view = np.full_like(obs, np.nan)
    one_view[1] = obs[1]
    assert np.isnan(triangulate(CAMS, one_view)).all()  # one view cannot triangulate
    # a zero weight leaves a view out exactly as a missing observation does
    w = np.ones(obs.shape[:-1])
    w[0] = 0.0
    assert np.allclose(triangulate(CAMS, noisy, w), triangulate(CAMS, obs_missing), equal_nan=True)


def test_one_bad_view_is_left_out() -> None:
    pts = skeleton_lab(1)
    obs = views_of(pts)
    bad = obs.copy()
    bad[2] += 150.0  # view 2 has every landmark 150 px off (another person, occlusion)
    plain = triangulate(CAMS, bad)
    assert np.nanmax(np.linalg.norm(plain - pts, axis=-1)) > 0.05  # it spoils a plain solve
    x, used, err = triangulate_robust(CAMS, bad)
    assert np.allclose(x, pts, atol=1e-5)
    assert not used[2].any() and used[[0, 1, 3]].all()
    assert (err[2] > 100).all()


def test_labelling_finds_a_swapped_view_and_keeps_anatomy() -> None:
    n = 40
    pts = skeleton_lab(n, elbow_flexion_left=np.linspace(0, 120, n), knee_flexion_right=60.0)
    obs = views_of(pts)
    vis = np.ones(obs.shape[:-1])
    idx = mirror_index()
    swapped_obs = obs.copy()
    swapped_obs[1, 10:25] = obs[1, 10:25][:, idx]  # view 1 swaps labels for 15 frames
    swapped_obs[3, 30:] = obs[3, 30:][:, idx]  # view 3 from frame 30 on
    got = choose_labelling(CAMS, swapped_obs, vis)
    want = np.zeros((4, n), dtype=bool)
    want[1, 10:25] = True
    want[3, 30:] = True
    assert np.array_equal(got, want)
    # every view swapped in every frame: the mirror image fits as well; anatomy decides
    all_swapped = obs[:, :, idx]
    assert choose_labelling(CAMS, all_swapped, vis).all()


def test_sequence_rejects_two_views_agreeing_by_chance() -> None:
    n = 30
    pts = skeleton_lab(n)
    obs = views_of(pts)
    rng = np.random.default_rng(2)
    obs = obs + rng.normal(0.0, 2.0, obs.shape)
    w = np.ones(obs.shape[:-1])
    wrist = LANDMARK_INDEX["left_wrist"]
    # in frames 10-14 only views 0 and 1 see the wrist, and both put it 0.5 m forwards, on
    # a point where they agree with each other (as two occluded views can)
    fake = pts[10:15, wrist] + [0.5, 0.0, 0.0]
    obs[:2, 10:15, wrist] = np.stack([project(c, fake) for c in CAMS[:2]])
    w[2:, 10:15, wrist] = 0.0
    x, _used, _ = triangulate_sequence(CAMS, obs, w, np.arange(n) / 60.0)
    assert np.isnan(x[10:15, wrist]).all()  # a 0.5 m jump, a 0.56 m forearm
    good = np.isfinite(x[..., 0])
    assert good.mean() > 0.98
    assert np.nanmax(np.linalg.norm(x - pts, axis=-1)) < 0.03


def test_reference_angles_use_roms_definitions_and_the_lab_vertical() -> None:
    n = 30
    flex = np.linspace(10.0, 130.0, n)
    pts = skeleton_lab(n, elbow_flexion_right=flex, knee_flexion_left=70.0, trunk_flexion=20.0)
    obs = views_of(pts)
    idx = mirror_index()
    obs[2, 5:15] = obs[2, 5:15][:, idx]  # one view swaps its labels for a while
    seqs = []
    for v, cam in enumerate(CAMS):
        image = np.concatenate([obs[v], np.zeros((n, N_LANDMARKS, 1))], axis=-1)
        ones = np.ones((n, N_LANDMARKS))
        seqs.append(
            PoseSequence(
                image, np.zeros_like(image), ones, ones, np.arange(n) / 60.0, cam.image_size_px
            )
        )
    ref = build_reference(CAMS, seqs)
    assert ref.swapped[2, 5:15].all() and ref.swapped.sum() == 10
    assert max(ref.reprojection_px().values()) < 1e-3
    a = ref.angles
    assert np.allclose(a["elbow_flexion_right_3d_deg"], flex, atol=1.0)  # filtered, so ~
    assert np.allclose(a["knee_flexion_left_3d_deg"], 70.0, atol=0.5)
    assert np.allclose(a["trunk_flexion_3d_deg"], 20.0, atol=0.5)  # from the lab's Z up


def test_lab_to_world_is_a_rotation_with_up_as_minus_y() -> None:
    assert np.isclose(np.linalg.det(LAB_TO_WORLD), 1.0)
    pts = np.zeros((1, N_LANDMARKS, 3))
    pts[0, 0] = [0.0, 0.0, 1.0]  # the nose 1 m above the hips' midpoint
    assert np.allclose(lab_to_world(pts)[0, 0], [0.0, -1.0, 0.0])


QCA = """<?xml version='1.0' encoding='ASCII'?>
<calibration><cameras>
<camera active="1" serial="camA">
<fov_video bottom="1919" left="0" right="1087" top="0"/>
<transform r11="1" r12="0" r13="0" r21="0" r22="0" r23="1" r31="0" r32="-1" r33="0"
 x="0" y="-3000" z="1000"/>
<intrinsic centerPointU="34816" centerPointV="61440" focalLengthU="107520" focalLengthV="107520"/>
</camera>
<camera active="0" serial="off"/>
</cameras></calibration>
"""


def test_qca_conventions(tmp_path: Path) -> None:
    """1/64 px intrinsics, centre in mm, rows of M the camera's axes (Qualisys y up, z
    backwards): this camera stands 3 m in front of the origin (-y), 1 m up, looking +y."""
    path = tmp_path / "cal.qca.txt"
    path.write_text(QCA)
    (cam,) = read_qca(path)
    assert cam.name == "camA" and cam.image_size_px == (1088, 1920)
    assert np.allclose(cam.K, [[1680.0, 0, 544.0], [0, 1680.0, 960.0], [0, 0, 1]])
    assert np.allclose(cam.centre, [0.0, -3.0, 1.0])
    # a point 1 m further along the view axis and 0.5 m higher is above the image centre
    u = project(cam, np.array([0.0, -2.0, 1.5]))
    assert np.allclose(u, [544.0, 960.0 - 1680.0 * 0.5], atol=1e-6)


def test_qca_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        read_qca(tmp_path / "none.qca.txt")
    bad = tmp_path / "bad.qca.txt"
    bad.write_text(
        "<calibration><cameras><camera serial='x'><transform/></camera></cameras></calibration>"
    )
    with pytest.raises(InputError, match="camera x"):
        read_qca(bad)
    garbage = tmp_path / "garbage.qca.txt"
    garbage.write_text("not xml")
    with pytest.raises(InputError, match="XML"):
        read_qca(garbage)


def test_shared_lab_calibration_reads(shared_dir: Path) -> None:
    cams = read_qca(shared_dir / "clips" / "lab_calibration.qca.txt")
    assert [c.name for c in cams] == ["cam01", "cam02", "cam03", "cam04"]
    for c in cams:
        assert c.image_size_px == (1088, 1920)
        assert 1.5 < c.centre[2] < 2.5  # cameras about 2 m up
        # each looks down by 15-30 degrees (the optical axis' z component in the lab)
        assert -0.5 < c.R[2, 2] < -0.25
