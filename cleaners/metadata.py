"""Title, byline, dateline and site from the head of a text dump.

Text dumps carry metadata as loose lines ("Faizan Hashmi Published June 08, 2023 |
09:00 AM", "Thursday, 8 June 2023, 01:10", "By Jane Doe"). These helpers recognise
such lines, pull the value out, and let `cleaners.lines` remove them with reason
`metadata` (byline/dateline) or `duplicate_title` (repeats of the headline).
"""

from __future__ import annotations

import html as htmllib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice
from urllib.parse import urlsplit

from cleaners.options import HEAD_SCAN_LINES, TITLE_MAX_WORDS
from cleaners.templates import MAX_KEY_CHARS, line_key
from schemas.timestamps import iso_timestamp

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"  # noqa: E501
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_TIME = r"(?:[\s,|at-]+(?P<hh>[0-2]?\d):(?P<mm>[0-5]\d)(?::[0-5]\d)?\s*(?P<ampm>[ap]\.?m\.?)?)?"

DATE_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        _YEAR + r"-(?P<mnum>[01]?\d)-" + _DAY + r"(?:[T ](?P<hh>[0-2]\d):(?P<mm>[0-5]\d))?",
        _MONTH + r"\s+" + _DAY + r",?\s+" + _YEAR + _TIME,
        _DAY + r"(?:\s+of)?\s+" + _MONTH + r",?\s+" + _YEAR + _TIME,
        _YEAR + r"/(?P<mnum>[01]?\d)/" + _DAY,
    )
)
"""Dates as news pages print them; numeric d/m/y is left out (ambiguous)."""

_ANY_YEAR = re.compile(r"(?:19|20)\d\d")
"""The `_YEAR` every date pattern contains: text without it cannot hold a date."""

_NAMES_MONTH = (False, True, True, False)
"""Which `DATE_PATTERNS` hold a `_MONTH` name."""

_MONTH_STEM = re.compile("jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec")
"""How a lower-cased `_MONTH` starts; without IGNORECASE, `re` finds it in one fast scan."""

_WEEKDAY = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday|rsday)?"
_DATELINE_FILLER = re.compile(
    r"\b(?:" + _WEEKDAY + r"|published|updated|posted|last|modified|on|at|date|am|pm|a\.m\.|p\.m\."
    r"|gmt|utc|est|edt|pst|pdt|cet|cest|bst|ist|ET|PT|today|yesterday|time|min|read)\b|[\d:|,./·•+()-]+",
    re.IGNORECASE,
)
_BYLINE_LEAD = re.compile(
    r"^(?:by|written by|posted by|story by|words by|reporting by|author(?:`s|'s|’s)? name|authors?)"
    r"\s*:?\s+(?P<name>.+)$",
    re.IGNORECASE,
)
_BYLINE_LEAD_STARTS = frozenset({"by", "wr", "po", "st", "wo", "re", "au", "ſt"})
"""The first two letters of a `_BYLINE_LEAD` match, lower-cased (`re` matches "s" by "ſ" too)."""
_NAME = re.compile(
    r"^(?:[A-Z][\w'’.-]*\.?|de|van|von|der|da|al|bin|and|&)(?:\s+(?:[A-Z][\w'’.-]*\.?|de|van|von|der|da|al|bin|and|&)){0,5}$"
)
_BEFORE_PUBLISHED = re.compile(r"^(?P<name>.+?)\s+(?:published|posted|updated)\b", re.IGNORECASE)
_SITE_SUFFIX = re.compile(r"\s+[-|–—:•·]\s+(?P<site>[^-|–—:•·]{2,40})$")
_SUFFIX_SEPARATOR = re.compile(" [-|–—:•·] ")
"""What a `_SITE_SUFFIX` match holds in whitespace-normalised text (a fast scan for " ")."""
_DOMAIN = re.compile(
    r"\b(?P<domain>[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|co\.uk|ru|ua|pk|in|news|info|de|fr|uk|us|eu))\b",
    re.IGNORECASE,
)

_DOMAIN_ENDS = (".co", ".org", ".ne", ".ru", ".ua", ".pk", ".in", ".de", ".fr", ".uk", ".us", ".eu")
"""How the top-level domains `_DOMAIN` knows start, lower-cased (".co" for ".com", ".co.uk")."""

_DIGIT = re.compile(r"\d")
_KEY_LEAD = re.compile(r"[\W_]*([^\W\d_]*)[^\W_]*[\W_]*([^\W\d_]*)")
"""The letters before any digit of the first two word runs (see `_key_lead`)."""

DATELINE_MAX_WORDS = 4
"""A line with a date and at most this many other words is a dateline, not a sentence."""

TAIL_SCAN_LINES = 6
"""Lines after the body's last line that may hold a byline."""

BYLINE_MAX_WORDS = 8
"""A name line longer than this is prose that mentions a person."""


@dataclass(slots=True, frozen=True)
class HeadInfo:
    """Metadata found in the head of a dump and the lines it came from (0-based indexes)."""

    title: str | None = None
    author: str | None = None
    published_at: str | None = None
    site: str | None = None
    """The site key (`site_key`): the URL's host, else a site the dump names."""
    site_name: str | None = None
    """The site's name as the dump gives it: its title's suffix, else its copyright footer's."""
    title_lines: frozenset[int] = frozenset()
    meta_lines: frozenset[int] = frozenset()


def parse_date(text: str) -> tuple[str | None, re.Match[str] | None]:
    """Find the first date in `text`; return (ISO 8601 date or datetime, match).

    Patterns that cannot match are skipped (searching them all was most of `find_head`'s
    byline time on dev): every one needs a year, and the two with a month name need its
    stem. Case-insensitive `re` matches the stems' letters by their lower case, and "s"
    also by "ſ" (`re._casefix`), so a month name shows in the lower-cased text as a stem
    unless the text holds "ſ".
    """
    if not _ANY_YEAR.search(text):
        return None, None
    low = text.lower()
    named = "ſ" in low or _MONTH_STEM.search(low) is not None
    for pattern, names_month in zip(DATE_PATTERNS, _NAMES_MONTH, strict=True):
        if names_month and not named:
            continue
        m = pattern.search(text)
        if not m:
            continue
        groups = m.groupdict()
        month = (
            int(groups["mnum"])
            if groups.get("mnum")
            else _MONTHS.get(groups["mon"][:4].lower().rstrip("."), 0)
            or _MONTHS.get(groups["mon"][:3].lower(), 0)
        )
        day, year = int(groups["day"]), int(groups["year"])
        if not (1 <= month <= 12 and 1 <= day <= 31):
            continue
        iso = f"{year:04d}-{month:02d}-{day:02d}"
        if groups.get("hh"):
            hour = int(groups["hh"])
            ampm = (groups.get("ampm") or "").lower().replace(".", "")
            if ampm == "pm" and hour < 12:
                hour += 12
            elif ampm == "am" and hour == 12:
                hour = 0
            if hour < 24:
                iso += f"T{hour:02d}:{groups['mm']}:00"
        return iso, m
    return None, None


DATELINE_MAX_LINE_WORDS = 16
"""A longer line is never a dateline."""

BYLINE_MAX_LINE_WORDS = 20
"""A longer line is never a byline."""


def dateline(line: str) -> str | None:
    """ISO date if the line is a dateline (a date and little else), else None."""
    words = line.split()
    if not words or len(words) > DATELINE_MAX_LINE_WORDS:
        return None
    return _dateline(line, parse_date(line))


def _dateline(line: str, date: tuple[str | None, re.Match[str] | None]) -> str | None:
    """`dateline` of a short enough line, given its `parse_date`."""
    iso, m = date
    if iso is None or m is None:
        return None
    rest = _DATELINE_FILLER.sub(" ", line[: m.start()] + " " + line[m.end() :]).split()
    if len(rest) <= DATELINE_MAX_WORDS:
        return iso  # dropping domains below could only shorten it
    rest_words = [w for w in rest if not ("." in w and _DOMAIN.fullmatch(w))]
    return iso if len(rest_words) <= DATELINE_MAX_WORDS else None


def byline(line: str) -> tuple[str | None, str | None]:
    """(author, ISO date) if the line is a byline ('By X', 'X Published June 8, 2023'), else
    (None, None)."""
    text = " ".join(line.split())
    if not text or len(text.split()) > BYLINE_MAX_LINE_WORDS:
        return None, None
    return _byline(text, *parse_date(text))


_LEADING_MARKS = "/-–—•·|>» "
"""Marks a byline can open with ("// By Jane Doe • Nov 11, 2020")."""

_NAME_ENDS_AT_DATE = re.compile(
    r"\s+(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d|\d)", re.I
)
"""Where a "By" name runs into an undated-year date ("By Jane Doe March 18 at 3:57 PM")."""

_NAME_DATE_SEPARATOR = re.compile(r"^(?P<name>.+?)\s*(?:\s[-–—|•·]\s*|\s)$")
"""A name before its date, set off by a dash, a bar, a bullet or a space (not a comma: "Los
Angeles, Dec. 3" is a dateline)."""

_NOT_A_NAME_START = frozenset(
    ["the", "a", "an", "our", "last", "first", "photo", "image", "posted", "published",
     "updated", "news", "home", "page", "issue", "volume", "edition"]
)
"""First words of a capitalised line before a date that is not a person ("The Daily")."""

NAME_DATE_MAX_WORDS = 4
"""A bare name before a date ("Mike Conley December 18, 2020") has at most this many words."""


def _byline(
    text: str, iso: str | None, date: re.Match[str] | None = None
) -> tuple[str | None, str | None]:
    """`byline` of a whitespace-normalised, short enough line, given its `parse_date`."""
    text = text.lstrip(_LEADING_MARKS)
    m = _BYLINE_LEAD.match(text)
    if m:
        name = re.split(
            r"\s*(?:[|,;•·]|\bpublished\b|\bupdated\b|\bon\b)\s*", m["name"], maxsplit=1, flags=re.I
        )[0]
        name = _NAME_ENDS_AT_DATE.split(name, maxsplit=1)[0].strip(" .:")
        if name and len(name.split()) <= BYLINE_MAX_WORDS and not parse_date(name)[0]:
            return name, iso
        return None, None
    m = _BEFORE_PUBLISHED.match(text) if iso else None
    if m and _is_person(name := m["name"].strip(" .,:|"), BYLINE_MAX_WORDS):  # "X Published"
        return name, iso
    if iso and date is not None:
        # "Dan Goodin - Apr 16, 2015 8:02 pm UTC", "Mike Conley December 18, 2020"; a city
        # in capitals before its date is a dateline ("NEW YORK December 3")
        m = _NAME_DATE_SEPARATOR.match(date.string[: date.start()].lstrip(_LEADING_MARKS))
        if m and not m["name"].isupper() and _is_person(m["name"], NAME_DATE_MAX_WORDS, 2):
            return m["name"], iso
    return None, None


def _is_person(name: str, max_words: int, min_words: int = 1) -> bool:
    """Whether `name` reads as a person's name: capitalised words (`_NAME`), not a site or a
    label ("The Daily", "Last Updated"), `min_words` to `max_words` of them."""
    words = name.split()
    return (
        min_words <= len(words) <= max_words
        and words[0].lower() not in _NOT_A_NAME_START
        and _NAME.match(name) is not None
    )


def site_from_url(url: str | None) -> str | None:
    """Host of the URL without 'www.' (and a final dot), lower-cased; None for no or bad
    URLs. The base of `site_key`."""
    if not url:
        return None
    try:
        host = urlsplit(url if "//" in url else "//" + url).hostname
    except ValueError:
        return None
    host = (host or "").rstrip(".")
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


_HOST_NAME = re.compile(r"(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,}\.?(?:[:/?#]\S*)?")
"""A name that is itself a host, perhaps with a port or path ('Snopes.com', 'www.wsj.com/x');
the last label is letters, so 'U.S.' or '3.5' are not hosts."""


def site_from_name(name: str | None) -> str | None:
    """A site's name as a site key: a name that is a URL or a host gives its host
    (`site_from_url`: 'https://www.hawaiinewsnow.com' and 'CBSSports.com' -> 'hawaiinewsnow.com',
    'cbssports.com'); any other name is kept as it is, lower-cased, its spaces collapsed
    ('WSJ' -> 'wsj', '@AJENews' -> '@ajenews'). None for no or a blank name."""
    text = " ".join((name or "").split())
    if not text:
        return None
    if "://" in text or _HOST_NAME.fullmatch(text):
        host = site_from_url(text)
        if host:
            return host
    return text.lower()


def site_key(url: str | None, *names: str | None) -> str | None:
    """The one site key of a page: what `documents.site` and `articles.site` hold, what site
    templates and `group by site` go by. Readers, cleaners and the article stage all call this.

    The rule, decided here only:
      1. the host of the article's URL (`url`: the input's own, a JSONL/Parquet `url` or a
         WARC target, else the page's canonical / og:url), lower-cased, `www.` dropped
         (`site_from_url`);
      2. only when no URL is known (or it has no host), the first of `names` that is given,
         in the caller's order of trust (the input's own site field first, then what the
         page names), read by `site_from_name`.
    A display name is never the key while a URL is known: it goes to `site_name`.
    """
    return site_from_url(url) or next(filter(None, map(site_from_name, names)), None)


SECTION_SUFFIX_WORDS = 3
"""A part between the headline and the site ('Headline | World | News | Express.co.uk') is a
section name of at most this many words."""

SECTION_SUFFIXES = 2
"""Section parts stripped after the site at most."""


def split_site_suffix(title: str) -> tuple[str, str | None]:
    """'Headline - WSJ' -> ('Headline', 'WSJ'); titles without a suffix come back unchanged.

    Section names between the headline and the site, set off by the site's own separator,
    go too: 'Headline | Afghanistan News | Al Jazeera' -> ('Headline', 'Al Jazeera').
    """
    m = _SITE_SUFFIX.search(title)
    if not (m and len(title[: m.start()].split()) >= 3 and len(m["site"].split()) <= 4):
        return title, None
    head, site = title[: m.start()].strip(), m["site"].strip()
    separator = f" {m[0].strip()[0]} "
    for _ in range(SECTION_SUFFIXES):
        rest, sep, section = head.rpartition(separator)
        if not sep or len(section.split()) > SECTION_SUFFIX_WORDS or len(rest.split()) < 3:
            break
        head = rest.strip()
    return head, site


def _fold(text: str) -> str:
    """`line_key`'s first step: NFKC, then case folding."""
    return unicodedata.normalize("NFKC", text).casefold()


def _key_lead(folded: str) -> tuple[str, str] | None:
    """How the `line_key` of a text starts, from the text's `_fold`, without building the key.

    Key words are the runs of word characters (not "_") of the folded text, with digit
    runs turned into "0". The lead is the letters before the first "0" of the first two
    words, so it is a function of the key: texts with different leads have different keys.
    None when the key may be cut at `MAX_KEY_CHARS` (long text).
    """
    if len(folded) > MAX_KEY_CHARS:
        return None
    match = _KEY_LEAD.match(folded)
    if match is None:  # pragma: no cover - the pattern matches any text, even ""
        return None
    return match[1], match[2]


def _key_words(key: str) -> set[str]:
    """Words found verbatim in the `_fold` of every text whose `line_key` is `key`.

    Key words are runs of word characters of the folded text, with digit runs turned
    into "0"; so a key word without "0" occurs in it verbatim.
    """
    return {w for w in key.split() if "0" not in w}


def _may_hold_domain(line: str) -> bool:
    """False for lines `_DOMAIN` cannot match: a cheap test before its slow search (~6 us).

    Case-insensitive `re` matches a letter by its lower case, and also "i" by "ı" and "İ"
    and "s" by "ſ" (`re._casefix`); so in a line without those three, a domain shows in
    the lower-cased line as one of `_DOMAIN_ENDS`.
    """
    if "ı" in line or "İ" in line or "ſ" in line:
        return True
    low = line.lower()
    return any(end in low for end in _DOMAIN_ENDS)


def _better_date(old: str | None, new: str | None) -> str | None:
    """Keep the first date found, but take a later one that adds a time to the same day."""
    if old is None or (new is not None and len(new) > len(old) and new.startswith(old)):
        return new
    return old


def find_head(
    lines: Sequence[str],
    body_start: int,
    url: str | None = None,
    *,
    body_end: int | None = None,
    exclude: frozenset[int] = frozenset(),
    headlines: Sequence[int] = (),
) -> HeadInfo:
    """Find title, byline, dateline and site around the body (the site also in the footer).

    Args:
        lines: every line of the dump (blank ones included).
        body_start: index of the first body line; the head is what comes before it,
            plus a few lines after (bylines sometimes follow the first paragraph).
        url: the page URL when known, for `site`.
        body_end: index of the last body line; bylines right after it count too
            ("Author's name Marina Lebedeva" under the article).
        exclude: indexes of lines already matched by a boilerplate pattern (never a title).
        headlines: indexes of lines that repeat the page's <title> (the line features'
            headline test), looked at wherever they sit before the body: a long menu can
            push the headline past the first lines, and the last line before the body is
            then taken for it.
    """
    # imported here: the readers import this module for `site_from_url`, and compiling
    # the boilerplate patterns is a fifth of a second a run with nothing to clean spares
    from cleaners.patterns import normalise_line

    head_end = min(len(lines), body_start + 3)
    # The first lines, and those just before the body: [0, top) and [near, head_end).
    top = min(head_end, HEAD_SCAN_LINES)
    near = max(0, body_start - HEAD_SCAN_LINES // 2)
    scan = [*range(top), *(i for i in headlines if top <= i < near)]
    scan += range(max(top, near), head_end)
    tail = (
        range(body_end + 1, min(len(lines), body_end + TAIL_SCAN_LINES)) if body_end else range(0)
    )
    rows = [*scan, *tail]
    # Bylines and titles are matched on whitespace-normalised lines.
    texts = list(map(normalise_line, map(lines.__getitem__, rows)))
    url_site = site_from_url(url)
    author, published, meta, dateline_site = _bylines(
        lines, rows, texts, want_site=url_site is None
    )
    head = {i: text for i, text in zip(scan, texts, strict=False) if text}  # blank: no title
    title, title_lines, suffix_site = _title(lines, head, body_start, meta, exclude)
    footer_site = None if suffix_site else site_from_footer(lines)
    return HeadInfo(
        title=title,
        author=author,
        published_at=published,
        site=site_key(url, dateline_site, suffix_site, footer_site),
        site_name=suffix_site or footer_site,
        title_lines=frozenset(title_lines),
        meta_lines=frozenset(meta - set(title_lines)),
    )


def _bylines(
    lines: Sequence[str], rows: Sequence[int], texts: Sequence[str], *, want_site: bool
) -> tuple[str | None, str | None, set[int], str | None]:
    """(author, published, indexes of byline/dateline lines, site a dateline names) among
    `rows` of `lines` (`texts`: the same lines normalised); the site only if `want_site`."""
    author: str | None = None
    published: str | None = None
    site: str | None = None
    meta: set[int] = set()
    for i, text in zip(rows, texts, strict=True):
        # `byline(line)`, then `dateline(line)`, testing the cheap things first and parsing
        # the date once where they share the text. Without a "By"-like lead, a line needs
        # a date, so a year ("19.." or "20.."); most lines have neither.
        lead = text[:2].lower() in _BYLINE_LEAD_STARTS
        if not lead and "19" not in text and "20" not in text:
            continue
        words = text.count(" ") + 1 if text else 0  # `text` is single-spaced
        if not 0 < words <= BYLINE_MAX_LINE_WORDS:
            continue  # neither a byline nor a dateline (those are shorter still)
        line = lines[i]
        if lead:
            if not (_DIGIT.search(text) or _BYLINE_LEAD.match(line.strip())):
                continue  # bylines and datelines need a date or a "By"-like lead
        elif not _ANY_YEAR.search(text):
            continue
        date = parse_date(text)
        name, iso = _byline(text, *date)
        if name:
            author = author or name
            published = _better_date(published, iso)
            meta.add(i)
            continue
        if words > DATELINE_MAX_LINE_WORDS:
            continue
        iso = _dateline(line, date if text == line else parse_date(line))
        if iso:
            published = _better_date(published, iso)
            meta.add(i)
            if want_site and site is None and _may_hold_domain(line):
                m = _DOMAIN.search(line)
                if m:
                    site = m["domain"].lower()
    return author, published, meta, site


def _title(
    lines: Sequence[str],
    head: dict[int, str],
    body_start: int,
    meta: set[int],
    exclude: frozenset[int],
) -> tuple[str | None, list[int], str | None]:
    """(title, indexes of the lines that are it, site named by the <title> line's suffix).

    Prefer a head line that repeats (headline + <title>), else a first line with a site
    suffix (the <title>), else the last title-shaped line before the first
    byline/dateline/body line. `head`: the scanned non-blank lines,
    normalised, by index.
    """
    # Memoised per call: the title checks key the same head lines more than once.
    # (A dict, not functools.cache: building two caches per call cost ~10 us.)
    keys_memo: dict[str, str] = {}

    def key(text: str) -> str:
        k = keys_memo.get(text)
        if k is None:
            k = keys_memo[text] = line_key(text)
        return k

    # Keying every scanned line (`line_key`, ~3 us; twice, with and without a site suffix)
    # was over half of find_head's time on dev: below, only lines that could share a key
    # with another candidate, or with the title, are keyed.
    bares: dict[int, str] = {}  # the candidates (title-shaped head lines), suffix cut off
    leads: dict[int, tuple[str, str] | None] = {}  # how their keys start (`_key_lead`)
    for i, text in head.items():
        if (
            3 <= text.count(" ") + 1 <= TITLE_MAX_WORDS  # most lines fail this first test
            and not text.endswith(":")
            and i < body_start
            and i not in meta
            and i not in exclude
        ):
            bare = split_site_suffix(text)[0] if _SUFFIX_SEPARATOR.search(text) else text
            bares[i] = bare
            leads[i] = _key_lead(_fold(bare))
    lead_counts = Counter(leads.values())
    keys: dict[str, list[int]] = {}
    for i, bare in bares.items():
        if leads[i] is None or lead_counts[leads[i]] > 1:  # else its key is unique
            keys.setdefault(key(bare), []).append(i)
    repeated = [v for v in keys.values() if len(v) > 1]
    if repeated:
        title_idx = max(repeated, key=len)
    elif bares:
        first_meta = min(meta) if meta else body_start
        before = [i for i in bares if i < first_meta] or list(bares)
        title_idx = [before[-1]]
    else:
        return None, [], None
    # Prefer a headline line over the page's <title> line (the dump's first line), whose
    # " - Site" suffix is stripped; a headline keeps its dash ("X – Y").
    first_line = next((i for i, line in enumerate(lines) if line.strip()), -1)
    if not repeated and first_line in bares and _SUFFIX_SEPARATOR.search(head[first_line]):
        # Nothing repeats, and the dump opens with a "Title - Site" line: that is the page's
        # <title>, a surer title than the last short line before the body, which on such
        # pages is a section heading, a caption or a menu item ("History [ edit ]").
        title_idx = [first_line]
    chosen = next((i for i in title_idx if i != first_line), title_idx[0])
    title, site = head[chosen], None
    if chosen == first_line:
        title, site = split_site_suffix(title)
    keys_of_title = {key(title), key(split_site_suffix(title)[0])}
    # Every head line that is the title (with or without a site suffix) is a duplicate.
    # Keys are taken of whitespace-normalised lines (same key: `line_key` drops spacing).
    # Only lines that could have a title key are keyed: a key is no longer than the
    # `_fold` of its text (nor, for ASCII, than the text itself), and the fold holds
    # the key's `_key_words`, so the words all title keys share. A line's site-less
    # `bare` is a prefix of it cut at a space, and its fold a prefix of the line's
    # (NFKC never composes across a space), so these tests on a line cover its `bare`.
    shortest = min(map(len, keys_of_title))
    shared = sorted(  # longest first: most lines fail on it
        set.intersection(*map(_key_words, keys_of_title)), key=len, reverse=True
    )
    duplicates = [
        i
        for i, norm in head.items()
        if (len(norm) >= shortest or not norm.isascii())
        and len(folded := _fold(norm)) >= shortest
        and all(map(folded.__contains__, shared))
        and (
            key(norm) in keys_of_title
            or ((bare := split_site_suffix(norm)[0]) != norm and key(bare) in keys_of_title)
        )
    ]
    return title, duplicates or title_idx, site


HTML_HEAD_CHARS = 200_000
"""Metadata is looked for in this much of a page: <head> and JSON-LD come first."""

_META_TAG = re.compile(r"<meta\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"([\w:-]+)\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+)")
_TITLE_TAG = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_HTML_LANG = re.compile(r"<html\b[^>]*?\blang\s*=\s*[\"']?([a-zA-Z]{2,3})\b", re.IGNORECASE)
_LD_DATE = re.compile(r"\"datePublished\"\s*:\s*\"([^\"]{8,40})\"")
_LD_AUTHOR = re.compile(
    r"\"author\"\s*:\s*(?:\[\s*)?(?:\{[^{}]*?\"name\"\s*:\s*\"([^\"]{2,80})\"|\"([^\"]{2,80})\")"
)
_LINK_TAG = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
_TIME_TAG = re.compile(r"<time\b[^>]*\bdatetime\s*=\s*[\"']([^\"']{8,40})[\"']", re.IGNORECASE)
_ISO = re.compile(
    r"\d{4}-[01]\d-[0-3]\d"
    r"(?:[T ][0-2]\d:[0-5]\d(?::[0-5]\d(?:[.,]\d+)?)?(?:Z|[+-]\d\d(?::?\d\d)?)?)?"
)
"""An ISO 8601 date or timestamp (with its offset) inside a longer metadata value."""
_TAGS = re.compile(r"<[^>]+>")
_BY_PREFIX = re.compile(r"^by\s+", re.IGNORECASE)

META_KEYS: dict[str, tuple[str, ...]] = {
    "title": ("og:title", "twitter:title", "dc.title"),
    "author": (
        "author", "article:author", "dc.creator", "byl", "sailthru.author", "parsely-author",
    ),
    "published_at": (
        "article:published_time", "datepublished", "pubdate", "publishdate", "date",
        "dc.date", "dc.date.issued", "sailthru.date", "parsely-pub-date", "og:published_time",
    ),
    "site_name": ("og:site_name", "application-name"),
    "url": ("og:url", "twitter:url"),
}  # fmt: skip
"""Which <meta name/property/itemprop> values fill which field, in order of trust."""

HANDLE_KEYS = ("twitter:site",)
"""Meta tags naming the site by a handle ('@AJENews'): its `site_name` only when neither a
`META_KEYS` tag nor the <title>'s suffix names it (a handle is how a site signs, not its name)."""


def _iso_date(value: str) -> str | None:
    """A page's own date as the one timestamp parser reads it (`schemas.timestamps`: UTC,
    `YYYY-MM-DDTHH:MM:SS` or a bare date): the whole value, else the first ISO timestamp
    in it; else the first date in it written as prose (`June 8, 2023`)."""
    found = iso_timestamp(value)
    if found is None and (m := _ISO.search(value)):
        found = iso_timestamp(m[0])
    return found or parse_date(value)[0]


@dataclass(slots=True, frozen=True)
class PageMeta:
    """What a page's markup says about itself (each field None when it does not say)."""

    title: str | None = None
    author: str | None = None
    published_at: str | None = None
    site_name: str | None = None
    """The site's display name: og:site_name, else the <title>'s suffix ('... - WSJ'), else
    its twitter:site handle. Never the site key (`site_key` takes it only without a URL)."""
    language: str | None = None
    url: str | None = None
    """The page's own address: its `<link rel="canonical">`, else its og:url."""


def _absolute_url(value: str | None) -> str | None:
    """An http(s) URL as a page declares it; None for relative or other schemes.

    A relative canonical cannot be resolved without the page's own address, which is
    exactly what is missing when this is needed.
    """
    if not value:
        return None
    value = htmllib.unescape(value).strip()
    if value.startswith("//"):
        value = "https:" + value
    if not value.lower().startswith(("http://", "https://")) or not site_from_url(value):
        return None
    return value


def canonical_url(head: str, metas: dict[str, str]) -> str | None:
    """`<link rel="canonical" href>` of the page, else its og:url / twitter:url meta."""
    for tag in _LINK_TAG.findall(head):
        attrs = {k.lower(): v.strip("\"'") for k, v in _ATTR.findall(tag)}
        if "canonical" in attrs.get("rel", "").lower().split():
            url = _absolute_url(attrs.get("href"))
            if url:
                return url
    for key in META_KEYS["url"]:
        url = _absolute_url(metas.get(key))
        if url:
            return url
    return None


def html_metadata(html: str) -> PageMeta:
    """title, author, published_at, site name, language and URL from a page's meta tags,
    JSON-LD and <title>.

    Why not trafilatura's metadata pass: on the dev pages it costs as much as the
    extraction itself; meta tags, JSON-LD and <time> give these fields for far less.
    """
    head = html[:HTML_HEAD_CHARS]
    metas: dict[str, str] = {}
    for tag in _META_TAG.findall(head):
        attrs = {k.lower(): v.strip("\"'") for k, v in _ATTR.findall(tag)}
        key = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").lower()
        if key and "content" in attrs and key not in metas:
            metas[key] = htmllib.unescape(attrs["content"]).strip()
    found = {name: next((metas[k] for k in keys if metas.get(k)), None)
             for name, keys in META_KEYS.items()}  # fmt: skip
    author = found["author"]
    if author and author.startswith(("http://", "https://")):
        author = None
    if not author:
        m = _LD_AUTHOR.search(head)
        author = _json_string(m[1] or m[2]) if m else None
    if author:
        author = _BY_PREFIX.sub("", author).strip() or None
    if not author:
        author = markup_author(head)
    m = _TITLE_TAG.search(head)
    title_tag = " ".join(htmllib.unescape(_TAGS.sub(" ", m[1])).split()) if m else None
    suffix = split_site_suffix(title_tag)[1] if title_tag else None
    title = found["title"] or title_tag
    if title:
        title = split_site_suffix(title)[0] or None
    site_name = (
        found["site_name"] or suffix or next((metas[k] for k in HANDLE_KEYS if metas.get(k)), None)
    )
    date = found["published_at"]
    if not date:
        m = _LD_DATE.search(head) or _TIME_TAG.search(head) or _late_ld_date(html)
        date = m[1] if m else None
    lang = _HTML_LANG.search(head[:5000])
    return PageMeta(
        title=title,
        author=author,
        published_at=_iso_date(date) if date else None,
        site_name=site_name,
        language=lang[1].lower() if lang else None,
        url=canonical_url(head, metas),
    )


def _json_string(raw: str) -> str:
    """A JSON string's text from between its quotes ('Ale\\u0161' -> 'Aleš')."""
    try:
        value = json.loads(f'"{raw}"')
    except ValueError:
        return raw
    return value if isinstance(value, str) else raw


_AUTHOR_ELEMENT = re.compile(
    r"<(?P<tag>a|span|div|p|address|strong|b|li)\b(?P<attrs>[^>]*?(?:\brel\s*=\s*[\"']?author\b"
    r"|\bitemprop\s*=\s*[\"']?author\b|\bclass\s*=\s*[\"'][^\"']*?\b(?:byline|author)"
    r"(?:[-_]?name)?\b)[^>]*)>",
    re.IGNORECASE,
)
"""The opening tag of an element marked as the author's (`rel="author"`, `itemprop="author"`,
a class named byline / author / author-name)."""

_AUTHOR_TEXT_END = re.compile(r"</(?:div|p|li|address|section|header|ul|td)\b|<br\b", re.IGNORECASE)
"""Where a byline's text ends at the latest ("By <a>Jane Doe</a></span> | <time>...")."""

AUTHOR_TEXT_CHARS = 400
"""Markup read after an author element's tag for its text."""

MARKUP_AUTHOR_TRIES = 5
"""Author elements looked at; a page's first ones are its byline (comments come later)."""

_FIRST_TEXT = re.compile(r"^(?:\s*<[^>]*>)*\s*([^<>]+?)\s*<")
"""The first text inside an element's markup."""


def markup_author(html: str) -> str | None:
    """The author a page's byline markup names, when its meta tags and JSON-LD name none.

    The first element marked as the author's whose text is a byline ("By Dan Goodin") or a
    name ("Dan Goodin"); elements of comments ("comment-author") are skipped. A regex over
    the markup, like the rest of `html_metadata`: trafilatura's author XPaths cost ~5 ms a
    page on the dev pages, a fifth of a whole `clean_html`.
    """
    for m in islice(_AUTHOR_ELEMENT.finditer(html), MARKUP_AUTHOR_TRIES):
        if "comment" in m["attrs"].lower():
            continue
        inner = html[m.end() : m.end() + AUTHOR_TEXT_CHARS]
        end = _AUTHOR_TEXT_END.search(inner)
        inner = inner[: end.start()] if end else inner
        own_end = inner.lower().find(f"</{m['tag'].lower()}")  # the element's own end
        inner = inner[:own_end] if own_end >= 0 else inner
        # its first text ("<a><span>Dan Goodin</span></a> - <time>"), else all of it up to
        # the block's end ("By <a>Scott Cunningham</a>")
        first = _FIRST_TEXT.search(inner)
        for raw in (first[1] if first else "", _TAGS.sub(" ", inner)):
            name = _author_name(" ".join(htmllib.unescape(raw).split()).strip(" ,|"))
            if name:
                return name
    return None


def _author_name(text: str) -> str | None:
    """The name in a byline ("By Dan Goodin") or a bare name ("Dan Goodin"), of 2+ words."""
    name = byline(text)[0] or (text if _is_person(text, BYLINE_MAX_WORDS) else None)
    return name if name and len(name.split()) >= 2 else None


def _late_ld_date(html: str) -> re.Match[str] | None:
    """A JSON-LD `datePublished` past the first `HTML_HEAD_CHARS` (MediaWiki writes its
    JSON-LD at the end of the page): found with `str.find`, C speed over the whole page."""
    at = html.find('"datePublished"', HTML_HEAD_CHARS)
    return _LD_DATE.match(html, at) if at >= 0 else None


FOOTER_SCAN_LINES = 30
"""Copyright lines sit among a dump's last lines."""

_COPYRIGHT = re.compile(r"©|\(c\)\s*\d|\bcopyright\b|\brights\b.{0,40}\breserved\b", re.IGNORECASE)


def _copyright_suspects(lines: Sequence[str]) -> list[int]:
    """Indexes (last first) of the lines `_COPYRIGHT` may match, found on all of them at once.

    Searching every footer line was a tenth of `find_head`'s time on dev. Case-insensitive
    `re` matches a letter by its lower case, and also "i" by "ı" and "İ" and "s" by "ſ"
    (`re._casefix`); so in text without those three, a match shows in the lower-cased
    text as "©", "(c)" or "right".
    """
    text = "\n".join(lines)
    low = text.lower()
    if "ı" in text or "İ" in text or "ſ" in text or low.count("\n") != len(lines) - 1:
        return list(reversed(range(len(lines))))  # odd letters, or lines holding newlines
    found: set[int] = set()
    for hint in ("©", "(c)", "right"):
        at = low.find(hint)
        while at >= 0:
            found.add(low.count("\n", 0, at))
            at = low.find(hint, at + 1)
    return sorted(found, reverse=True)


def site_from_footer(lines: Sequence[str]) -> str | None:
    """The site's domain as its copyright footer names it, else None.

    A text dump carries no URL, and its head often names no site, but the footer
    usually does ("Copyright © 1999-2023, «PRAVDA.Ru»." -> "pravda.ru"). Only lines
    that read as a copyright notice count, so a story that mentions some other site
    does not name the page's.
    """
    footer = lines[-FOOTER_SCAN_LINES:]
    for k in _copyright_suspects(footer):
        line = footer[k]
        if _COPYRIGHT.search(line) and _may_hold_domain(line):
            m = _DOMAIN.search(line)
            if m:
                return m["domain"].lower()
    return None
