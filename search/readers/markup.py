"""What the XML readers share: parsing untrusted XML safely, and HTML fragments turned to text.

Export files come from anywhere, so a document type declaration is refused outright:
entity declarations are how external-entity (XXE) and entity-expansion ("billion
laughs") attacks work, and no WordPress, Disqus or feed export needs one. The parser
is also told never to load a DTD, resolve an entity or touch the network.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

from lxml import etree
from lxml import html as lxml_html

from search.readers.base import Problem, ReadError, paragraphs

_XML_DECLARATION = re.compile(r"^\ufeff?\s*<\?xml[^>]*\?>", re.IGNORECASE)
_DECLARED_ENCODING = re.compile(rb"\s*<\?xml[^>]*?\sencoding\s*=\s*[\"']([A-Za-z][\w.:-]{1,39})[\"']")
_PROLOG_ITEM = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)
_SAFE = {"resolve_entities": False, "no_network": True, "load_dtd": False, "dtd_validation": False,
         "huge_tree": False, "remove_comments": True, "remove_pis": True}


class XmlCut(Exception):
    """The XML stopped being well formed at ``line``; what came before it was read."""

    def __init__(self, line: int | None, reason: str, truncated: bool) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason
        self.truncated = truncated


def cut_problem(path: Path, cut: XmlCut, read: str) -> Problem:
    """Where a file stops being XML, and that ``read`` (``"the 12 articles"``) before it were kept."""
    what = "the file looks truncated" if cut.truncated else "the XML breaks"
    return Problem(path, cut.line, f"{what} ({cut.reason}); {read} before it were read, anything after it is lost",
                   "truncated" if cut.truncated else "parse")


def declared_xml_text(data: bytes) -> str | None:
    """An XML file's text in the encoding its declaration names (``<?xml version="1.0" encoding="ISO-8859-2"?>``),
    when that is not UTF-8: None for UTF-8 (also when the bytes are UTF-8 whatever the declaration says, as old
    sites' exports often are), no declaration, an encoding Python does not know, or bytes it cannot decode.

    The declaration is the file's own word on its encoding; guessing instead confuses the Latin encodings.
    """
    match = _DECLARED_ENCODING.match(data[:256])
    if match is None:
        return None
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError:
        pass
    try:
        return data.decode(match[1].decode("ascii"))
    except (LookupError, UnicodeDecodeError):
        return None


def refuse_doctype(path: Path, text: str) -> None:
    """Refuse a DTD before any parser sees it (see the module docstring).

    Only the prolog is looked at: a post about HTML may well quote ``<!DOCTYPE html>`` in its text.
    """
    position = 1 if text.startswith("\ufeff") else 0
    while match := _PROLOG_ITEM.match(text, position):
        position = match.end()
    if text[position:position + 9].upper() == "<!DOCTYPE":
        line = text.count("\n", 0, position) + 1
        raise ReadError(path, line, "XML with a document type declaration (<!DOCTYPE) is refused: its entity "
                                    "declarations are a way to attack the reader, and exports need none")


def xml_bytes(path: Path, text: str) -> bytes:
    """Decoded text back to UTF-8 bytes for lxml, without a declaration naming another encoding."""
    refuse_doctype(path, text)
    return _XML_DECLARATION.sub("", text, count=1).encode("utf-8")


def root_tag(path: Path, text: str) -> str | None:
    """The root element's tag (``{namespace}name``), read from the start of the file only."""
    try:
        for _, element in etree.iterparse(io.BytesIO(xml_bytes(path, text[:65536])), events=("start",), **_SAFE):
            return element.tag
    except etree.XMLSyntaxError:
        return None
    return None


def iter_elements(path: Path, text: str, tags: set[str]) -> Iterator[etree._Element]:
    """Each complete element whose tag is in ``tags``, in file order; raises XmlCut where the XML breaks.

    Elements are handed over as they end, so a file cut off part way keeps the
    records before the cut (the caller decides what to say about the rest).
    """
    data = xml_bytes(path, text)
    parser = etree.iterparse(io.BytesIO(data), events=("end",), tag=tuple(tags), **_SAFE)
    try:
        for _, element in parser:
            yield element
    except etree.XMLSyntaxError as error:
        line = error.lineno or None
        truncated = line is not None and line >= text.rstrip().count("\n") + 1
        raise XmlCut(line, _syntax_reason(error), truncated) from error


def _syntax_reason(error: etree.XMLSyntaxError) -> str:
    message = str(error.msg or error).split(", line ")[0].strip()
    return message[0].lower() + message[1:] if message else "not well-formed XML"


def local_name(tag: object) -> str:
    """``{namespace}name`` -> ``name``; "" for comments and processing instructions."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def texts(element: etree._Element) -> dict[str, str]:
    """The stripped text of each child by local name (any namespace); the first child of a name wins."""
    found: dict[str, str] = {}
    for child in element:
        found.setdefault(local_name(child.tag), (child.text or "").strip())
    return found


def children(element: etree._Element, name: str) -> list[etree._Element]:
    return [child for child in element if local_name(child.tag) == name]


_BLOCK_TAGS = {"p", "div", "section", "article", "header", "footer", "aside", "blockquote", "figure", "figcaption",
               "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "li", "dt", "dd", "table", "tr", "pre",
               "address", "hr", "cite"}
# Not text a writer wrote: code, embeds, and the forms and buttons newsletters put in posts ("Subscribe").
# Newsletter platforms' widgets inside a post (Substack's, by their classes: feed readers keep classes but drop
# data- attributes): subscribe and share boxes and "Leave a comment" buttons, with their "Thanks for reading X!".
_WIDGET_CLASSES = {"subscription-widget-wrap", "subscription-widget-wrap-editor", "captioned-button-wrap",
                   "button-wrapper"}
_SKIPPED_TAGS = {"script", "style", "noscript", "iframe", "object", "embed", "template", "svg", "form", "button",
                 "input", "select", "textarea"}


def _is_widget(node: etree._Element) -> bool:
    return not _WIDGET_CLASSES.isdisjoint((node.get("class") or "").split())


def html_to_text(fragment: str) -> str:
    """An HTML fragment as text paragraphs separated by blank lines; markup, comments and scripts dropped.

    Blank lines in the source text also separate paragraphs, as WordPress's classic
    editor writes paragraphs without ``<p>`` tags.
    """
    if not fragment.strip():
        return ""
    if "<" not in fragment and "&" not in fragment:
        return paragraphs(fragment.split("\n"))
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return paragraphs(re.sub(r"<[^>]*>", " ", fragment).split("\n"))
    lines: list[str] = []
    current: list[str] = []
    previous_break = [False]  # the last element seen was a <br>, with nothing but space after it

    def end_line(blank: bool = False) -> None:
        text = " ".join("".join(current).split())
        if text:
            lines.append(text)
        current.clear()
        if blank and lines and lines[-1]:
            lines.append("")

    def add_text(text: str | None) -> None:
        """A blank line in running text ends a paragraph, a single newline a line."""
        if not text:
            return
        for number, paragraph in enumerate(re.split(r"\n[ \t]*\n\s*", text)):
            if number:
                end_line(blank=True)
            for line_number, line in enumerate(paragraph.split("\n")):
                if line_number:
                    end_line()
                current.append(line)

    def walk(node: etree._Element) -> None:
        tag = node.tag.lower() if isinstance(node.tag, str) else ""
        if tag in _SKIPPED_TAGS or not isinstance(node.tag, str) or _is_widget(node):
            add_text(node.tail)
            return
        block = tag in _BLOCK_TAGS
        if block:
            end_line(blank=tag in {"p", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table",
                                   "pre", "figure", "dl", "div"})
        if tag == "br":
            # Two line breaks in a row are how Blogger and classic editors write a new paragraph.
            end_line(blank=not "".join(current).strip() and bool(lines) and previous_break[0])
            previous_break[0] = True
        elif (node.text or "").strip() or block:
            previous_break[0] = False
        add_text(node.text)
        for child in node:
            walk(child)
        if block:
            end_line(blank=tag not in {"li", "dt", "dd", "tr", "cite", "figcaption"})
        add_text(node.tail)

    add_text(root.text)
    for child in root:
        walk(child)
    end_line()
    return paragraphs(lines)


_CORE_SHORTCODES = {"caption", "wp_caption", "gallery", "audio", "video", "playlist", "embed"}
_SHORTCODE = re.compile(r"\[(/?)([A-Za-z][\w-]*)((?:\s[^\[\]]*)?)/?\]")


def strip_shortcodes(content: str) -> str:
    """Remove shortcode tags, keeping the text an enclosing shortcode wraps.

    A bracketed word is a shortcode when it is one of WordPress's own, has attributes
    (``[contact-form id="3"]``, ``[youtube https://...]``) or has a closing tag, so
    ``[sic]`` and ``[1]`` in an essay stay as written.
    """
    closed = {match.group(2).lower() for match in _SHORTCODE.finditer(content) if match.group(1)}

    def replace(match: re.Match[str]) -> str:
        name = match.group(2).lower()
        if name in _CORE_SHORTCODES or name in closed or "=" in match.group(3) or "://" in match.group(3):
            return " "
        return match.group(0)

    return _SHORTCODE.sub(replace, content)
