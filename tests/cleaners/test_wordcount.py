"""`count_words`: words of every script, not whitespace runs."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cleaners.wordcount import SEA_LETTERS_PER_WORD, count_words


def test_spaced_scripts_count_their_tokens() -> None:
    assert count_words("The quick brown fox — don't stop.") == 6
    assert count_words("Съешь же ещё этих мягких булок") == 6
    assert count_words("한국어 문장은 띄어 씁니다") == 4


def test_each_han_or_kana_character_is_a_word() -> None:
    sentence = "東京都は月曜日、新しい計画を発表した。"  # 17 CJK characters, 2 punctuation
    assert count_words(sentence) == 17
    assert len(sentence.split()) == 1  # what n_words was before


def test_a_japanese_article_is_not_a_handful_of_words() -> None:
    article = "政府は新しい経済対策を発表した。\n" * 50  # 15 characters and a full stop a line
    assert count_words(article) == 15 * 50


def test_mixed_tokens_count_each_part() -> None:
    assert count_words("東京2020 Olympics") == 2 + 1 + 1


def test_thai_runs_count_by_letters_without_marks() -> None:
    run = "ภาษาไทย"  # "Thai language": seven letters, no combining marks
    assert count_words(run) == -(-7 // SEA_LETTERS_PER_WORD)
    # combining marks (here the tone mark ่ and vowel ี) are not letters
    assert count_words("ที่") == 1


@given(st.text())
def test_never_more_words_than_characters(text: str) -> None:
    n = count_words(text)
    assert 0 <= n <= len(text)


@given(st.lists(st.from_regex(r"[A-Za-z]{1,8}", fullmatch=True), max_size=30))
def test_latin_words_count_as_whitespace_tokens(words: list[str]) -> None:
    assert count_words(" ".join(words)) == len(words)
