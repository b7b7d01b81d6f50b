"""rom: joint range of motion and postural asymmetry from video.

Every array in rom obeys one rule: the first axis is always time (frames).

The import package and the command are ``rom``; the distribution (what pip installs) is
``rom-goniometry``: the name ``rom`` on PyPI belongs to an unrelated project.
"""

from importlib.metadata import PackageNotFoundError, version

#: The distribution's name on package indexes (``pip show rom-goniometry``).
DISTRIBUTION = "rom-goniometry"

try:
    __version__ = version(DISTRIBUTION)
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["DISTRIBUTION", "__version__"]
