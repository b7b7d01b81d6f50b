"""Silence the native (C++) log lines MediaPipe writes to standard error.

MediaPipe's C++ core logs dozens of INFO/WARNING lines straight to file descriptor 2 when a
model loads; ``sys.stderr`` redirection cannot catch them, so we redirect the descriptor.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Send file descriptor 2 to the null device for the duration of the block.

    A no-op when the environment variable ``ROM_VERBOSE`` is ``1`` (to see MediaPipe's logs).
    The redirect is process-wide: Python writes to ``sys.stderr`` from other threads are
    hidden too while the block runs, so keep the block short (a model load or close).

    Examples
    --------
    >>> with quiet_native_stderr():
    ...     pass  # load a MediaPipe task here
    """
    if os.environ.get("ROM_VERBOSE") == "1":
        yield
        return
    # Flush first so that Python's own pending output lands where it was meant to.
    sys.stderr.flush()
    saved_fd = os.dup(2)
    try:
        devnull_fd = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull_fd, 2)
        finally:
            os.close(devnull_fd)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved_fd, 2)
        os.close(saved_fd)
