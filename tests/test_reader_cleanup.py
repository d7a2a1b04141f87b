"""Site navigation, page-maintenance dates and credits stay out of what readers return (issue 9 review)."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.readers import read_file
from search.readers.boilerplate import without_site_chrome

MIA = Path(__file__).parent / "fixtures" / "mia-site-chrome"


def article(name: str):
    return read_file(MIA / name).documents[0]


def test_a_last_updated_footer_is_never_the_article_date() -> None:
    """Plekhanov's "Our Differences" (1885) was dated 2006-10-16, the day its page was last edited."""
    essay = article("ourdiff-index.html")
    assert essay.title == "Our Differences"
    assert essay.date is None or essay.date.year == 1885
    assert "Last updated" not in essay.body
    assert essay.body.startswith("Originally published in early 1885.")


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
    assert not article("socphil-index.html").body.startswith("MIA")


def test_chrome_lines_inside_the_essay_are_left_alone() -> None:
    """Only the very start and end are navigation; the same words inside the text are the author's."""
    middle = "\n\n".join(f"Paragraph {number} of the essay, long enough to be prose." for number in range(20))
    body = f"Left > Right > Centre\n\nIntro.\n\nTop of the page\n\n{middle}\n\nTranscribed by the author himself.\n\n{middle}"
    assert without_site_chrome(body) == body[len("Left > Right > Centre\n\n"):]


def test_credit_sentences_in_a_note_go_and_the_rest_of_the_note_stays() -> None:
    note = ("Translated by Charles H. Kerr. Published by Charles H. Kerr & Company, Chicago 1918. "
            "Transcribed & marked up by Einde O’Callaghan for the Marxists’ Internet Archive.")
    assert without_site_chrome(f"{note}\n\nThe text.") == (
        "Translated by Charles H. Kerr. Published by Charles H. Kerr & Company, Chicago 1918.\n\nThe text."
    )
