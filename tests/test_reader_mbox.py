"""Mailing-list archives in mbox form: threads as articles, replies as comments under what they answer."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from search.readers import ReadError, read_file

ARCHIVE = Path(__file__).parent / "fixtures" / "mbox" / "2002-October.txt"


def test_a_mailman_monthly_archive_gives_the_thread_with_its_replies_threaded():
    first, reply, answer = read_file(ARCHIVE).documents
    assert (first.kind, first.title, first.author) == ("article", "Hash function", "Paolo Bonzini")
    assert first.date.isoformat() == "2002-10-28T13:33:03+01:00"
    assert [reply.kind, reply.author, reply.parent_id] == ["comment", "Aharon Robbins", None]
    assert reply.date.isoformat() == "2002-10-29T09:12:40+02:00"
    assert (answer.author, answer.parent_id) == ("Paolo Bonzini", reply.id)


def test_quotes_signatures_and_scrubbed_attachments_are_not_the_writers_words():
    _, reply, answer = read_file(ARCHIVE).documents
    assert reply.body == "Thanks.  I will try it in gawk's string arrays and report the timings."
    assert answer.body.startswith("From what I measured")  # mbox's ">From" escape undone


def test_a_reply_whose_thread_began_in_an_earlier_month_starts_its_own_thread(tmp_path):
    text = ARCHIVE.read_text(encoding="utf-8")
    later = tmp_path / "2002-November.txt"
    later.write_text(text[text.index("From arnold at skeeve.com"):], encoding="utf-8")
    documents = read_file(later).documents
    assert [(document.kind, document.title, document.author) for document in documents] == [
        ("article", "Hash function", "Aharon Robbins"), ("comment", "Hash function", "Paolo Bonzini")]


def test_an_mbox_file_is_read_by_its_suffix_and_a_text_export_is_not_taken_for_one(tmp_path):
    copy = tmp_path / "list.mbox"
    copy.write_bytes(ARCHIVE.read_bytes())
    assert len(read_file(copy).documents) == 3
    export = tmp_path / "essay.txt"
    export.write_text("From the river to the sea\nSubmitted by Ann on 19 October, 2011 - 10:25\n\nText.\n",
                      encoding="utf-8")
    assert read_file(export).documents[0].title == "From the river to the sea"
    not_mbox = tmp_path / "bad.mbox"
    not_mbox.write_text("Subject: no separator line\n\nText.\n", encoding="utf-8")
    with pytest.raises(ReadError, match="not an mbox mail archive"):
        read_file(not_mbox)


def test_mailmans_gzipped_monthly_archive_is_read(tmp_path):
    archive = tmp_path / "2002-October.txt.gz"
    archive.write_bytes(gzip.compress(ARCHIVE.read_bytes()))
    assert [document.kind for document in read_file(archive).documents] == ["article", "comment", "comment"]
