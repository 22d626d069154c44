"""Line classification and revision on tiny dumps."""

from cleaners import CleanOptions, clean_text
from cleaners.lines import split_lines

P1 = (
    "The regional council met on Tuesday to discuss the new water plan, and members agreed "
    "that the reservoir needs repairs before the summer."
)
P2 = (
    "Residents had complained for years that the pipes were old, and the council said it would "
    "spend most of the money on them."
)
P3 = (
    "The work is expected to start in the spring and to last about two years, according to the "
    "plan that was published on the council's website."
)


def dump(*lines: str) -> str:
    return "\n\n".join(lines)


RULES = CleanOptions(use_model=False)


def test_body_kept_chrome_removed_by_rules() -> None:
    text = dump(
        "Home",
        "News",
        P1,
        P2,
        P3,
        "Recent Stories",
        "Storm hits town",
        "3 hours ago",
        "© 2024 The Gazette",
    )
    cleaned = clean_text(text, options=RULES)
    assert P1 in cleaned.text and P3 in cleaned.text
    reasons = {r.text: r.reason for r in cleaned.removed}
    assert reasons["Recent Stories"] == "recent_stories"
    assert reasons["3 hours ago"] == "recent_stories"
    assert reasons["© 2024 The Gazette"] == "footer"
    assert "Home" in reasons


def test_paragraphs_are_separated_by_blank_lines() -> None:
    cleaned = clean_text(dump(P1, P2, P3), options=RULES)
    assert cleaned.text.split("\n\n") == [P1, P2, P3]


def test_model_keeps_input_that_is_already_clean() -> None:
    cleaned = clean_text(dump(P1, P2, P3))
    assert cleaned.text.split("\n\n") == [P1, P2, P3]


def test_short_line_between_body_lines_is_body_by_rules() -> None:
    cleaned = clean_text(dump(P1, "The vote", P2, P3), options=RULES)
    assert "The vote" in cleaned.text.split("\n\n")


def test_line_numbers_are_one_based_in_the_dump() -> None:
    cleaned = clean_text("Menu\n" + dump(P1, P2, P3), options=RULES)
    assert cleaned.removed[0].line_no == 1
    assert cleaned.removed[0].text == "Menu"


def test_split_lines_handles_all_line_breaks() -> None:
    assert split_lines("a\r\nb\rc\nd") == ["a", "b", "c", "d"]


def test_empty_input_gives_empty_text() -> None:
    assert clean_text("").text == ""
    assert clean_text("Home\nMenu\nLogin").text == ""


def test_rules_fallback_without_model() -> None:
    cleaned = clean_text(
        dump("Home", P1, P2, P3, "About Us"), options=CleanOptions(use_model=False)
    )
    assert P2 in cleaned.text
    assert "About Us" not in cleaned.text


def test_cleaner_name_and_language() -> None:
    cleaned = clean_text(dump(P1, P2, P3))
    assert cleaned.cleaner == "presswash-text/1"
    assert cleaned.language == "en"


def test_guard_keeps_prose_when_the_classifier_keeps_nothing() -> None:
    strict = CleanOptions(model_threshold=1.01)  # a model that keeps nothing
    cleaned = clean_text(dump("Home", P1, P2, P3, P1.replace("Tuesday", "Friday")), options=strict)
    assert P2 in cleaned.text
    assert "Home" not in cleaned.text
    assert cleaned.notes and cleaned.notes[0].startswith("guard:")


def test_no_guard_for_short_pages() -> None:
    cleaned = clean_text(dump("Home", P1), options=CleanOptions(model_threshold=1.01))
    assert cleaned.text == ""
    assert cleaned.notes == ()
