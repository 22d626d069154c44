"""Site templates: recurring short lines across a site's pages."""

from pathlib import Path

import pytest

from cleaners import clean_text
from cleaners.templates import find_template_lines, line_key, short_line_keys
from schemas import Cleaned

BODY = "The council voted on Monday to approve the new budget, which had been delayed for months."


def test_line_key_folds_case_digits_and_punctuation() -> None:
    assert line_key("© 1997-2023,  UrduPoint") == line_key("© 1997-2024 urdupoint")


def test_recurring_short_lines_are_template() -> None:
    names = ["alpha", "beta", "gamma", "delta", "omega"]
    pages = [f"Site Menu\nStory {name} is here\n{BODY}" for name in names]
    keys = find_template_lines(pages)
    assert line_key("Site Menu") in keys
    assert line_key("Story alpha is here") not in keys


def test_long_recurring_lines_are_never_template() -> None:
    long_line = " ".join(["word"] * 40)
    assert find_template_lines([long_line] * 5) == frozenset()


def test_too_few_pages_give_nothing() -> None:
    assert find_template_lines(["Menu", "Menu"]) == frozenset()


def test_template_lines_are_removed_with_reason() -> None:
    text = f"Our Great Site Banner\n\n{BODY}\n\n{BODY} Again."
    cleaned = clean_text(text, template_lines=frozenset({line_key("Our Great Site Banner")}))
    assert ("Our Great Site Banner", "site_template") in {
        (r.text, r.reason) for r in cleaned.removed
    }


def test_copies_of_one_article_count_once() -> None:
    """A page fetched four times must not turn its own short lines into chrome."""
    body = " ".join(["The council approved the budget after a long debate"] * 4)
    copy = f"Menu\n{{stamp}} hours ago\nA short subheading\n{body}"
    others = [f"Menu\nOther story {name}\n{BODY}" for name in ("a", "b", "c")]
    pages = [copy.format(stamp=n) for n in range(4)] + others
    keys = find_template_lines(pages)
    assert line_key("Menu") in keys
    assert line_key("A short subheading") not in keys
    assert line_key("1 hours ago") not in keys


DUMPS = sorted((Path(__file__).parents[1] / "data").glob("*/text/*.txt"))


@pytest.mark.parametrize("dump", DUMPS[::3], ids=lambda p: p.stem[:12])
def test_labelling_again_with_a_template_is_cleaning_with_it(dump: Path) -> None:
    """`site_template` labels the page again from its line table: the same as cleaning
    with that template from the start, and as no template when it names none."""
    text = dump.read_text(encoding="utf-8")
    template = frozenset(sorted(short_line_keys(text))[::3])
    asked: list[str] = []

    def site_template(cleaned: Cleaned) -> frozenset[str]:
        asked.append(cleaned.text)
        return template

    assert clean_text(text, site_template=site_template) == clean_text(
        text, template_lines=template
    )
    assert asked == [clean_text(text).text]  # asked once, with the page cleaned without one
    assert clean_text(text, site_template=lambda _: frozenset()) == clean_text(text)
