"""JSON Lines archives: reading, bad lines, gzip, encodings, and the lossless exporter."""

from __future__ import annotations

import dataclasses
import gzip
import io
import json
from datetime import datetime
from pathlib import Path

import pytest

from search.readers import ReadError, read_file
from search.readers.jsonl import write_jsonl

FIXTURES = Path(__file__).parent / "fixtures" / "corpora"
ARTICLE = {
    "title": "The case for a four-day week",
    "author": "Ada Reyes",
    "date": "2021-03-04T09:30:00",
    "url": "https://example.org/four-day-week",
    "tags": ["labour", "time"],
    "body": "Work expands.\n\nSo should leisure.",
    "comments": [
        {"author": "Ben", "date": "2021-03-04 10:00", "body": "Who pays for it?"},
        {"author": "Ada Reyes", "date": "2021-03-04 11:00", "body": "Productivity does.", "in_reply_to": 0},
        {"author": "Cy", "date": "4 March 2021", "body": "Agree with Ada.", "in_reply_to": "Ada Reyes"},
    ],
}


def write_lines(path: Path, *records: object) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records), encoding="utf-8")
    return path


def test_article_and_threaded_comments(tmp_path: Path) -> None:
    result = read_file(write_lines(tmp_path / "essays.jsonl", ARTICLE))
    article, ben, ada, cy = result.documents
    assert (article.kind, article.title, article.author) == ("article", "The case for a four-day week", "Ada Reyes")
    assert article.date == datetime(2021, 3, 4, 9, 30)
    assert article.tags == ("labour", "time") and article.url == "https://example.org/four-day-week"
    assert article.body == "Work expands.\n\nSo should leisure."
    assert [c.kind for c in (ben, ada, cy)] == ["comment"] * 3
    assert ben.parent_id is None
    assert ada.parent_id == ben.id
    assert cy.parent_id == ada.id  # "Ada Reyes" = her latest earlier comment
    assert cy.date == datetime(2021, 3, 4)
    assert {c.article_id for c in (ben, ada, cy)} == {article.id}
    assert result.problems == []


def test_bad_lines_are_reported_by_number_and_the_rest_is_read(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "mixed.jsonl",
        {"title": "Good one", "author": "A", "date": "2020-01-01", "body": "Fine."},
        "{not json",
        {"author": "A", "body": "No title here."},
        {"title": "No body", "date": "2020-01-01"},
        {"title": "Tags wrong", "body": "x", "date": "2020-01-01", "tags": {"one": "two"}},
        ["a", "list"],
        {"title": "Second good", "author": "B", "date": "2020-02-02", "body": "Also fine."},
    )
    result = read_file(path)
    assert [d.title for d in result.documents] == ["Good one", "No title here.", "Second good"]
    messages = [(p.line, p.reason) for p in result.problems]
    assert messages[0][0] == 2 and messages[0][1].startswith("invalid JSON: ")
    assert (4, "no body: none of body, text, content, content_html, content_text, full_text, fulltext, speech, "
               "selftext, message, description, summary (found: title, date); line skipped") in messages
    assert (5, "'tags' must be a list of strings, found an object; line skipped") in messages
    assert (6, "expected a JSON object, found a list; line skipped") in messages
    assert str(result.problems[0]).startswith(f"{path}:2: invalid JSON")


def test_missing_and_unreadable_dates_keep_the_document(tmp_path: Path) -> None:
    result = read_file(
        write_lines(
            tmp_path / "dates.jsonl",
            {"title": "Undated", "author": "A", "body": "x"},
            {"title": "Odd date", "author": "A", "date": "the ides of March", "body": "y"},
            {"title": "Other format", "author": "A", "date": "Thu, 20/10/2011 - 13:18", "body": "z"},
        )
    )
    undated, odd, other = result.documents
    assert undated.date is None and odd.date is None
    assert other.date == datetime(2011, 10, 20, 13, 18)
    assert [(p.line, p.reason) for p in result.problems] == [
        (1, "the article has no date; indexed without a date"),
        (2, "the article: unreadable date 'the ides of March'; indexed without a date"),
    ]


def test_bad_comment_is_skipped_and_later_reply_indexes_still_point_right(tmp_path: Path) -> None:
    record = {
        "title": "T",
        "author": "A",
        "date": "2020-01-01",
        "body": "b",
        "comments": [
            {"author": "X", "date": "2020-01-02", "body": "first"},
            {"author": "Y", "date": "2020-01-02"},
            {"author": "Z", "date": "2020-01-03", "body": "answers first", "in_reply_to": 0},
            {"author": "W", "date": "2020-01-03", "body": "answers the bad one", "in_reply_to": 1},
            {"author": "V", "date": "2020-01-03", "body": "answers the future", "in_reply_to": 9},
        ],
    }
    result = read_file(write_lines(tmp_path / "c.jsonl", record))
    _, first, z, w, v = result.documents
    assert z.parent_id == first.id
    assert w.parent_id is None and v.parent_id is None
    reasons = [p.reason for p in result.problems]
    assert "comment 1: no body: none of body, text, content, content_html, content_text, full_text, fulltext, " \
           "speech, selftext, message, description, summary (found: author, date); comment skipped" in reasons
    assert "comment 3: in_reply_to 1 is not an earlier comment" in reasons
    assert "comment 4: in_reply_to 9 is not an earlier comment" in reasons


def test_truncated_last_line_is_named(tmp_path: Path) -> None:
    good = json.dumps({"title": "Kept", "author": "A", "date": "2020-01-01", "body": "whole"})
    cut = json.dumps(ARTICLE)[:80]
    path = tmp_path / "cut.jsonl"
    path.write_text(f"{good}\n{cut}", encoding="utf-8")
    result = read_file(path)
    assert [d.title for d in result.documents] == ["Kept"]
    (problem,) = result.problems
    assert problem.line == 2
    assert problem.reason.startswith("invalid JSON (the file looks truncated): Unterminated string")


def test_no_usable_line_is_a_read_error(tmp_path: Path) -> None:
    with pytest.raises(ReadError) as error:
        read_file(write_lines(tmp_path / "bad.jsonl", "{", {"title": "x"}))
    assert error.value.line == 1
    assert "no usable record in the file" in error.value.reason


def test_empty_file_is_a_read_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"\n\n")
    with pytest.raises(ReadError, match="file is empty"):
        read_file(path)


def test_records_sharing_title_author_and_date_are_all_read(tmp_path: Path) -> None:
    """A debate archive with one placeholder author and date: each argument is its own record."""
    first = {"author": "unknown", "date": "2020-01-01", "title": "Argument", "body": "Schools should start later."}
    second = dict(first, body="Schools should start earlier.")
    result = read_file(write_lines(tmp_path / "arguments.jsonl", first, second))
    assert [d.body for d in result.documents] == [first["body"], second["body"]]
    assert result.problems == []


def test_untitled_record_is_titled_from_its_opening_words(tmp_path: Path) -> None:
    record = {"author": "Kim", "body": "Rent control helps sitting tenants but shrinks supply over the decades."}
    (document,) = read_file(write_lines(tmp_path / "posts.jsonl", record)).documents
    assert document.title == "Rent control helps sitting tenants but shrinks supply…"
    assert document.title_generated
    out = io.StringIO()
    write_jsonl([document], out)
    assert json.loads(out.getvalue())["title"] is None  # the made-up title is not exported as the author's
    (again,) = read_file(tmp_path / "again.jsonl", out.getvalue().encode()).documents
    assert (again.id, again.title, again.title_generated) == (document.id, document.title, True)


def test_comments_link_by_their_own_ids_and_keep_their_titles() -> None:
    """idebate: a counter-argument names the point it answers by the point's id (pro02b -> pro02a)."""
    result = read_file(FIXTURES / "idebate-debatabase" / "debates.jsonl")
    assert [p for p in result.problems if p.kind == "reply link"] == []
    debate, point, counter = result.documents[:3]
    assert point.id == f"{debate.id}.con01a" and counter.id == f"{debate.id}.con01b"
    assert point.heading == "The fence is a serious environmental threat and endangers wildlife."
    assert counter.heading == "" and counter.parent_id == point.id
    comments = [d for d in result.documents if d.kind == "comment"]
    assert sum(1 for c in comments if c.parent_id) == sum(1 for c in comments if c.id.endswith("b")) > 15


def test_reply_link_by_id_then_index_then_author(tmp_path: Path) -> None:
    record = {"title": "T", "body": "b", "comments": [
        {"id": "x1", "author": "Ann", "body": "one"},
        {"id": "x2", "author": "x1", "body": "two"},
        {"author": "Cy", "body": "by id", "in_reply_to": "x1"},
        {"author": "Di", "body": "by index", "in_reply_to": 1},
        {"author": "Ed", "body": "by name", "in_reply_to": "Ann"},
        {"author": "Fa", "body": "nothing", "in_reply_to": "zz"},
    ]}  # fmt: skip
    result = read_file(write_lines(tmp_path / "t.jsonl", record))
    _, one, two, by_id, by_index, by_name, nothing = result.documents
    assert (by_id.parent_id, by_index.parent_id, by_name.parent_id, nothing.parent_id) == (one.id, two.id, one.id, None)
    links = [p.reason for p in result.problems if p.kind == "reply link"]
    assert links == ["reply link to 'zz' matches no earlier comment"]


def test_ids_survive_corrections_of_text(tmp_path: Path) -> None:
    """Editing one comment's text, or another comment in the file, keeps every id (shared links keep working)."""
    before = read_file(write_lines(tmp_path / "a.jsonl", ARTICLE)).documents
    edited = json.loads(json.dumps(ARTICLE))
    edited["body"] = "Work expands. (Corrected.)"
    edited["comments"][0]["body"] = "Who pays for it, exactly?"
    edited["comments"][2]["body"] = "I agree with Ada."
    after = read_file(write_lines(tmp_path / "b.jsonl", edited)).documents
    assert [d.id for d in after] == [d.id for d in before]
    assert [d.parent_id for d in after] == [d.parent_id for d in before]


def test_offset_is_kept_and_exported(tmp_path: Path) -> None:
    record = dict(ARTICLE, date="2012-01-26T16:32:42+01:00")
    article = read_file(write_lines(tmp_path / "tz.jsonl", record)).documents[0]
    assert article.date.isoformat() == "2012-01-26T16:32:42+01:00"
    out = io.StringIO()
    write_jsonl(read_file(tmp_path / "tz.jsonl").documents, out)
    assert json.loads(out.getvalue().splitlines()[0])["date"] == "2012-01-26T16:32:42+01:00"


def test_gzip_is_decompressed(tmp_path: Path) -> None:
    path = tmp_path / "essays.jsonl.gz"
    path.write_bytes(gzip.compress((json.dumps(ARTICLE) + "\n").encode()))
    assert [d.kind for d in read_file(path).documents] == ["article", "comment", "comment", "comment"]


def test_truncated_gzip_is_a_read_error(tmp_path: Path) -> None:
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(gzip.compress((json.dumps(ARTICLE) + "\n").encode() * 50)[:200])
    with pytest.raises(ReadError, match="not a readable gzip file"):
        read_file(path)


@pytest.mark.parametrize(
    ("data", "problem_line"),
    [
        ("\ufeff".encode() + json.dumps({"title": "Café", "body": "“Quoted” régime", "date": "2020"}).encode(), None),
        (
            (
                '{"title": "ok", "body": "plain", "date": "2020"}\n'
                '{"title": "Café", "body": "“Quoted” régime", "date": "2020"}\n'
            ).encode("cp1252"),
            2,
        ),
        ('{"title": "Café", "body": "« Quoted » régime", "date": "2020"}\n'.encode("latin-1"), 1),
    ],
    ids=["utf-8-bom", "cp1252", "latin-1"],
)
def test_encodings(tmp_path: Path, data: bytes, problem_line: int | None) -> None:
    result = read_file(tmp_path / "enc.jsonl", data)
    document = result.documents[-1]
    assert document.title == "Café"
    assert document.body.endswith("Quoted” régime") or document.body == "« Quoted » régime"
    if problem_line is None:
        assert result.problems == []
    else:
        (problem,) = result.problems
        assert problem.line == problem_line
        assert problem.reason.startswith("not valid UTF-8 at byte") and "decoded as" in problem.reason


def test_cp1252_letters_outside_cp1250_survive(tmp_path: Path) -> None:
    data = '{"title": "A naïve façade", "body": "Noël", "date": "2020"}\n'.encode("cp1252")
    assert read_file(tmp_path / "q.jsonl", data).documents[0].title == "A naïve façade"


def test_huge_file_reads_every_line(tmp_path: Path) -> None:
    path = tmp_path / "huge.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for number in range(20_000):
            out.write(json.dumps({"title": f"Essay {number}", "author": "A", "date": "2020-01-01", "body": "x" * 500}))
            out.write("\n")
    result = read_file(path)
    assert len(result.documents) == 20_000 and result.problems == []
    assert result.documents[-1].title == "Essay 19999"


def _without_source(documents: list) -> list:
    return [dataclasses.replace(d, source="", position=0) for d in documents]


def test_write_then_read_gives_the_same_documents(tmp_path: Path) -> None:
    tricky = dict(ARTICLE, title="Line\u2028separator and “quotes”", body="Tabs\tand\r\nCRLF and émigrés")
    original = read_file(write_lines(tmp_path / "in.jsonl", ARTICLE, tricky)).documents
    out = io.StringIO()
    assert write_jsonl(original, out) == len(original) == 8
    again = read_file(tmp_path / "out.jsonl", out.getvalue().encode("utf-8")).documents
    assert _without_source(again) == _without_source(original)
    assert [d.id for d in again] == [d.id for d in original]


def test_write_read_write_is_byte_identical(tmp_path: Path) -> None:
    original = read_file(write_lines(tmp_path / "in.jsonl", ARTICLE)).documents
    first = io.StringIO()
    write_jsonl(original, first)
    second = io.StringIO()
    write_jsonl(read_file(tmp_path / "x.jsonl", first.getvalue().encode()).documents, second)
    assert second.getvalue() == first.getvalue()


def test_writer_groups_comments_under_their_article_in_position_order(tmp_path: Path) -> None:
    article, *comments = read_file(write_lines(tmp_path / "in.jsonl", ARTICLE)).documents
    out = io.StringIO()
    write_jsonl([comments[2], article, comments[0], comments[1]], out)
    (line,) = out.getvalue().splitlines()
    record = json.loads(line)
    assert record["date"] == "2021-03-04T09:30:00"
    assert [c["body"] for c in record["comments"]] == ["Who pays for it?", "Productivity does.", "Agree with Ada."]
    assert [c.get("in_reply_to") for c in record["comments"]] == [None, record["comments"][0]["id"],
                                                                   record["comments"][1]["id"]]


def test_writer_refuses_a_comment_without_its_article(tmp_path: Path) -> None:
    _, *comments = read_file(write_lines(tmp_path / "in.jsonl", ARTICLE)).documents
    with pytest.raises(ValueError, match="which is not being written"):
        write_jsonl(comments, io.StringIO())
