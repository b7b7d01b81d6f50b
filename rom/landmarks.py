"""MediaPipe Pose's 33 landmarks: names, indices and the skeleton's connections.

Names follow MediaPipe (``left_shoulder`` is the person's own left side, which is on
the right of the image when they face the camera).
"""

from __future__ import annotations

LANDMARK_NAMES: tuple[str, ...] = (
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
)

N_LANDMARKS = len(LANDMARK_NAMES)

#: Index of each landmark by name, e.g. ``LANDMARK_INDEX["left_shoulder"] == 11``.
LANDMARK_INDEX: dict[str, int] = {name: i for i, name in enumerate(LANDMARK_NAMES)}

#: Pairs of landmark indices drawn as the skeleton (face outline omitted except ears/eyes).
SKELETON: tuple[tuple[int, int], ...] = (
    (11, 12),
    (11, 23),
    (12, 24),
    (23, 24),  # torso
    (11, 13),
    (13, 15),
    (12, 14),
    (14, 16),  # arms
    (15, 19),
    (16, 20),  # hands
    (23, 25),
    (25, 27),
    (24, 26),
    (26, 28),  # legs
    (27, 29),
    (29, 31),
    (27, 31),
    (28, 30),
    (30, 32),
    (28, 32),  # feet
    (0, 2),
    (0, 5),
    (2, 7),
    (5, 8),  # face
)


def mirror_index() -> list[int]:
    """Index map that swaps every left landmark with its right twin (for mirrored images)."""
    out = []
    for name in LANDMARK_NAMES:
        if name.startswith("left_"):
            out.append(LANDMARK_INDEX["right_" + name[5:]])
        elif name.startswith("right_"):
            out.append(LANDMARK_INDEX["left_" + name[6:]])
        elif name == "mouth_left":
            out.append(LANDMARK_INDEX["mouth_right"])
        elif name == "mouth_right":
            out.append(LANDMARK_INDEX["mouth_left"])
        else:
            out.append(LANDMARK_INDEX[name])
    return out
