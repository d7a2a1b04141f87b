"""CSV and TSV spreadsheets: a header names the columns, comment rows name their article."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.readers import ReadError, read_file

FIXTURES = Path(__file__).parent / "fixtures" / "tabular"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_rows_become_articles_and_comments():
    documents = read_file(FIXTURES / "pamphlets.csv").documents
    articles = [document for document in documents if document.kind == "article"]
    assert [article.title for article in articles] == ["The Federalist No. 10", "Brutus 1"]
    assert articles[0].tags == ("US Constitution", "Law & Constitution")
    assert articles[0].body.count("\n\n") == 1  # paragraphs kept as written in the cell


def test_comments_name_their_article_by_id_or_by_url_and_reply_by_id():
    documents = read_file(FIXTURES / "pamphlets.csv").documents
    comments = {document.author: document for document in documents if document.kind == "comment"}
    federalist = next(document for document in documents if document.title == "The Federalist No. 10"
                      and document.kind == "article")
    assert comments["Cato"].article_id == federalist.id  # by id "f10"
    assert comments["Publius"].article_id == federalist.id  # by url, without its trailing slash
    assert comments["Publius"].parent_id == comments["Cato"].id
    assert comments["Cato"].date.isoformat() == "1787-11-30T10:00:00-05:00"


def test_tsv_is_read_by_its_suffix():
    documents = read_file(FIXTURES / "pamphlets.tsv").documents
    assert [document.title for document in documents] == ["The Federalist No. 10", "Brutus 1"]


def test_a_missing_body_column_is_named(tmp_path):
    path = write(tmp_path, "essays.csv", "title,author,date\nA,B,2011\n")
    with pytest.raises(ReadError, match="no body column .*found: title, author, date") as error:
        read_file(path)
    assert error.value.line == 1


def test_a_missing_date_column_is_said_once_and_rows_are_kept(tmp_path):
    result = read_file(write(tmp_path, "essays.csv", "title,author,body\nA,B,C\nD,E,F\n"))
    assert [document.title for document in result.documents] == ["A", "D"]
    assert [(problem.line, problem.kind) for problem in result.problems] == [(1, "date")]


def test_a_missing_header_is_a_clear_error(tmp_path):
    path = write(tmp_path, "essays.csv", "The Federalist No. 10,Publius,1787-11-22,Among the numerous advantages\n")
    with pytest.raises(ReadError, match="header row has no body column") as error:
        read_file(path)
    assert error.value.problem.kind == "unsupported"  # no column of an article at all: some other table


def test_a_bad_row_is_skipped_with_its_line_and_the_rest_kept(tmp_path):
    path = write(tmp_path, "essays.csv", "title,author,date,body\nOne,A,2011-10-21,First\nTwo,B\n"
                                         "Three,C,not a date,Third\n")
    result = read_file(path)
    assert [document.title for document in result.documents] == ["One", "Three"]
    reasons = {problem.line: problem.reason for problem in result.problems}
    assert "2 fields where the header has 4" in reasons[3]
    assert "unreadable date 'not a date'" in reasons[4]


def test_a_truncated_file_keeps_the_rows_before_the_cut(tmp_path):
    path = write(tmp_path, "essays.csv", 'title,author,date,body\nOne,A,2011-10-21,First\nTwo,B,2011,"cut off')
    result = read_file(path)
    assert [document.title for document in result.documents] == ["One"]
    assert any(problem.kind == "truncated" for problem in result.problems)


def test_a_comment_naming_no_article_is_reported(tmp_path):
    path = write(tmp_path, "essays.csv", "title,author,date,body,id,article\nOne,A,2011,First,a1,\n"
                                         ",B,2012,Reply,,nowhere\n")
    result = read_file(path)
    assert [document.kind for document in result.documents] == ["article"]
    assert "names article 'nowhere'" in result.problems[0].reason and result.problems[0].line == 3


def test_a_long_essay_fits_in_one_cell(tmp_path):
    body = "The general strike. " * 20_000  # 400,000 characters, beyond csv's default field limit
    path = write(tmp_path, "essays.csv", f'title,author,date,body\nLong,A,2011,"{body}"\n')
    assert read_file(path).documents[0].body == body.strip()


def test_an_excel_csv_with_its_separator_line_bom_crlf_and_own_header_words():
    result = read_file(FIXTURES / "pamphlets-excel.csv")
    federalist, brutus = result.documents
    assert (federalist.title, federalist.author) == ("The Federalist No. 10", "Publius")
    assert federalist.url == "https://pamphletariat.github.io/pamphlets/federalist-10/"
    assert federalist.date.isoformat() == "1787-11-22T09:00:00"  # "Date Published", month first
    assert federalist.body.count("\n\n") == 1 and "\r" not in federalist.body
    assert brutus.date.isoformat() == "1787-10-18T10:30:00"
    assert not result.problems


def test_a_spreadsheets_dates_are_read_month_first_when_one_of_them_can_only_be(tmp_path):
    us = write(tmp_path, "us.csv", "title,date,text\nA,03/04/2012,a\nB,03/15/2012 14:05,b\n")
    assert [document.date.isoformat() for document in read_file(us).documents] == ["2012-03-04T00:00:00",
                                                                                   "2012-03-15T14:05:00"]
    british = write(tmp_path, "uk.csv", "title,date,text\nA,03/04/2012,a\nB,15/03/2012,b\nC,15 March 2012,c\n")
    assert [document.date.isoformat() for document in read_file(british).documents] == [
        "2012-04-03T00:00:00", "2012-03-15T00:00:00", "2012-03-15T00:00:00"]


def test_header_names_in_other_cases_and_spacing(tmp_path):
    sheet = write(tmp_path, "sheet.csv", "Post Title,AUTHOR,Published At,Text,Permalink\n"
                                         "On Thrift,Ann Lee,2012-03-15T14:05:00-05:00,Save.,https://ex.org/t\n")
    (document,) = read_file(sheet).documents
    assert (document.title, document.author, document.body) == ("On Thrift", "Ann Lee", "Save.")
    assert document.url == "https://ex.org/t"
    assert document.date.isoformat() == "2012-03-15T14:05:00-05:00"


def test_a_column_whose_last_word_names_a_part_plays_it(tmp_path):
    sheet = write(tmp_path, "wp.csv", "post_title,post_author,publication_date,article_text,comment_count\n"
                                      "On Debt,Bob Roy,15 March 2012,Debt is old.,3\n")
    result = read_file(sheet)
    (document,) = result.documents
    assert (document.title, document.author, document.body) == ("On Debt", "Bob Roy", "Debt is old.")
    assert (document.date.isoformat(), document.date_precision) == ("2012-03-15T00:00:00", "day")
    assert any(problem.reason == "columns not read: comment_count" for problem in result.problems)


def test_a_reports_title_lines_before_the_header_are_skipped_and_said_to_be(tmp_path):
    report = write(tmp_path, "report.csv", "Posts export\r\nGenerated 2012-03-16\r\n\r\n"
                                           "Title,Author,Date,Content\r\nOn Debt,Bob Roy,15/03/2012,Debt is old.\r\n")
    result = read_file(report)
    (document,) = result.documents
    assert (document.title, document.author, document.body) == ("On Debt", "Bob Roy", "Debt is old.")
    (skipped,) = [problem for problem in result.problems if "before the header" in problem.reason]
    assert skipped.line == 1 and "Posts export" in skipped.reason


def test_a_table_of_something_else_is_still_refused_by_its_header(tmp_path):
    other = write(tmp_path, "speakers.csv", "session,speaker,country\n1,Ann,UK\n2,text,FR\n")
    with pytest.raises(ReadError, match="no body column"):
        read_file(other)
