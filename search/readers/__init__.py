"""Turning archive files into Documents: one module per input format.

``read_file`` picks the reader for a file, decodes its bytes and returns the
documents with any non-fatal problems found on the way. A file that cannot be
read at all raises ``ReadError`` naming the file, the line and the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from search.readers.base import Problem, ReadError, ReadResult, decode
from search.readers.textexport import read_text_export

Reader = Callable[[Path, str], ReadResult]

_READERS: dict[str, Reader] = {
    ".txt": read_text_export,
}


def supported_suffixes() -> tuple[str, ...]:
    return tuple(_READERS)


def reader_for(path: Path) -> Reader | None:
    name = path.name.lower()
    for suffix in sorted(_READERS, key=len, reverse=True):
        if name.endswith(suffix):
            return _READERS[suffix]
    return None


def read_file(path: Path, data: bytes | None = None) -> ReadResult:
    """Read one archive file. ``data`` may be passed when the caller already has the bytes."""
    reader = reader_for(path)
    if reader is None:
        raise ReadError(path, None, f"unsupported file type (expected one of {', '.join(supported_suffixes())})")
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as error:
            raise ReadError(path, None, f"cannot read file: {error.strerror or error}") from error
    text, problems = decode(path, data)
    result = reader(path, text)
    return ReadResult(result.documents, problems + result.problems)


__all__ = ["Problem", "ReadError", "ReadResult", "read_file", "reader_for", "supported_suffixes"]
