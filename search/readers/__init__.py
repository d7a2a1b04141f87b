"""Turning archive files into Documents: one module per input format.

``read_file`` picks the reader for a file, decodes its bytes and returns the
documents with any non-fatal problems found on the way. A file that cannot be
read at all raises ``ReadError`` naming the file, the line and the reason.
"""

from __future__ import annotations

import codecs
import gzip
import zlib
from collections.abc import Callable
from pathlib import Path

from search.readers.base import Problem, ReadError, ReadResult, decode
from search.readers.disqus import DISQUS, read_disqus
from search.readers.feeds import read_feed
from search.readers.frontmatter import read_frontmatter
from search.readers.html import read_html
from search.readers.jsonfile import read_json
from search.readers.jsonl import read_jsonl
from search.readers.markup import declared_xml_text, local_name, root_tag
from search.readers.mbox import looks_like_mbox, read_mbox
from search.readers.movabletype import looks_like_movable_type, read_movable_type
from search.readers.tabular import read_tabular
from search.readers.textexport import read_text_export
from search.readers.wordpress import LEFT_OUT, WP_NAMESPACE_PREFIX, read_wordpress

Reader = Callable[[Path, str], ReadResult]


def _read_txt(path: Path, text: str) -> ReadResult:
    """A .txt file opening with a ``---`` front-matter fence is a static-site essay, one opening with an mbox
    "From " line a mail archive, one opening with ``TITLE:``-style fields a Movable Type export, anything else
    the site's text export."""
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    if first_line.rstrip() == "---":
        return read_frontmatter(path, text)
    if looks_like_mbox(text):  # a mailing list's monthly archive, as Mailman offers it for download
        return read_mbox(path, text)
    if looks_like_movable_type(text):  # Movable Type's export, also TypePad's and Hatena Blog's
        return read_movable_type(path, text)
    return read_text_export(path, text)


def _read_xml(path: Path, text: str) -> ReadResult:
    """``.xml`` is several formats: the root element says which (a WordPress export is RSS with its namespace)."""
    return xml_format(path, text)[1](path, text)


def xml_format(path: Path, text: str) -> tuple[str, Reader]:
    """The name and reader of an XML export, told by its root; ReadError when no reader takes it."""
    tag = root_tag(path, text)
    if tag is None:
        raise ReadError(path, None, "not readable as XML (no root element found)")
    name = local_name(tag)
    if name == "rss" and WP_NAMESPACE_PREFIX in text[:65536]:
        return "WordPress export", read_wordpress
    if tag == f"{{{DISQUS}}}disqus":
        return "Disqus export", read_disqus
    if name in {"rss", "feed", "RDF"}:
        return "feed", read_feed
    raise ReadError(path, None, f"unsupported XML: root element <{name}> (expected a WordPress export <rss>, "
                                "a Disqus export <disqus>, or an RSS or Atom feed)", "unsupported")


_READERS: dict[str, Reader] = {
    ".txt": _read_txt,
    ".txt.gz": _read_txt,  # Mailman's "Gzip'd Text" monthly archives
    ".md": read_frontmatter,
    ".markdown": read_frontmatter,
    ".jsonl": read_jsonl,
    ".jsonl.gz": read_jsonl,
    ".json": read_json,
    ".json.gz": read_json,
    ".html": read_html,
    ".htm": read_html,
    ".php": read_html,  # pages saved from PHP sites keep their .php names
    ".mbox": read_mbox,
    ".mbox.gz": read_mbox,
    ".xml": _read_xml,
    ".xml.gz": _read_xml,
    ".rss": read_feed,
    ".atom": read_feed,
    ".csv": read_tabular,
    ".tsv": read_tabular,
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
        raise ReadError(path, None, f"unsupported file type (expected one of {', '.join(supported_suffixes())})",
                        "unsupported")
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as error:
            raise ReadError(path, None, f"cannot read file: {error.strerror or error}", "unreadable") from error
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (EOFError, OSError, zlib.error) as error:
            raise ReadError(path, None, f"not a readable gzip file: {error}") from error
    text, problems = _text_of(path, data)
    result = reader(path, text)
    return ReadResult(result.documents, problems + result.problems, result.lines)


_UTF16_MARKS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_CONTROL_BYTES = bytes(byte for byte in range(32) if byte not in b"\t\n\r\f")
_SAMPLE = 8192  # bytes looked at to tell text from binary data


def _text_of(path: Path, data: bytes) -> tuple[str, list[Problem]]:
    """A file's text, NULs dropped; ReadError for binary data, which no reader could make sense of.

    UTF-16 saved without its byte-order mark is valid UTF-8 to a decoder (ASCII with a NUL after every
    letter), and a program or an image mostly decodes too: both are told by their bytes first.
    """
    sample = data[:_SAMPLE]
    unmarked = _unmarked_utf16(sample)
    if unmarked:
        text, problems = data.decode(unmarked, errors="replace"), [
            Problem(path, 1, f"UTF-16 without a byte-order mark; decoded as {unmarked}", "encoding")]
    elif not sample.startswith(_UTF16_MARKS) and _control_bytes(sample) > max(0.05 * len(sample), 16):
        raise ReadError(path, None, "binary data (control bytes throughout), not a text archive", "unsupported")
    else:
        declared = declared_xml_text(data)  # an XML file naming its legacy encoding is taken at its word
        text, problems = (declared, []) if declared is not None else decode(path, data)
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        problems.append(Problem(path, line, f"{text.count(chr(0)):,} NUL characters in the text; dropped", "encoding"))
        text = text.replace("\x00", "")
    return text, problems


def _control_bytes(sample: bytes) -> int:
    return len(sample) - len(sample.translate(None, _CONTROL_BYTES))


def _unmarked_utf16(sample: bytes) -> str | None:
    """``utf-16-le`` or ``-be`` for UTF-16 text without its byte-order mark (every other byte NUL), else None."""
    if len(sample) < 16 or sample.startswith(_UTF16_MARKS):
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


__all__ = ["LEFT_OUT", "Problem", "ReadError", "ReadResult", "read_file", "reader_for", "supported_suffixes",
           "xml_format"]
