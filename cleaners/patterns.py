"""Boilerplate patterns as data, grouped by removal reason.

Keys are exactly the `schemas.REMOVAL_REASONS` vocabulary. Each group is a tuple of
compiled, case-insensitive patterns matched against a whole, whitespace-normalised
line; `match_reason` returns the first group that matches, so every match keeps
its reason. `SECTION_HEADERS` are the patterns that open a block (a "Recent Stories"
heading): the lines under them inherit the reason until prose resumes.
"""

from __future__ import annotations

import re
from functools import cache

from schemas import REMOVAL_REASONS


def _group(*patterns: str) -> tuple[re.Pattern[str], ...]:
    """Compile one reason's patterns; refuse an empty group (it would silently match nothing)."""
    if not patterns:
        raise ValueError("a pattern group needs at least one pattern")
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


_AGO = r"\d+\s*(?:s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|d|days?|w|weeks?|mo|months?|y|years?)\s+ago"  # noqa: E501

PATTERNS: dict[str, tuple[re.Pattern[str], ...]] = {
    "navigation": _group(
        r"^(?:home|menu|search|main menu|open menu|close|close menu|skip to (?:main )?content"
        r"|skip navigation|sign in|sign up|log ?in|log ?out|register|my account|sections?"
        r"|back to top|top|next|previous|prev|next article|previous article|more|see all|view all"
        r"|show more|load more|go|toggle navigation|navigation|all sections|index|edition"
        r"|english|español|français|deutsch|video|videos|photos|podcasts?|newsletters?|live"
        r"|opinion|world|politics|business|sports?|tech(?:nology)?|science|health"
        r"|entertainment|lifestyle|culture|travel|weather|news|local|national|u\.?s\.?)$",
        r"^(?:[\w&.'’ -]{1,25})(?:\s*[>»›/|]\s*[\w&.'’ -]{1,25}){2,}$",
        r"^(?:page \d+ of \d+|\d+ of \d+|page \d+)$",
        r"^(?:[\w&'’.-]+ ){0,2}[\w&'’.-]+ [|•·] (?:[\w&'’.-]+ ){0,2}[\w&'’.-]+(?: [|•·] .{1,30})*$",
    ),
    "recent_stories": _group(
        r"^(?:recent|latest|more|top|popular|trending|featured|most (?:read|popular|viewed|shared|commented)"  # noqa: E501
        r"|editor'?s? (?:picks?|choice)|don'?t miss|last materials|in other news|what'?s new|just in"  # noqa: E501
        r"|more (?:top )?(?:stories|news|headlines)|breaking news)"
        r"(?: (?:stories|news|articles|posts|videos|headlines|now|this week|today))?\s*:?$",
        r"^(?:more|latest|other) (?:stories|news|articles) (?:from|on|in|by) .{1,40}$",
        r"^" + _AGO + r"$",
        r"^(?:updated |posted |published )?" + _AGO + r"\b.{0,40}$",
    ),
    "related": _group(
        r"^related(?: topics?| stories| articles?| posts?| news| coverage| content| links?| reading"
        r"| videos?| tags?)?\s*:?$",
        r"^(?:see|read) also\b.{0,120}$",
        r"^(?:read|see) more\b.{0,120}$",
        r"^(?:read next|up next|what to read next|further reading|recommended(?: for you| stories)?"
        r"|you (?:may|might) (?:also )?(?:like|enjoy|be interested in)(?: these)?|more like this"
        r"|also (?:read|see)|suggested (?:stories|articles|reading)|topics?|tags?|filed under)\s*:?.{0,120}$",  # noqa: E501
        r"^more (?:on|about|from) (?:this|the|our)\b.{0,40}$",
        r"^(?:tags?|topics?|categories|category|filed under)\s*:.{0,200}$",
    ),
    "share": _group(
        r"^(?:share|tweet|pin|pin it|email|e-mail|print|whatsapp|facebook|twitter|x|linkedin|reddit"
        r"|telegram|pinterest|flipboard|messenger|copy link|copy|link copied|save|comment"
        r"|share this(?: article| story| page| post)?|share on \w+|share via \w+|email this|print this"  # noqa: E501
        r"|share(?: this)? (?:article|story)|gift this article|share full article)\s*:?$",
        r"^(?:(?:share|tweet|pin|email|print|facebook|twitter|linkedin|whatsapp|reddit|telegram"
        r"|pinterest|messenger|copy link|save)\s*[,|•·]?\s*){2,}$",
        r"^(?:click to share|share this with|share with your friends|follow us on)\b.{0,80}$",
    ),
    "subscribe": _group(
        r"\b(?:subscribe|subscription|subscribers?|newsletter|sign up for|sign up to"
        r"|support us|become (?:a|our) (?:patron|member|supporter|subscriber)|donate|donation"
        r"|unlimited (?:digital )?access|already a subscriber|free trial|create (?:a free|an) account"  # noqa: E501
        r"|get (?:our|the) (?:daily|weekly|free)|join (?:our|the) mailing list|register now)\b",
        r"^(?:follow us|follow|like us on facebook)\b.{0,60}$",
        r"\b(?:support|fund) (?:our|independent) journalism\b",
        r"\bfollow (?:us|our)\b.{0,60}\b(?:channel|facebook|twitter|instagram|telegram|google news|app)\b",  # noqa: E501
    ),
    "comments": _group(
        r"^(?:\d+\s*)?(?:comments?|replies|reply|responses?)\s*(?:\(\d+\))?:?$",
        r"^(?:leave|post|add|write|submit) (?:a|your) (?:comment|reply|response)\b.{0,80}$",
        r"^(?:join|start) the (?:conversation|discussion)\b.{0,80}$",
        r"^(?:show|view|load|hide|see) (?:all )?(?:\d+ )?comments?\b.{0,40}$",
        r"\bcomment(?:ing)? (?:policy|guidelines|rules)\b",
        r"^(?:be the first to comment|no comments yet|comments are closed)\b.{0,40}$",
        r"^(?:you must be logged in to post a comment|log in to comment)\b.{0,40}$",
    ),
    "advertising": _group(
        r"^(?:advertisement|advertising|advert|ad|ads|sponsored|sponsored content|paid content"
        r"|promoted|partner content|story continues below(?: advertisement)?|article continues below"  # noqa: E501
        r"|continue reading below|scroll to continue(?: with content)?|ad feedback|report this ad"
        r"|skip ad|adchoices|presented by)\s*:?$",
        r"^(?:sponsored|promoted|paid) (?:by|links?|stories|content)\b.{0,60}$",
    ),
    "footer": _group(
        r"(?:©|\(c\)\s*\d{4}|\bcopyright\b)",
        r"\ball rights reserved\b",
        r"^(?:privacy(?: policy| notice| settings| center)?|cookie(?:s| policy| settings| preferences)?"  # noqa: E501
        r"|terms(?: of (?:use|service|sale))?|terms (?:and|&) conditions|about|about us|contact|contact us"  # noqa: E501
        r"|careers|jobs|sitemap|site map|help|faq|accessibility|advertise(?: with us)?|press"
        r"|corrections|ethics|masthead|rss|rss feeds?|feedback|legal|imprint|impressum|disclaimer"
        r"|do not sell my (?:personal )?info(?:rmation)?|your privacy choices|manage cookies"
        r"|editorial (?:policy|standards)|code of (?:conduct|ethics)|media kit|store|shop)\s*:?$",
        r"\b(?:privacy policy|terms of (?:use|service)|cookie policy|we use cookies|uses cookies)\b",  # noqa: E501
        r"^(?:powered by|designed by|developed by|hosted by)\b.{0,60}$",
    ),
    "metadata": _group(
        r"^(?:by|written by|posted by|author|authors|reporting by|words by|story by)\b\s*:?\s*\S.{0,80}$",  # noqa: E501
        r"^(?:published|updated|posted|last updated|modified|date)(?:\s*:.{0,60}|\s+(?:on\s+)?\w*\.?\s*\d.{0,50})$",  # noqa: E501
        r"^(?:\d+\s*min(?:ute)?s? read|reading time\s*:?.{0,20}|\d+\s*min(?:ute)?s?)$",
    ),
    "boilerplate": _group(
        r"^(?:enable read mode|\d+% font size|font size|text size|a\s*a\s*a|listen|listen to this article"  # noqa: E501
        r"|listen to article|loading\.*|please wait\.*|javascript is (?:disabled|required).{0,80}"
        r"|please enable javascript.{0,80}|image|photo|video|watch|play|pause|mute|close ad"
        r"|\d+:\d+|\d+|[^\w\s]+|x|view gallery|enlarge this image|toggle caption|hide caption"
        r"|expand|collapse|play video|watch video|open in app|download the app|get the app)\s*:?$",
        r"^(?:photo|image|picture|credit|file photo|illustration)\s*:.{0,80}$",
        r"^(?:this (?:article|story|content) (?:was|is) (?:originally|first) (?:published|posted)).{0,120}$",  # noqa: E501
        r"\b(?:your browser does not support|enable javascript|ad ?blocker)\b",
    ),
}
"""reason -> patterns; a line matching any pattern of a group is removed for that reason."""

SECTION_HEADERS: dict[str, tuple[re.Pattern[str], ...]] = {
    "recent_stories": PATTERNS["recent_stories"][:2],
    "related": PATTERNS["related"][:1] + PATTERNS["related"][2:3],
    "comments": PATTERNS["comments"][:3],
}
"""Headings that open a block of non-body lines of the same reason."""

_unknown = set(PATTERNS) - set(REMOVAL_REASONS)
if _unknown:  # the vocabulary is fixed by schemas; a typo here must fail at import
    raise ValueError(f"pattern reasons not in REMOVAL_REASONS: {sorted(_unknown)}")

_WORD = re.compile(r"\w+")

HEADER_MAX_WORDS = 6
"""A section heading is short; a longer line matching a heading pattern is a teaser or prose."""


PREFILTERS: dict[tuple[str, int], re.Pattern[str]] = {
    # A breadcrumb is made of its segment characters and separators only, two separators at
    # least; the pattern itself backtracks exponentially on long "a | b | c (d) | e" footers.
    ("navigation", 1): re.compile(r"^[\w&.'’ \s-]*[>»›/|][\w&.'’ \s-]*[>»›/|][\w&.'’ \s>»›/|-]*$"),
    ("navigation", 3): re.compile(r" [|•·] "),
}
"""(reason, pattern index) -> a cheap pattern that must be found in a (lower-cased) line for
that anchored pattern to match: a necessary condition, so skipping the pattern when it is absent
changes no verdict. On dev the breadcrumb pattern cost 3/4 of all pattern time (one 165-char
footer line alone took 60 ms); prefiltered, pattern matching is ~4x faster."""


def _parts(
    groups: dict[str, tuple[re.Pattern[str], ...]],
) -> tuple[list[tuple[str, str]], list[str], dict[str, str], dict[str, re.Pattern[str]]]:
    """Every pattern as a named alternative: anchored (name, alternative) pairs, floating
    alternatives, group name -> reason, and group name -> prefilter.

    A trailing 'h' in a group name marks a section-heading pattern.
    """
    anchored: list[tuple[str, str]] = []
    floating: list[str] = []
    names: dict[str, str] = {}
    prefilters: dict[str, re.Pattern[str]] = {}
    headers = {p.pattern for pats in SECTION_HEADERS.values() for p in pats}
    for reason, patterns in groups.items():
        for i, pattern in enumerate(patterns):
            name = f"{reason}__{i}{'h' if pattern.pattern in headers else ''}"
            names[name] = reason
            alternative = f"(?P<{name}>{pattern.pattern})"
            if pattern.pattern.startswith("^"):
                anchored.append((name, alternative))
                if (reason, i) in PREFILTERS:
                    prefilters[name] = PREFILTERS[(reason, i)]
            else:
                floating.append(alternative)
    return anchored, floating, names, prefilters


_ANCHORED_PARTS, _FLOATING_PARTS, _GROUP_REASON, _PREFILTER_BY_NAME = _parts(PATTERNS)
_PREFILTERS_IN_ORDER = tuple(_PREFILTER_BY_NAME.values())


@cache
def _anchored(skipped: tuple[bool, ...]) -> re.Pattern[str]:
    """One alternation of the anchored patterns, less the prefiltered ones flagged in `skipped`
    (in `_PREFILTER_BY_NAME` order). Order is kept, so when a skipped pattern cannot match, the
    first pattern to match is the one the full alternation finds. One `match` per line instead
    of one per pattern: the cleaner must do thousands of lines per second. Case-sensitive on
    lower-cased text: twice as fast as re.IGNORECASE on the same lines."""
    skip = {name for name, out in zip(_PREFILTER_BY_NAME, skipped, strict=True) if out}
    return re.compile("|".join(alt for name, alt in _ANCHORED_PARTS if name not in skip))


PREFILTER_CHARS = frozenset(">»›/|•·")
"""Every prefilter in `PREFILTERS` needs one of these separators, so a line with none of them
(most lines) skips the prefilter searches: a set test is ~5x cheaper than two searches."""

_ALL_IMPOSSIBLE = (True,) * len(_PREFILTERS_IN_ORDER)


def _impossible(text: str) -> tuple[bool, ...]:
    """For each prefiltered anchored pattern, whether `text` lacks what it needs to match."""
    if PREFILTER_CHARS.isdisjoint(text):
        return _ALL_IMPOSSIBLE
    return tuple([needed.search(text) is None for needed in _PREFILTERS_IN_ORDER])


_ANCHORED = _anchored((False,) * len(_PREFILTER_BY_NAME))
_FLOATING = re.compile("|".join(_FLOATING_PARTS))


def normalise_line(line: str) -> str:
    """Collapse whitespace and strip, so patterns need not care about layout."""
    return " ".join(line.split())


FLOATING_TRIGGERS = frozenset(
    [
        "subscribe",
        "subscription",
        "subscribers",
        "subscriber",
        "newsletter",
        "sign",
        "support",
        "become",
        "donate",
        "donation",
        "unlimited",
        "already",
        "free",
        "create",
        "get",
        "join",
        "register",
        "fund",
        "comment",
        "commenting",
        "copyright",
        "rights",
        "privacy",
        "terms",
        "cookie",
        "cookies",
        "use",
        "uses",
        "browser",
        "enable",
        "javascript",
        "ad",
        "adblocker",
        "blocker",
        "c",
        "follow",
    ]
)
"""Every floating (unanchored) pattern needs one of these words, so other lines skip the search.
`test_patterns.py` checks each floating pattern's examples against it."""

def match_lowered(text: str, words: list[str] | None = None) -> tuple[str | None, bool]:
    """(reason, is_section_heading) of a line already normalised and lower-cased; (None, False)
    if no pattern matches. `words` are its `\\w+` words when the caller has them (they gate
    the floating patterns), found here otherwise. Memoised per line by the caller
    (`cleaners.features.line_verdict`), which is the hot path."""
    m = _anchored(_impossible(text)).match(text)
    if m is None and "©" in text:
        m = _FLOATING.search(text)
    elif m is None:
        if words is None:
            words = _WORD.findall(text)
        if not FLOATING_TRIGGERS.isdisjoint(words):
            m = _FLOATING.search(text)
    if m is None or m.lastgroup is None:
        return None, False
    return _GROUP_REASON[m.lastgroup], m.lastgroup.endswith("h")


def match_reason(line: str) -> str | None:
    """Return the reason whose pattern matches the (normalised) line, else None.

    Line-anchored patterns win over floating ones; among each kind, the order of
    `PATTERNS` decides.
    """
    text = normalise_line(line)
    return match_lowered(text.lower())[0] if text else None
