"""Read camera calibrations (Qualisys QCA XML, as in the Pose2Sim demos) into cameras.

Conventions of a QCA file (checked on the shared lab clips by reprojection):

* ``<intrinsic>`` focal lengths (``focalLengthU/V``) and principal point
  (``centerPointU/V``, from the frame's top-left) are in 1/64 pixel;
* ``<transform>`` gives the camera centre ``x, y, z`` in millimetres and a 3x3 matrix
  ``r11 .. r33`` read row by row, whose rows are the camera's axes in the Qualisys
  convention (y up, z backwards); in OpenCV terms ``R = diag(1, -1, -1) M`` and
  ``t = -R C``;
* ``<fov_video>`` gives the frame's extent (``right + 1`` by ``bottom + 1`` pixels).

The lab frame has Z up (the floor near z = 0). Lens distortion is not read (well under a
pixel on the shared lab clips).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from rom.errors import InputError, read_user_text
from rom.metrics.triangulation import Camera

__all__ = ["QCA_SUBPIXELS", "read_qca"]

#: QCA intrinsic values are in 1/64 pixel.
QCA_SUBPIXELS = 64.0
_FLIP = np.diag([1.0, -1.0, -1.0])


def read_qca(path: str | Path) -> list[Camera]:
    """The active cameras of a QCA calibration file, in file order.

    Returns
    -------
    list of Camera
        ``name`` is the camera's serial; translations in metres.

    Raises
    ------
    InputError
        The file is missing, not XML, or a camera lacks a field (named in the message).
    """
    text = read_user_text(path, "calibration file")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise InputError(f"{path}: not a QCA calibration (XML error: {exc})") from None
    cams = []
    for i, node in enumerate(root.iter("camera")):
        if node.get("active", "1") != "1":
            continue
        name = node.get("serial") or f"camera{i + 1}"
        try:
            tr, intr, fov = node.find("transform"), node.find("intrinsic"), node.find("fov_video")
            if tr is None or intr is None:
                raise KeyError("transform" if tr is None else "intrinsic")
            m = np.array([[float(tr.attrib[f"r{a}{b}"]) for b in "123"] for a in "123"])
            centre = np.array([float(tr.attrib[k]) for k in "xyz"]) / 1000.0
            fu, fv = (
                float(intr.attrib[k]) / QCA_SUBPIXELS for k in ("focalLengthU", "focalLengthV")
            )
            cu, cv = (
                float(intr.attrib[k]) / QCA_SUBPIXELS for k in ("centerPointU", "centerPointV")
            )
            if fov is not None:
                size = (int(fov.attrib["right"]) + 1, int(fov.attrib["bottom"]) + 1)
            else:
                size = (round(2 * cu), round(2 * cv))
        except (KeyError, ValueError) as exc:
            raise InputError(
                f"{path}: camera {name} has no usable {exc} in its calibration; "
                "give a complete QCA file"
            ) from None
        r = _FLIP @ m
        k = np.array([[fu, 0.0, cu], [0.0, fv, cv], [0.0, 0.0, 1.0]])
        cams.append(Camera(name=name, K=k, R=r, t=-r @ centre, image_size_px=size))
    if not cams:
        raise InputError(f"{path}: no active camera in this calibration file")
    return cams
