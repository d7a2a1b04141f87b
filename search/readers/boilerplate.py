"""Site navigation and transcription credits cut from an article's text, whatever format it came in.

Archive sites wrap every page in the same lines: a breadcrumb trail at the top
(``MIA > Archive > Lafargue``), a footer at the bottom (``Top of the page``,
``Last updated on 7.8.2003``) and, in the notes around the text, who transcribed and
marked it up. Left in, they match every search for the site's name and make every page
look like a quotation of every other. Only the very start, the very end and the notes
paragraphs next to them (eight from each end) are looked at, and a credit must start a line
or a sentence with a capital, so the essay's own words are left alone.
"""

from __future__ import annotations

import re

_CRUMB = r"[^>\n]{1,40}"
_BREADCRUMB = re.compile(rf"^{_CRUMB}(?:\s+>\s+{_CRUMB})+\s*>?$")
_FOOTER = re.compile(
    r"^(?:top of (?:the )?page|back to (?:the )?top|(?:page )?last (?:updated|modified|revised|changed)\b.*"
    r"|back (?:to )?the .{1,60} (?:archive|index|library)|.{1,60} internet archive\s*(?:\|\s*.{1,40})?)$",
    re.IGNORECASE,
)
# "Transcribed by ...", "HTML Mark-up: ...", "Corrected & marked up by ...", "Scan & OCR by ...".
# Capitalised, as a credit starts its line or sentence: a wrapped line of prose may begin "transcribed by".
_CREDIT_START = (
    r"(?:Transcri(?:bed|ption|ber)\b|(?:HTML\s*)?Mark(?:ed)?[- ]?[Uu]p\b|HTML\s+(?:[Mm]ark-?[Uu]p|by)\b"
    r"|(?:Corrected|Proofread(?:ing)?|Proofed)\s*(?:&|and|,)?\s*(?:marked|mark-?up)\b|Proofread(?:ing)?\b"
    r"|Scan(?:ned)?\s*(?:&|and)\s*OCR\b|OCR\b|Copied with thanks\b|Public Domain:|Copyleft:)"
)
_CREDIT = re.compile(rf"^{_CREDIT_START}")
# A credit as a later sentence of a note: "... Chicago 1918. Transcribed & marked up by Einde O’Callaghan ...".
_CREDIT_SENTENCE = re.compile(rf"(?<=\.)\s*{_CREDIT_START}.*?\.(?=\s|$)")
_NOTES_PARAGRAPHS = 8  # how far from each end a notes block with credits can sit
_LINK_TEXT = 60  # the most a navigation link says


def without_site_chrome(body: str) -> str:
    """The body without a leading breadcrumb, a trailing footer and credit lines in the notes at either end."""
    blocks = [block for block in body.split("\n\n") if block.strip()]
    while blocks and _BREADCRUMB.match(_joined(blocks[0])):
        blocks.pop(0)
    while blocks and _is_footer(blocks[-1]):
        blocks.pop()
    last = len(blocks)
    cleaned = [
        _without_credits(block) if number < _NOTES_PARAGRAPHS or number >= last - _NOTES_PARAGRAPHS else block
        for number, block in enumerate(blocks)
    ]
    return "\n\n".join(block for block in cleaned if block)


def _joined(block: str) -> str:
    return " ".join(block.split())


def _is_footer(block: str) -> bool:
    """A footer line, or a row of short links with one (``Chapter 2 | Top of the page``)."""
    parts = [part.strip(" []") for part in _joined(block).split("|")]
    return all(len(part) <= _LINK_TEXT for part in parts) and any(_FOOTER.match(part) for part in parts)


def _without_credits(block: str) -> str:
    """A notes paragraph without its credit lines; a credit wrapped over lines runs to the line ending its sentence."""
    kept: list[str] = []
    in_credit = False
    for line in block.split("\n"):
        stripped = line.strip()
        if _CREDIT.match(stripped):
            in_credit = True
        if not in_credit:
            kept.append(_CREDIT_SENTENCE.sub("", line))
        elif stripped.endswith((".", ".)")):
            in_credit = False
    return "\n".join(kept).strip()
