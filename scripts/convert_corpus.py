"""Convert the public corpora under /work/shared/corpora into essay-search's JSON Lines format.

    python scripts/convert_corpus.py iac-4forums-politics out.jsonl --limit 1000

Each converter streams one record (an article with its comments) at a time, so the
192 MB forum corpus never sits in memory. Corpora our readers read directly
(Markdown with front matter, saved HTML pages) need no converter.
"""

from __future__ import annotations

import gzip
import html
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

import click

CORPORA = Path("/work/shared/corpora")
_IAC_PREFIX = "4Forums.com Political Debates and Polls - "

Record = dict[str, Any]


def iac_4forums_politics(source: Path) -> Iterator[Record]:
    """Forum threads: the opening post is the article, later posts its comments, linked by parent post.

    Post text keeps the forum's HTML entities (``Don&#8217;t``); they are decoded here.
    """
    with gzip.open(source, "rt", encoding="utf-8") as lines:
        for line in lines:
            discussion = json.loads(line)
            opening, *replies = discussion["posts"]
            post_id, _, author, text, info, _, _, timestamp = opening
            title = (info.get("post_info") or {}).get("post_title") or ""
            if not title.strip():
                title = discussion["metadata"]["title"].removeprefix(_IAC_PREFIX)
            index: dict[int, int] = {}
            comments = []
            for number, (reply_id, _, reply_author, reply_text, _, parent, _, reply_time) in enumerate(replies):
                comment = {
                    "author": reply_author or "",
                    "date": _unix(reply_time),
                    "body": html.unescape(reply_text or ""),
                }
                if parent in index:
                    comment["in_reply_to"] = index[parent]
                comments.append(comment)
                index[reply_id] = number
            yield {
                "title": title.strip(),
                "author": author or "",
                "date": _unix(timestamp),
                "url": discussion["metadata"].get("url") or "",
                "tags": discussion["metadata"].get("breadcrumbs") or [],
                "body": html.unescape(text or ""),
                "comments": comments,
            }


def un_general_debates(source: Path) -> Iterator[Record]:
    """UN General Debate speeches: one article per speech, dated by year only."""
    with gzip.open(source, "rt", encoding="utf-8") as lines:
        for line in lines:
            speech = json.loads(line)
            country = speech["country"] or speech["country_iso3"]
            yield {
                "title": f"{country}, General Debate {speech['year']}",
                "author": speech["speaker"] or "",
                "date": str(speech["year"]),
                "tags": [country],
                "body": speech["text"],
            }


def sotu(source: Path) -> Iterator[Record]:
    """State of the Union addresses, one JSON file each, in year order."""
    for path in sorted(source.glob("*.json")):
        address = json.loads(path.read_text(encoding="utf-8"))
        party = address["party"] if address["party"] != "none" else ""
        yield {
            "title": f"State of the Union, {address['year']}",
            "author": address["name"],
            "date": str(address["year"]),
            "tags": [party] if party else [],
            "body": address["text"],
        }


def idebate_debatabase(source: Path) -> Iterator[Record]:
    """Debates: the motion and introduction are the article, points its comments and counter-points replies.

    Points and counters carry no author or date of their own; they appeared with the debate, so they get its date.
    Each keeps its own id (``con01a``: stable comment ids), its headline as its own ``title`` (searched and shown
    apart from the body) and its ``kind`` and ``stance`` (point or counter, pro or con).
    """
    with source.open(encoding="utf-8") as lines:
        for line in lines:
            debate = json.loads(line)
            index = {point["id"]: number for number, point in enumerate(debate["comments"])}
            comments = []
            for number, point in enumerate(debate["comments"]):
                comment = {"id": point["id"], "kind": point.get("kind"), "stance": point.get("stance"),
                           "author": point["author"] or "", "date": debate["date"], "body": point["body"]}
                if point.get("title"):
                    comment["title"] = point["title"]
                parent = index.get(point["in_reply_to"])
                if parent is not None and parent < number:
                    comment["in_reply_to"] = point["in_reply_to"]
                comments.append(comment)
            yield {
                "title": debate["title"],
                "author": debate["author"] or "",
                "date": debate["date"],
                "url": debate["url"],
                "tags": debate["tags"],
                "body": debate["body"],
                "comments": comments,
            }


def _unix(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).replace(tzinfo=None).isoformat()


CONVERTERS: dict[str, tuple[Callable[[Path], Iterator[Record]], str]] = {
    "iac-4forums-politics": (iac_4forums_politics, "iac-4forums-politics/discussions.jsonl.gz"),
    "un-general-debates": (un_general_debates, "un-general-debates/speeches-every-5th-year.jsonl.gz"),
    "sotu": (sotu, "sotu"),
    "idebate-debatabase": (idebate_debatabase, "idebate-debatabase/debates.jsonl"),
}


@click.command()
@click.argument("name", type=click.Choice(sorted(CONVERTERS)))
@click.argument("out", type=click.File("w", encoding="utf-8"))
@click.option("--limit", type=click.IntRange(min=1), help="Stop after this many articles.")
@click.option("--source", type=click.Path(exists=True, path_type=Path), help="The corpus file or folder to convert.")
def main(name: str, out: Any, limit: int | None, source: Path | None) -> None:
    """Convert corpus NAME to our JSON Lines format in OUT."""
    convert, default = CONVERTERS[name]
    source = source or CORPORA / default
    articles = comments = 0
    for record in islice(convert(source), limit):
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        articles += 1
        comments += len(record.get("comments", ()))
    click.echo(f"{name}: {articles} articles, {comments} comments", err=True)


if __name__ == "__main__":
    main()
