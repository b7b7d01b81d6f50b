"""A multi-view reference: calibrated lab clips triangulated into 3D landmarks and angles.

An edge package (it reads calibration files and runs the pose pipeline); the maths lives
in :mod:`rom.metrics.triangulation`.
"""
