"""The order and time of frames stored as numbered image files.

Exporters name frames ``1.jpg, 2.jpg, ..., 10.jpg`` (FFmpeg's ``%d``), ``frame_0001.png``
(zero padded) or ``IMG_0001.JPG``. Text order puts ``10.jpg`` before ``2.jpg``; frames
here are ordered the way a person numbers them (*natural order*: runs of digits compare as
numbers). When every name follows one pattern (the same text around one number), the
number also gives the frame's time, ``(number - first number) / fps``, so a missing file
leaves a gap in time instead of pulling the later frames earlier; gaps are reported.
Names that do not share one pattern (two exports mixed in one folder, a stray file) are
taken in natural order, one frame interval apart, with a warning.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["FrameNumbering", "natural_key", "number_frames"]

_DIGITS = re.compile(r"(\d+)")
_PATTERN = re.compile(r"^(.*?)(\d+)(\D*)$")


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key ordering digit runs by value: ``"2.jpg"`` before ``"10.jpg"``.

    Examples
    --------
    >>> sorted(["10.jpg", "2.jpg", "1.jpg"], key=natural_key)
    ['1.jpg', '2.jpg', '10.jpg']
    """
    parts = _DIGITS.split(name.casefold())
    # (0, number) sorts before (1, text) at the same place; ties keep zero-padded last.
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts if p != "")


@dataclass(frozen=True)
class FrameNumbering:
    """Frames of a folder: ``names`` in order; ``steps`` the frame number of each relative
    to the first (time = step / fps), or None when the names share no one pattern;
    ``warnings`` for the user."""

    names: tuple[str, ...]
    steps: tuple[int, ...] | None
    warnings: tuple[str, ...]


def number_frames(names: Sequence[str]) -> FrameNumbering:
    """Order image file names as frames and say how far apart they are.

    Parameters
    ----------
    names : sequence of str
        File names (not paths), extension included.

    Returns
    -------
    FrameNumbering

    Examples
    --------
    >>> n = number_frames(["1.jpg", "10.jpg", "2.jpg", "4.jpg"])
    >>> n.names, n.steps
    (('1.jpg', '2.jpg', '4.jpg', '10.jpg'), (0, 1, 3, 9))
    >>> n.warnings[0][:50]
    '6 frame numbers are missing in the sequence (3, 5-'
    """
    ordered = tuple(sorted(names, key=lambda n: (natural_key(n), n)))
    if not ordered:
        return FrameNumbering((), None, ())
    parsed = [_PATTERN.match(n) for n in ordered]
    patterns = {
        (m.group(1).casefold(), m.group(3).casefold()) if m else (n.casefold(), None)
        for m, n in zip(parsed, ordered)
    }
    numbers = [int(m.group(2)) if m else None for m in parsed]
    by_name = (
        "frames are taken in natural name order, one frame interval apart; check the folder "
        "holds the frames of one clip only"
    )
    if len(patterns) > 1 or None in numbers:
        problem = f"the image names do not follow one numbering pattern ({_examples(ordered)})"
        return FrameNumbering(ordered, None, (f"{problem}: {by_name}",))
    nums = [n for n in numbers if n is not None]
    if len(set(nums)) != len(nums):
        dup = next(n for n in nums if nums.count(n) > 1)
        problem = f"two images carry frame number {dup} (e.g. padded and unpadded names)"
        return FrameNumbering(ordered, None, (f"{problem}: {by_name}",))
    steps = tuple(n - nums[0] for n in nums)
    missing = steps[-1] + 1 - len(steps)
    if not missing:
        return FrameNumbering(ordered, steps, ())
    holes = [(a + 1, b - 1) for a, b in itertools.pairwise(nums) if b - a > 1]
    shown = ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in holes[:3])
    more = ", ..." if len(holes) > 3 else ""
    warning = (
        f"{missing} frame numbers are missing in the sequence ({shown}{more}): those frames "
        "are left out and their time stays empty; export the frames again if they should "
        "be there"
    )
    return FrameNumbering(ordered, steps, (warning,))


def _examples(ordered: Sequence[str]) -> str:
    """Two names of different patterns, quoted."""
    seen: dict[object, str] = {}
    for n in ordered:
        m = _PATTERN.match(n)
        key = (m.group(1).casefold(), m.group(3).casefold()) if m else n
        seen.setdefault(key, n)
        if len(seen) == 2:
            break
    return ", ".join(repr(v) for v in seen.values())
