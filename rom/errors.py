"""The project's exceptions: one base, a few kinds, each message says what to do.

The CLI prints ``str(error)`` as one line and exits with ``error.exit_code``.
"""

from __future__ import annotations


class RomError(Exception):
    """Base of every error rom raises on purpose; its message is shown to the user as is."""

    exit_code = 1


class InputError(RomError):
    """A path, file or argument the user gave cannot be used (missing, wrong kind, malformed)."""

    exit_code = 2


class VideoError(InputError):
    """A video cannot be opened or decoded (corrupt, truncated, not a video)."""


class OrientationError(InputError):
    """The footage is turned: the client lies along the image's horizontal axis, as in a
    video rotated 90 deg without rotation metadata; no angle can be read as filmed. The
    message says which way to rotate it."""


class NoPersonError(RomError):
    """No person could be found (or followed) in the footage."""

    exit_code = 3


class ModelError(RomError):
    """No usable pose model could be found, downloaded or built."""

    exit_code = 4


class OutputError(RomError):
    """An output file cannot be written (disk full, read-only folder); nothing half-written
    is left under its name (see :mod:`rom.files`)."""

    exit_code = 6


class ConfigError(InputError):
    """A configuration file (protocols, settings) is malformed; the message names the key and line."""


class StoreError(RomError):
    """The database or the folder beside it cannot be used: locked by another writer,
    read-only, damaged, written by a newer rom, unreachable, or the disk is full. Nothing
    already stored is lost; the message says what to do."""

    exit_code = 7


class RomWarning(UserWarning):
    """Something recoverable the user should know about (wrong view, low visibility, gaps)."""


class PartialResultError(RomError):
    """The analysis finished with every output written, but part of the clip could not be
    measured (the person left the view, the video is truncated). ``result`` holds it;
    ``problem`` says what went wrong, without where the outputs are."""

    exit_code = 5

    def __init__(self, message: str, result: object = None, problem: str | None = None) -> None:
        super().__init__(message)
        self.result = result
        self.problem = problem or message


def read_user_text(
    path: object,
    what: str,
    error: type[InputError] = InputError,
    *,
    utf8_fix: str = "save it as UTF-8 text",
) -> str:
    """The text of a file the user named; a missing or unreadable file raises ``error``
    with a message naming the file and ``what`` it should be (e.g. "protocol file").

    The file must be UTF-8: one that is not (Latin-1, Windows-1252) is refused with the
    first bad byte's line and ``utf8_fix``, never guessed (see :func:`not_utf8_message`)."""
    from pathlib import Path

    p = Path(str(path))
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise error(f"{p}: {what} not found") from None
    except OSError as e:
        raise error(f"{p}: cannot read {what}: {e}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise error(not_utf8_message(f"{p}", what, data, e.start, utf8_fix)) from None


def not_utf8_message(name: str, what: str, data: bytes, start: int, fix: str) -> str:
    """One line saying the file ``name`` is not UTF-8 text: the first bad byte (at
    ``start`` of ``data``), its line, and ``fix``.

    A file that is not UTF-8 is refused rather than read in a guessed encoding: Latin-1
    decodes any bytes at all, so a Mac Roman or UTF-16 file would be read without an
    error into wrong names (a manifest's subject is a client's code in the database).

    Examples
    --------
    >>> not_utf8_message("m.csv", "manifest", "path\\na,Müller".encode("cp1252"), 8, "save it")
    'm.csv: cannot read manifest: it is not UTF-8 text (byte 0xfc on line 2); save it'
    """
    line = data.count(b"\n", 0, start) + 1
    byte = f"byte 0x{data[start]:02x} on line {line}"
    return f"{name}: cannot read {what}: it is not UTF-8 text ({byte}); {fix}"
