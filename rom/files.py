"""Writing output files so that no half-written file is ever passed off as whole.

Every output is written to a hidden temporary file beside its destination, then renamed
over it in one atomic step (:func:`atomic_path`): a crash, a full disk or ``kill -9`` leaves
either the previous complete file or none, never a truncated one under the real name. A
failed write removes its temporary file and raises :class:`~rom.errors.OutputError` with
one line naming the file, the reason and the fix. Temporary files left by a killed process
(their names carry its process id) are removed by the next run
(:func:`remove_stale_temps`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

from rom.errors import OutputError

__all__ = ["atomic_path", "output_error", "remove_stale_temps"]

_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.tmp(?P<ext>\.[A-Za-z0-9]+)?$")
#: Where a process id cannot be checked (Windows), a temporary file this old is stale.
STALE_AFTER_S = 24 * 3600.0


def temp_name(path: Path) -> Path:
    """The hidden temporary file beside ``path`` for this process, keeping its extension
    (writers such as NumPy and FFmpeg choose the format from it)."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp{path.suffix}")


def output_error(path: Path, exc: OSError) -> OutputError:
    """The one-line error for a failed write of ``path``: what, why, and what to do."""
    code = exc.errno
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        fix = "the disk is full: free some space or choose another --out"
    elif code in (errno.EROFS, errno.EACCES, errno.EPERM):
        fix = "the folder cannot be written to: choose another --out"
    elif code == errno.EFBIG:
        fix = (
            "the file exceeds the size this system allows: choose another --out or raise the limit"
        )
    else:
        fix = "check the output folder or choose another --out"
    reason = exc.strerror or type(exc).__name__
    return OutputError(f"cannot write {path} ({reason}); {fix}")


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write ``path``'s content to; on success it is renamed to
    ``path`` atomically, on any failure it is deleted.

    Raises
    ------
    OutputError
        The file could not be written or renamed (disk full, read-only folder ...).

    Examples
    --------
    >>> import tempfile
    >>> dest = Path(tempfile.mkdtemp()) / "a.txt"
    >>> with atomic_path(dest) as tmp:
    ...     _ = tmp.write_text("done")
    >>> dest.read_text(), sorted(p.name for p in dest.parent.iterdir())
    ('done', ['a.txt'])
    """
    dest = Path(path)
    tmp = temp_name(dest)
    try:
        yield tmp
        os.replace(tmp, dest)
    except OSError as exc:
        _unlink_quietly(tmp)
        raise output_error(dest, exc) from exc
    except BaseException:
        _unlink_quietly(tmp)
        raise


def remove_stale_temps(folder: str | Path) -> list[Path]:
    """Delete the temporary files in ``folder`` left by processes that no longer run
    (killed mid-write); returns what was deleted. Another running process's temporary
    files are left alone."""
    removed = []
    with contextlib.suppress(OSError):
        for p in Path(folder).iterdir():
            m = _TEMP.match(p.name)
            if m and not _alive(int(m.group("pid")), p):
                _unlink_quietly(p)
                removed.append(p)
    return removed


def _alive(pid: int, path: Path) -> bool:
    if pid == os.getpid():
        return True
    if os.name != "posix":  # os.kill(pid, 0) would end the process on Windows
        try:
            return time.time() - path.stat().st_mtime < STALE_AFTER_S
        except OSError:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's running process
    return True


def _unlink_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)
