"""rom: joint range of motion and postural asymmetry from video.

Every array in rom obeys one rule: the first axis is always time (frames).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("rom")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
