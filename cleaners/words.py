"""Compiled word counting over a page's code points: words, stopwords, stoplist hits.

Why compiled (numba): a text-dump pass over dev tokenised 180k words into Python strings
only to count them, test them against the page's stoplist and detect the language from
the first 800 after the menus. Scanning the lower-cased page's code points once does the
same without making a string per word, with the same answers (`\\w+` runs exactly as
Python's `re` finds them; stopwords compared code point by code point, not by hash alone).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import NamedTuple

import numpy as np
from numba import njit

from cleaners.language import (
    COMMON_WORDS,
    FALLBACK_LANGUAGE,
    MIN_HIT_SHARE,
    MIN_HITS,
    TIE_SHARE,
    WORD,
    stoplist_index,
)


def char_codes(text: str) -> np.ndarray:
    """The code points of `text`, one uint32 per character (lone surrogates included)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


@cache
def word_table() -> np.ndarray:
    """Per code point: is it a `\\w` character (alphanumeric or "_", as Python's `re` decides).

    Found with the regex itself over every code point, so the compiled counter splits words
    exactly where `re.findall(r"\\w+")` does (~0.1 s, once per process).
    """
    everything = "".join(map(chr, range(0x110000)))
    table = np.zeros(0x110000, dtype=np.bool_)
    for m in WORD.finditer(everything):
        table[m.start() : m.end()] = True
    return table


class WordTable(NamedTuple):
    """Words as an open-addressing hash table over their code points (see `find_word`)."""

    slots: np.ndarray
    """Per slot: 1 + the word's index, 0 if empty (a power of two of slots)."""
    starts: np.ndarray
    """Word i's code points are `codes[starts[i]:starts[i + 1]]`."""
    codes: np.ndarray
    bits: int
    """log2 of the number of slots."""
    longest: int
    """Code points in the longest word (longer words need no lookup)."""
    present: np.ndarray
    """A bitset over hash values (uint64 words; 4 bits a slot, at most 2**20 bits): a word
    whose bit is clear is not in the table. Used for the 150k-word language table, whose
    slots (2 MB) fall out of cache where 128 KB of bits do not: most page words are no
    stopword and are answered without a cache miss. (For a stoplist of a few hundred words
    the probe itself is cheaper than the test.)"""


def word_hash_table(words: Sequence[str]) -> WordTable:
    """A `WordTable` of `words`; `_find_word` returns a word's index in this sequence.

    Encoded in one go and slotted by a compiled loop: the 150k words of every stoplist
    take ~0.05 s instead of ~0.8 s word by word.
    """
    bits = max(4, (2 * len(words)).bit_length())
    codes = char_codes("".join(words))
    lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    slots, present = _fill_slots(codes, starts, bits)
    return WordTable(slots, starts, codes, bits, int(lengths.max(initial=0)), present)


@cache
def stopword_table(stopwords: frozenset[str]) -> WordTable:
    """The page language's stoplist as a `WordTable` (built once per stoplist)."""
    return word_hash_table(sorted(stopwords))


class LanguageTable(NamedTuple):
    """Every stoplist's words, and per word the languages whose stoplist holds it (CSR)."""

    words: WordTable
    row_starts: np.ndarray
    lang_ids: np.ndarray
    log_sizes: np.ndarray
    english: int


@cache
def language_table() -> LanguageTable:
    """`cleaners.language.stoplist_index` as tables the compiled detector reads."""
    index = stoplist_index()
    return LanguageTable(
        words=word_hash_table(list(index.word_row)),
        row_starts=index.starts,
        lang_ids=index.lang_ids,
        log_sizes=index.log_sizes,
        english=index.languages.index(FALLBACK_LANGUAGE),
    )


_PRESENT_BITS = 20


_FNV_OFFSET = np.uint64(14695981039346656037)
_FNV_PRIME = np.uint64(1099511628211)


@njit(cache=True, nogil=True, inline="always")
def _hash(codes: np.ndarray, start: int, stop: int) -> np.uint64:
    """FNV-1a over the code points `codes[start:stop]`."""
    h = _FNV_OFFSET
    for j in range(start, stop):
        h = (h ^ np.uint64(codes[j])) * _FNV_PRIME
    return h


@njit(cache=True, nogil=True, inline="always")
def _slot(h: np.uint64, bits: int) -> np.int64:
    """Fibonacci hashing of `h` to `bits` bits: its well-mixed high bits (~2x faster lookups
    than masking the low ones)."""
    return np.int64((h * np.uint64(11400714819323198485)) >> np.uint64(64 - bits))


@njit(cache=True, nogil=True)
def _fill_slots(codes: np.ndarray, starts: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Open-addressing slots (1 + word index, 0 empty) and the `present` bitset for the
    words `codes[starts[i]:starts[i + 1]]`."""
    slots = np.zeros(1 << bits, dtype=np.int32)
    present = np.zeros(1 << max(0, min(bits + 2, _PRESENT_BITS) - 6), dtype=np.uint64)
    mask = slots.shape[0] - 1
    for i in range(starts.shape[0] - 1):
        h = _hash(codes, starts[i], starts[i + 1])
        low = h & np.uint64(present.shape[0] * 64 - 1)
        present[low >> np.uint64(6)] |= np.uint64(1) << (low & np.uint64(63))
        slot = _slot(h, bits)
        while slots[slot]:
            slot = (slot + 1) & mask
        slots[slot] = i + 1
    return slots, present


@njit(cache=True, nogil=True, inline="always")
def _may_hold(present: np.ndarray, h: np.uint64) -> bool:
    """False when the `present` bitset rules the word of hash `h` out of its table."""
    low = h & np.uint64(present.shape[0] * 64 - 1)
    return (present[low >> np.uint64(6)] & (np.uint64(1) << (low & np.uint64(63)))) != 0


@njit(cache=True, nogil=True, inline="always")
def _find_hashed(codes: np.ndarray, start: int, stop: int, h: np.uint64, table: WordTable) -> int:
    """Index of the word `codes[start:stop]` (of hash `h`) in `table`, or -1."""
    slots, starts = table.slots, table.starts
    mask = slots.shape[0] - 1
    slot = _slot(h, table.bits)
    while slots[slot]:
        w = slots[slot] - 1
        a = starts[w]
        if starts[w + 1] - a == stop - start:
            same = True
            for t in range(stop - start):
                if table.codes[a + t] != codes[start + t]:
                    same = False
                    break
            if same:
                return w
        slot = (slot + 1) & mask
    return -1


@njit(cache=True, nogil=True, inline="always")
def _find_word(codes: np.ndarray, start: int, stop: int, table: WordTable) -> int:
    """Index of the word `codes[start:stop]` in a small `table`, or -1 (no bitset test: for
    a table that fits in cache the probe is cheaper)."""
    if stop - start > table.longest:
        return -1
    return _find_hashed(codes, start, stop, _hash(codes, start, stop), table)


@njit(cache=True, nogil=True, inline="always")
def _next_word(codes: np.ndarray, j: int, end: int, is_word: np.ndarray) -> tuple[int, int]:
    """The first `\\w+` run in `codes[j:end]` as (start, stop); (end, end) when there is none."""
    while j < end and not is_word[codes[j]]:
        j += 1
    k = j
    while k < end and is_word[codes[k]]:
        k += 1
    return j, k


def count_words(
    codes: np.ndarray,
    lengths: np.ndarray,
    is_word: np.ndarray,
    stoplist: WordTable,
    closers: np.ndarray,
    terminals: np.ndarray,
    cjk: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Words (`\\w+` runs), stopwords and sentence ends per line of a lower-cased,
    newline-joined page.

    Chinese and Japanese are written without spaces, so there one `\\w+` run is a whole
    clause: a run holding CJK characters (`cjk_table`, default) counts as one word per
    `CJK_CHARS_PER_WORD` of them (rounded up; plus one for any other letters in it), and
    its function characters (`CJK_FUNCTION_CHARS`) as stopwords at the same rate, so a
    paragraph of Chinese has the length and stopword density of one of English.

    A line ends a sentence when, less trailing `closers` (quotes, brackets), its last
    character is one of `terminals` -- or nothing is left, as `str.rstrip` and `in` have it.

    `lengths` are the lines' lengths. On dev, ~20 ms of
    tokenising long lines plus 16 ms of stopword tests became ~4 ms.
    """
    return _count_words(
        codes, lengths, is_word, stoplist, closers, terminals, cjk_table() if cjk is None else cjk
    )


CJK_CHARS_PER_WORD = 2
"""Characters per word in Chinese and Japanese text (words there average under two)."""

CJK_FUNCTION_CHARS = (
    "".join(map(chr, range(0x3041, 0x3097)))  # hiragana: Japanese particles and endings
    + "的了是在和不有我他这个们中为上也就而所以之与及等被把说要会对到"
    "从但地得着过还都能将其或此让于向她它你很没"
    "這們個為說會對從過還將讓於與沒"  # the same in traditional characters
)
"""Function words as characters: their share stands in for the stoplist's in CJK text."""

_CJK_RANGES = ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
"""Kana and CJK ideographs (Hangul is written with spaces, so it is left out)."""


@cache
def cjk_table() -> np.ndarray:
    """Per BMP code point: 0 not CJK, 1 a CJK character, 2 a CJK function character."""
    table = np.zeros(0x10000, dtype=np.uint8)
    for lo, hi in _CJK_RANGES:
        table[lo : hi + 1] = 1
    table[char_codes(CJK_FUNCTION_CHARS)] = 2
    return table


@njit(cache=True, nogil=True)
def _count_words(
    codes: np.ndarray,
    lengths: np.ndarray,
    is_word: np.ndarray,
    stoplist: WordTable,
    closers: np.ndarray,
    terminals: np.ndarray,
    cjk: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`count_words`, compiled."""
    n = lengths.shape[0]
    n_cjk = cjk.shape[0]
    per_word = CJK_CHARS_PER_WORD
    words = np.zeros(n, dtype=np.int64)
    stops = np.zeros(n, dtype=np.int64)
    ends = np.zeros(n, dtype=np.bool_)
    pos = 0
    for i in range(n):
        end = pos + lengths[i]
        last = end - 1
        while last >= pos and codes[last] in closers:
            last -= 1
        ends[i] = last < pos or codes[last] in terminals
        j = pos
        while j < end:
            if not is_word[codes[j]]:
                j += 1
                continue
            # Hash the word while finding its end: one read of its characters.
            h = (_FNV_OFFSET ^ np.uint64(codes[j])) * _FNV_PRIME
            c = codes[j]
            kind = cjk[c] if c < n_cjk else 0
            n_chars = 1 if kind else 0
            n_function = 1 if kind == 2 else 0
            k = j + 1
            while k < end and is_word[codes[k]]:
                c = codes[k]
                h = (h ^ np.uint64(c)) * _FNV_PRIME
                if c < n_cjk and cjk[c]:
                    n_chars += 1
                    if cjk[c] == 2:
                        n_function += 1
                k += 1
            if n_chars:
                words[i] += (n_chars + per_word - 1) // per_word + (1 if n_chars < k - j else 0)
                stops[i] += (n_function + per_word - 1) // per_word
            else:
                words[i] += 1
                if k - j <= stoplist.longest and _find_hashed(codes, j, k, h, stoplist) >= 0:
                    stops[i] += 1
            j = k
        pos = end + 1  # past the newline between lines
    return words, stops, ends


@njit(cache=True, nogil=True)
def holds_word(
    codes: np.ndarray,
    starts: np.ndarray,
    stops: np.ndarray,
    is_word: np.ndarray,
    table: WordTable,
) -> np.ndarray:
    """Per span `codes[starts[i]:stops[i]]`: does one of its `\\w+` words belong to the
    `WordTable`? (The floating patterns' trigger words: ~0.1 us a line, where a regex
    search for them took ~2 us.)"""
    out = np.zeros(starts.shape[0], dtype=np.bool_)
    for i in range(starts.shape[0]):
        j, end = starts[i], stops[i]
        while j < end:
            j, k = _next_word(codes, j, end, is_word)
            if j < end and _find_word(codes, j, k, table) >= 0:
                out[i] = True
                break
            j = k
    return out


@njit(cache=True, nogil=True)
def _detect(
    codes: np.ndarray,
    start: int,
    max_words: int,
    is_word: np.ndarray,
    languages: LanguageTable,
    common_words: int,
    min_hits: float,
    min_hit_share: float,
    preferred: int,
    tie_share: float,
) -> int:
    """`language_of_counts` over the first `max_words` words from `codes[start:]`; -1: unsure.

    `preferred` (a language index, -1 for none) wins when its score is within `tie_share`
    of the best and it has enough hits itself: the page's declared language breaks ties.
    """
    # The sample's distinct words in order of first occurrence, with counts (a Counter).
    seen_bits = 4
    while (1 << seen_bits) < 2 * max_words:
        seen_bits += 1
    size = 1 << seen_bits
    mask = size - 1
    seen = np.zeros(size, dtype=np.int64)
    first = np.empty(max_words, dtype=np.int64)
    stop = np.empty(max_words, dtype=np.int64)
    counts = np.zeros(max_words, dtype=np.int64)
    distinct = 0
    total = 0
    j = start
    end = codes.shape[0]
    while total < max_words:
        j, k = _next_word(codes, j, end, is_word)
        if j == end:
            break
        total += 1
        slot = _slot(_hash(codes, j, k), seen_bits)
        while True:
            d = seen[slot] - 1
            if d < 0:
                seen[slot] = distinct + 1
                first[distinct], stop[distinct] = j, k
                counts[distinct] = 1
                distinct += 1
                break
            a, b = first[d], stop[d]
            if b - a == k - j:
                same = True
                for t in range(k - j):
                    if codes[a + t] != codes[j + t]:
                        same = False
                        break
                if same:
                    counts[d] += 1
                    break
            slot = (slot + 1) & mask
        j = k
    if total == 0:
        return -1
    # Counter.most_common(COMMON_WORDS) when there are many: by count, ties in first-seen order.
    order = np.arange(distinct)
    if distinct > 2 * common_words:
        order = np.argsort(-counts[:distinct], kind="mergesort")[:common_words]
    table, row_starts, lang_ids = languages.words, languages.row_starts, languages.lang_ids
    hits = np.zeros(languages.log_sizes.shape[0])
    found = False
    for d in order:
        if stop[d] - first[d] > table.longest:
            continue
        h = _hash(codes, first[d], stop[d])
        if not _may_hold(table.present, h):
            continue
        row = _find_hashed(codes, first[d], stop[d], h, table)
        if row >= 0:
            found = True
            for t in range(row_starts[row], row_starts[row + 1]):
                hits[lang_ids[t]] += counts[d]
    if not found:
        return -1
    score = hits / languages.log_sizes
    best_score = score.max()
    english = languages.english
    best = english
    if score[english] != best_score:
        best = int(np.argmax(score == best_score))
    if (
        preferred >= 0
        and preferred != best
        and score[preferred] >= tie_share * best_score
        and hits[preferred] >= min_hits
        and hits[preferred] >= min_hit_share * total
    ):
        best = preferred
    if hits[best] < min_hits or hits[best] < min_hit_share * total:
        return -1
    return best


def detect_sample_language(
    codes: np.ndarray, start: int, max_words: int, preferred: str | None = None
) -> str | None:
    """The language of the first `max_words` words of `codes[start:]` (a lower-cased page),
    exactly as `cleaners.language.language_of_counts` would name it from their Counter
    (`preferred`, e.g. the page's `<html lang>`, only breaks near-ties)."""
    languages = stoplist_index().languages
    best = _detect(
        codes,
        start,
        max_words,
        word_table(),
        language_table(),
        COMMON_WORDS,
        float(MIN_HITS),
        MIN_HIT_SHARE,
        languages.index(preferred) if preferred in languages else -1,
        TIE_SHARE,
    )
    return languages[best] if best >= 0 else None


@njit(cache=True, nogil=True, inline="always")
def _span_in(
    codes: np.ndarray,
    j: int,
    k: int,
    h: np.uint64,
    first: np.ndarray,
    stop: np.ndarray,
    hashes: np.ndarray,
    m: int,
) -> bool:
    """Whether the word `codes[j:k]` (hash `h`) is one of the m words `codes[first[d]:
    stop[d]]` (hashes `hashes[d]`): hashes compared first, code points to confirm."""
    for d in range(m):
        if hashes[d] == h and stop[d] - first[d] == k - j:
            same = True
            for t in range(k - j):
                if codes[first[d] + t] != codes[j + t]:
                    same = False
                    break
            if same:
                return True
    return False


@njit(cache=True, nogil=True, inline="always")
def _distinct_words(
    codes: np.ndarray,
    start: int,
    end: int,
    is_word: np.ndarray,
    first: np.ndarray,
    stop: np.ndarray,
    hashes: np.ndarray,
) -> int:
    """Fill `first`, `stop`, `hashes` with the distinct words of `codes[start:end]` in order
    of appearance; return how many there are."""
    m = 0
    j = start
    while j < end:
        j, k = _next_word(codes, j, end, is_word)
        if j == end:
            break
        h = _hash(codes, j, k)
        if not _span_in(codes, j, k, h, first, stop, hashes, m):
            first[m], stop[m], hashes[m] = j, k, h
            m += 1
        j = k
    return m


@njit(cache=True, nogil=True)
def headline_features(
    codes: np.ndarray,
    lengths: np.ndarray,
    counts: np.ndarray,
    max_words: int,
    min_overlap: float,
    is_word: np.ndarray,
    log_distance: np.ndarray,
) -> np.ndarray:
    """(title overlap, log distance below the last headline, headline seen) per line of a
    lower-cased, newline-joined page whose first line is its <title>.

    A line of 2..`max_words` words (`counts`) is a headline when at least `min_overlap` of
    its distinct words are title words and it has at least half as many distinct words as
    the title, less one. Compiled: as Python sets, ~70 ns a word, this took 12 ms of a
    pass over dev; title and line words are compared as code point spans, no strings made.
    """
    n = lengths.shape[0]
    out = np.zeros((n, 3))
    far = log_distance[log_distance.shape[0] - 1]
    # The title's distinct words (first line).
    title_first = np.empty(max(lengths[0], 1), dtype=np.int64)
    title_stop = np.empty(max(lengths[0], 1), dtype=np.int64)
    title_hash = np.empty(max(lengths[0], 1), dtype=np.uint64)
    n_title = _distinct_words(codes, 0, lengths[0], is_word, title_first, title_stop, title_hash)
    if n_title < 3:
        out[:, 1] = far
        return out
    first = np.empty(max(max_words, 1), dtype=np.int64)
    stop = np.empty(max(max_words, 1), dtype=np.int64)
    hashes = np.empty(max(max_words, 1), dtype=np.uint64)
    last = -1
    pos = lengths[0] + 1
    for i in range(1, n):
        end = pos + lengths[i]
        if 2 <= counts[i] <= max_words:
            m = _distinct_words(codes, pos, end, is_word, first, stop, hashes)
            common = 0
            for d in range(m):
                a, b = first[d], stop[d]
                if _span_in(codes, a, b, hashes[d], title_first, title_stop, title_hash, n_title):
                    common += 1
            overlap = common / m
            out[i, 0] = overlap
            if overlap >= min_overlap and m >= 0.5 * n_title - 1:
                out[i, 2] = 1.0 if last >= 0 else 0.0
                last = i
                pos = end + 1
                continue
        out[i, 1] = log_distance[min(log_distance.shape[0] - 1, i - last)] if last >= 0 else far
        out[i, 2] = 1.0 if last >= 0 else 0.0
        pos = end + 1
    return out
