"""The cleaners never raise on arbitrary input."""

from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners import clean, clean_text
from schemas import REMOVAL_REASONS, Cleaned

_markup = st.lists(
    st.sampled_from(
        [
            "<p>",
            "</p>",
            "<div>",
            "</div>",
            "<a href='x'>",
            "</a>",
            "<br>",
            "<!--",
            "-->",
            "<script>",
            "</script>",
            "\n",
            "\n\n",
            "Home",
            "Recent Stories",
            "©",
            " the ",
            "By Ann Lee",
            "June 8, 2023",
            "\r",
            "\x00",
            "&amp;",
            "<html>",
            "<",
        ]
    ),
    max_size=60,
).map("".join)


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.text(max_size=400), st.binary(max_size=400), _markup))
def test_clean_never_raises(data: str | bytes) -> None:
    cleaned = clean(data)
    assert isinstance(cleaned, Cleaned)
    assert all(r.reason in REMOVAL_REASONS for r in cleaned.removed)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80), max_size=30
    )
)
def test_every_non_blank_line_is_kept_or_removed(lines: list[str]) -> None:
    text = "\n".join(line.replace("\r", " ").replace("\n", " ") for line in lines)
    cleaned = clean_text(text)
    removed = {r.line_no for r in cleaned.removed}
    non_blank = [i + 1 for i, line in enumerate(text.split("\n")) if line.strip()]
    kept = [i for i in non_blank if i not in removed]
    assert (
        len(kept) == len([p for p in cleaned.text.split("\n\n") if p]) if cleaned.text else not kept
    )
