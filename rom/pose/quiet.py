"""Silence the native (C++) log lines MediaPipe writes to standard error.

MediaPipe's C++ core logs dozens of INFO/WARNING lines straight to file descriptor 2 when a
model loads; ``sys.stderr`` redirection cannot catch them, so we redirect the descriptor.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_LOCK = threading.Lock()
_DEPTH = 0
_SAVED_FD: int | None = None


@contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Send file descriptor 2 to the null device for the duration of the block.

    A no-op when the environment variable ``ROM_VERBOSE`` is ``1`` (to see MediaPipe's logs).
    The redirect is process-wide: Python writes to ``sys.stderr`` from other threads are
    hidden too while the block runs, so keep the block short (a model load or close).
    Blocks may overlap in several threads (models loading side by side): the first to
    enter redirects, the last to leave restores the real descriptor.

    Examples
    --------
    >>> with quiet_native_stderr():
    ...     pass  # load a MediaPipe task here
    """
    if os.environ.get("ROM_VERBOSE") == "1":
        yield
        return
    global _DEPTH, _SAVED_FD
    with _LOCK:
        if _DEPTH == 0:
            # Flush first so that Python's own pending output lands where it was meant to.
            sys.stderr.flush()
            saved = os.dup(2)
            devnull_fd = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull_fd, 2)
            except OSError:
                os.close(saved)
                raise
            finally:
                os.close(devnull_fd)
            _SAVED_FD = saved
        _DEPTH += 1
    try:
        yield
    finally:
        with _LOCK:
            _DEPTH -= 1
            if _DEPTH == 0 and _SAVED_FD is not None:
                sys.stderr.flush()
                os.dup2(_SAVED_FD, 2)
                os.close(_SAVED_FD)
                _SAVED_FD = None
