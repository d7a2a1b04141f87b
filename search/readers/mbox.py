"""Mailing-list archives in mbox form: Mailman's monthly ``.txt`` downloads (pipermail), ``.mbox`` files.

Each thread becomes an article (its first message here: subject, sender, date, text) and
the replies its comments, threaded by ``In-Reply-To``/``References``. A reply whose
message is not in the file (the thread began in an earlier month's archive) starts a
thread of its own. Quoted lines (``> ...``) with their "X wrote:" line, signatures and
Mailman's scrubbed-attachment notes are left out of the text: they repeat or frame what
others wrote. The message ids key the documents, so a thread read again keeps its ids.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from datetime import datetime
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.parser import HeaderParser
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path

from search.documents import Document
from search.readers.base import Problem, RawComment, ReadError, ReadResult, build_thread, paragraphs
from search.readers.markup import html_to_text
from search.readers.wordpress import SourceComment, thread_order

# The separator line that opens each message: "From jsmith at example.org  Mon Oct  3 10:15:02 2011".
# Mailman writes the address as "jsmith at example.org"; a zone may stand before the year.
_SEPARATOR = re.compile(r"^From .+? +\w{3} \w{3} [ \d]\d \d{1,2}:\d{2}(?::\d{2})? (?:[\w+-]+ )?\d{4}\s*$")
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_LIST_TAG = re.compile(r"^\s*(?:\[[^\]]{1,40}\]\s*)?(?:(?:re|aw|sv|fwd?)\s*(?:\[\d+\])?:\s*(?:\[[^\]]{1,40}\]\s*)?)*",
                       re.IGNORECASE)
_ATTRIBUTION = re.compile(r"^(?:On .{0,200}|.{0,120}\b(?:wrote|writes|a écrit|schrieb|escribió)):\s*$", re.IGNORECASE)
_SCRUBBED = re.compile(r"^-{5,} (?:next part|section suivante|nächster Teil)")
_SIGNATURE = ("-- ", "--")  # the line that opens a signature (some mailers drop its space)


@dataclass
class _Message:
    line: int
    own_id: str
    parent: str | None
    subject: str
    author: str
    date: datetime | None
    body: str


def looks_like_mbox(text: str) -> bool:
    """An mbox archive opens with a "From " separator line followed by mail headers."""
    first, _, rest = text.lstrip("\ufeff").partition("\n")
    return bool(_SEPARATOR.match(first)) and re.match(r"(?:[\w-]+:.*\n|[ \t].*\n)*[\w-]+:", rest) is not None


def read_mbox(path: Path, text: str) -> ReadResult:
    if not looks_like_mbox(text):
        raise ReadError(path, 1, "not an mbox mail archive: it does not open with a 'From ' line and mail headers")
    problems: list[Problem] = []
    messages: list[_Message] = []
    for line, chunk in _split(text):
        message = _message(line, chunk)
        if message.body or message.subject:
            messages.append(message)
        else:
            problems.append(Problem(path, line, "a message with neither subject nor text; skipped", "empty record"))
    if not messages:
        raise ReadError(path, None, "the mail archive holds no messages")
    documents: list[Document] = []
    for root, replies in _threads(messages):
        comments, order_problems = thread_order(path, [
            SourceComment(reply.own_id, reply.parent, RawComment(reply.author, reply.date, reply.body,
                                                                 line=reply.line, own_id=reply.own_id))
            for reply in replies])
        thread, thread_problems = build_thread(
            path, title=root.subject, author=root.author, date=root.date, body=root.body, comments=comments,
            position=len(documents), own_id=root.own_id)
        documents.extend(thread)
        problems.extend(order_problems + thread_problems)
        if root.date is None:
            problems.append(Problem(path, root.line, f"{root.subject!r} has no readable date; indexed without one",
                                    "date"))
    return ReadResult(documents, problems)


def _split(text: str) -> list[tuple[int, str]]:
    """Each message's text (without its separator line) and the line its separator is on."""
    chunks: list[tuple[int, str]] = []
    start, current = 0, []
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), 1):
        if _SEPARATOR.match(line) and (not current or not current[-1].strip()):
            if current:
                chunks.append((start, "\n".join(current)))
            start, current = number, []
            continue
        current.append(line[1:] if line.startswith(">From ") else line)  # mbox escapes "From " in text
    if current:
        chunks.append((start, "\n".join(current)))
    return chunks


def _message(line: int, chunk: str) -> _Message:
    # Headers as written (the modern parser rejects Mailman's "jsmith at example.org (John Smith)"), decoded.
    headers = HeaderParser(policy=email.policy.compat32).parsestr(chunk, headersonly=True)

    def header(name: str) -> str:
        try:
            return str(make_header(decode_header(headers.get(name) or "")))
        except (LookupError, UnicodeDecodeError, HeaderParseError):
            return str(headers.get(name) or "")

    ids = _MESSAGE_ID.findall(header("Message-ID"))
    parent = (_MESSAGE_ID.findall(header("In-Reply-To")) or _MESSAGE_ID.findall(header("References"))[-1:]
              or [None])[0]
    name, address = parseaddr(header("From"))
    try:
        date = parsedate_to_datetime(header("Date"))
    except (TypeError, ValueError, IndexError):
        date = None
    subject = " ".join(_LIST_TAG.sub("", header("Subject")).split())
    return _Message(line, ids[0] if ids else f"line-{line}", parent, subject,
                    (name or address.replace(" at ", "@").split("@")[0]).strip(), date,
                    _body(email.message_from_string(chunk, policy=email.policy.default)))


def _body(message: EmailMessage) -> str:
    """The message's own words: its plain text (else its HTML), without quotes, signature or attachment notes."""
    part = message.get_body(preferencelist=("plain", "html")) if message.is_multipart() else message
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeDecodeError, AttributeError):
        content = part.get_payload(decode=True).decode("latin-1") if part.get_payload(decode=True) else ""
    if not isinstance(content, str):
        return ""
    if part.get_content_subtype() == "html":
        content = html_to_text(content)
    kept: list[str] = []
    for line in content.splitlines():
        if line in _SIGNATURE or _SCRUBBED.match(line):
            break
        if line.lstrip().startswith(">"):
            if kept and _ATTRIBUTION.match(kept[-1]):
                kept.pop()
            continue
        kept.append(line.rstrip())
    return paragraphs(kept)


def _threads(messages: list[_Message]) -> list[tuple[_Message, list[_Message]]]:
    """Each thread's first message and its replies, threads in the order their first messages come."""
    by_id = {message.own_id: message for message in messages}

    def root_of(message: _Message) -> _Message:
        seen = {message.own_id}
        while message.parent in by_id and message.parent not in seen:
            message = by_id[message.parent]
            seen.add(message.own_id)
        return message

    threads: dict[str, tuple[_Message, list[_Message]]] = {}
    for message in messages:
        root = root_of(message)
        entry = threads.setdefault(root.own_id, (root, []))
        if message is not root:
            entry[1].append(message)
    for root, replies in threads.values():
        for reply in replies:
            if reply.parent == root.own_id or reply.parent not in by_id:
                reply.parent = None  # answers the thread's first message: a top-level comment
    return list(threads.values())
