"""The archive site's text export, read from the seed and from files the tests write."""

from datetime import datetime
from pathlib import Path

import pytest

from search.readers import ReadError, read_file
from tests.conftest import SEED


def test_seed_splits_into_article_and_four_comments():
    documents = read_file(SEED).documents
    assert [d.kind for d in documents] == ["article", "comment", "comment", "comment", "comment"]
    article = documents[0]
    assert article.title == "The real Serge"
    assert article.author == "Paul Hampton"
    assert article.date == datetime(2011, 10, 19, 10, 25)
    assert [d.author for d in documents[1:]] == ["guenter", "PaulHampton", "guenter", "PaulHampton"]
    assert documents[2].date == datetime(2011, 10, 21, 20, 47)
    assert all(d.article_id == article.id and d.title == article.title for d in documents)


def test_reply_links_point_at_the_latest_earlier_comment_by_that_name():
    article, first, reply, second, second_reply = read_file(SEED).documents
    assert first.parent_id is None and second.parent_id is None
    assert reply.parent_id == first.id
    assert second_reply.parent_id == second.id


def test_chrome_is_dropped_and_paragraphs_kept():
    documents = read_file(SEED).documents
    text = "\n".join(d.body for d in documents)
    assert "cookies" not in text and "Add new comment" not in text and "Privacy Policy" not in text
    assert "\n\n" in documents[0].body
    assert not documents[0].body.startswith("By Paul Hampton")
    assert "In reply to" not in documents[2].body


def test_ids_are_stable_across_reads():
    assert [d.id for d in read_file(SEED).documents] == [d.id for d in read_file(SEED).documents]


def test_without_byline_the_submitter_is_the_author(tmp_path: Path):
    path = tmp_path / "plain.txt"
    path.write_text("A title\n\nSubmitted by Rosa on 1 May, 1905 - 09:00\n\nBody text.\n")
    (article,) = read_file(path).documents
    assert article.author == "Rosa" and article.body == "Body text."


def test_unreadable_date_is_a_problem_with_its_line(tmp_path: Path):
    path = tmp_path / "bad-date.txt"
    path.write_text("A title\n\nSubmitted by Rosa on sometime\n\nBody.\n")
    result = read_file(path)
    assert result.documents[0].date is None
    assert [(p.line, "sometime" in p.reason) for p in result.problems] == [(3, True)]


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("Title only\n\nno header here\n", 3, "expected 'Submitted by NAME on DATE'"),
        ("Title\n", 1, "no 'Submitted by"),
        ("   \n\n", None, "empty"),
    ],
)
def test_unparseable_files_raise_read_error_naming_file_and_line(tmp_path: Path, text, line, reason):
    path = tmp_path / "broken.txt"
    path.write_text(text)
    with pytest.raises(ReadError) as caught:
        read_file(path)
    assert caught.value.line == line and reason in caught.value.reason
    assert str(path) in str(caught.value)
