"""Site navigation, page-maintenance dates and credits stay out of what readers return (issue 9 review)."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.indexer import index_paths
from search.readers import LEFT_OUT, read_file
from search.readers.boilerplate import without_site_chrome

MIA = Path(__file__).parent / "fixtures" / "mia-site-chrome"


def article(name: str):
    return read_file(MIA / name).documents[0]


def test_a_last_updated_footer_is_never_the_article_date() -> None:
    """Plekhanov's "Our Differences" (1885) was dated 2006-10-16, the day its page was last edited."""
    essay = article("ourdiff-index.html")
    assert essay.title == "Our Differences"
    assert (essay.date.year, essay.date_precision) == (1885, "year")  # "Originally published in early 1885."
    assert "Last updated" not in essay.body
    assert essay.body.startswith("Originally published in early 1885.")


def test_a_publication_note_atop_an_old_text_dates_it_as_far_as_it_says(tmp_path: Path) -> None:
    """The notes atop MIA's "Bernstein and Materialism" page, whose footer says "Last updated on 9.10.2007"."""
    page = tmp_path / "bernsteinmat.html"
    page.write_text(
        "<html><head><title>Plekhanov: Bernstein and Materialism</title></head><body>"
        "<h1>Bernstein and Materialism</h1>"
        "<p>Originally published in German in <em>Neue Zeit</em>, No.44, 30 July 1898</p>"
        "<p>Transcribed by Daniel Gaido.</p>"
        "<p>Is materialism compatible with the ideas of Kant? Bernstein thinks that it is not, and he takes "
        "the side of Kant against the materialists, whom he accuses of a dogmatism of their own.</p>"
        '<p class="updat">Last updated on 9.10.2007</p></body></html>',
        encoding="utf-8",
    )
    essay = read_file(page).documents[0]
    assert (essay.date.isoformat()[:10], essay.date_precision) == ("1898-07-30", "day")
    assert "Gaido" not in essay.body and "2007" not in essay.body


@pytest.mark.parametrize("name", ["ourdiff-index.html", "fightgrc.md", "justice.md", "lazy-ch01.md"])
def test_footers_and_transcription_credits_are_cut(name: str) -> None:
    body = article(name).body
    for chrome in ("Top of the page", "Last updated", "Marked up", "Transcribed by", "Corrected & marked"):
        assert chrome not in body


def test_a_credit_wrapped_over_two_lines_goes_and_the_source_note_stays() -> None:
    body = article("fightgrc.md").body
    assert body.startswith("From Workers' Republic, August 13, 1898\n\nWe gather from the American newspapers")
    assert "Society in 1997" not in body
    assert body.endswith("Well, never mind.")


def test_a_breadcrumb_at_the_start_is_cut() -> None:
    """The opening of Lafargue's "Social and Philosophical Studies" page as the HTML reader extracted it."""
    opening = "MIA > Archive > Lafargue\n\nTranslated by Charles H. Kerr.\n\nI. The Religious Bourgeoisie"
    assert without_site_chrome(opening) == "Translated by Charles H. Kerr.\n\nI. The Religious Bourgeoisie"


@pytest.mark.parametrize("name", ["socphil-index.html", "korsch-index.md"])
def test_a_contents_page_is_reported_and_left_out(name: str) -> None:
    """A page that is a list of links to chapters or works is no essay; it was indexed as "index" before."""
    result = read_file(MIA / name)
    assert result.documents == []
    (problem,) = result.problems
    assert problem.kind == LEFT_OUT and "a contents page" in problem.reason


def test_the_indexer_reports_contents_pages_as_left_out_not_failed(tmp_path: Path) -> None:
    report = index_paths(tmp_path / "index", [MIA])
    assert report.failed == []
    assert [problem.path.name for problem in report.problems if problem.kind == LEFT_OUT] == [
        "korsch-index.md", "socphil-index.html"]
    assert report.added["article"] == 6  # the six essays beside them


@pytest.mark.parametrize(("name", "title", "author"), [
    ("1894-sep09.md", "Social Character of Machinery.", "Daniel De Leon"),  # a masthead line above the headings
    ("roy-15.md", "The Awakening of the East", ""),  # a bare name above the title
])
def test_the_title_is_the_heading_not_the_file_name(name: str, title: str, author: str) -> None:
    essay = article(name)
    assert (essay.title, essay.author, essay.title_generated) == (title, author, False)


def test_images_and_pandoc_attributes_stay_out_of_titles_and_bodies(tmp_path: Path) -> None:
    """The opening of MIA's De Leon biography page: its heading is only a picture."""
    page = tmp_path / "deleon.md"
    page.write_text(
        "---\nlayout: default\ntitle: \n---\n"
        '### ![2](DeLeon.jpg){width="419" height="220" align="bottom"}\n\n'
        "------------------------------------------------------------------------\n\n"
        '[**![1](Grey_Beveled00341361.gif){width="17" height="14" border="0"\n'
        'align="bottom"} Daniel De Leon: A Sketch of His Socialist\nCareer**](#anchor345364)\n\n'
        "Daniel De Leon was born Dec. 14, 1852, on Curacao, a Dutch-owned island\n"
        "off the coast of Venezuela, and died in New York City on May 11, 1914.\n",
        encoding="utf-8",
    )
    essay = read_file(page).documents[0]
    assert essay.title_generated and essay.title.startswith("Daniel De Leon: A Sketch")
    for markup in ("{", "}", "![", "](", "width="):
        assert markup not in essay.title and markup not in essay.body


def test_chrome_lines_inside_the_essay_are_left_alone() -> None:
    """Only the very start and end are navigation; the same words inside the text are the author's."""
    middle = "\n\n".join(f"Paragraph {number} of the essay, long enough to be prose." for number in range(20))
    body = (f"Left > Right > Centre\n\nIntro.\n\nTop of the page\n\n{middle}\n\n"
            f"Transcribed by the author himself.\n\n{middle}")
    assert without_site_chrome(body) == body[len("Left > Right > Centre\n\n"):]


def test_credit_sentences_in_a_note_go_and_the_rest_of_the_note_stays() -> None:
    note = ("Translated by Charles H. Kerr. Published by Charles H. Kerr & Company, Chicago 1918. "
            "Transcribed & marked up by Einde O’Callaghan for the Marxists’ Internet Archive.")
    assert without_site_chrome(f"{note}\n\nThe text.") == (
        "Translated by Charles H. Kerr. Published by Charles H. Kerr & Company, Chicago 1918.\n\nThe text."
    )


SAME_TITLE = Path(__file__).parent / "fixtures" / "corpora" / "socialist-worker-same-title"


def test_the_headline_atop_the_text_wins_over_a_title_tag_from_another_page() -> None:
    """372_04_CiceroMayor.php was saved with 372_04_BloodyTexas.php's <title>; its bold headline is its own."""
    result = read_file(SAME_TITLE / "372_04_CiceroMayor.php")
    (letter,) = result.documents
    assert letter.title == "Cicero mayor gets what she deserves"
    assert letter.body.startswith("Dear Socialist Worker,")
    assert any("is not in its text" in problem.reason for problem in result.problems)


def test_a_title_tag_that_is_the_headline_under_a_kicker_is_kept() -> None:
    (letter,) = read_file(SAME_TITLE / "372_04_BloodyTexas.php").documents
    assert letter.title == '"Deep in the heart of bloody Texas"'


def test_tags_written_inside_a_title_tag_are_not_part_of_the_title(tmp_path: Path) -> None:
    """Socialist Worker's 500_06_SWMessage.php: ``<title>Message from <I>Socialist Worker</I></title>``."""
    page = tmp_path / "500_06_SWMessage.php"
    page.write_text("<html><head><title>Message from <I>Socialist Worker</I></title></head><body>"
                    "<p>Socialist Worker will not publish next week, as we take our usual summer break. "
                    "The next issue will be dated August 6, and it will be online then.</p></body></html>",
                    encoding="utf-8")
    assert read_file(page).documents[0].title == "Message from Socialist Worker"


def test_a_heading_in_a_grid_table_ends_at_its_cell(tmp_path: Path) -> None:
    """The opening of MIA's James Connolly page, titled 'James Connolly | ![James' before."""
    page = tmp_path / "index.md"
    page.write_text(
        "---\nlayout: default\ntitle: \n---\n"
        "+-----------------------------------+-----------------------------------+\n"
        "| # James Connolly                  | ![James                           |\n"
        "|                                   | Con                               |\n"
        "| Born Edinburgh, Scotland of Irish | nolly](img/index.jpg){hspace=\"14\" |\n"
        "| parents -- said to have first     | vspace=\"14\" align=\"right\"}        |\n"
        "+-----------------------------------+-----------------------------------+\n\n"
        "Born Edinburgh, Scotland of Irish parents, active in the Socialist movement in Edinburgh.\n",
        encoding="utf-8",
    )
    assert read_file(page).documents[0].title == "James Connolly"
