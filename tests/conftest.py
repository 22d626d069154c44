"""Shared fixtures: the seeds, a fresh warehouse file, and one Prefect test server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import flows  # noqa: F401  (sets Prefect's quiet offline defaults before prefect loads)
from warehouse import Warehouse

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

SEED_CHROME = (
    "Recent Stories",
    "More Stories From World",
    "About Us | Contact Us | Advertisment",
    "© 1997-2023, UrduPoint Network",
    "Related Topics",
    "9 hours ago",
    "Support Us",
    "Journalists fight on their own frontline. Support Ukrainska Pravda or become our patron!",
    "Subscribe to Pravda.Ru Telegram channel, Facebook, Twitter, YouTube, RSS!",
    "Popular",
    "Last materials",
    "Advertising Sitemap Archive About Authors",
    "Copyright © 1999-2023, «PRAVDA.Ru».",
    "Enable Read mode",
    "100% Font Size",
    "Read more:",
    "Top Content Trending",
    "For the latest headlines, follow our Google News channel online or via the app.",
    "World Society Russia Opinion Science Sport Incidents Business",
)
"""Menu, teaser and footer lines of the seeds: none may survive into an article."""


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """One temporary Prefect server for the few tests that run real flows."""
    from prefect.testing.utilities import prefect_test_harness

    # a fresh test database is migrated first: minutes on a busy 2-core machine
    with prefect_test_harness(server_startup_timeout=600):
        yield


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "wh" / "presswash.duckdb"


@pytest.fixture
def fresh_wh(db_path: Path) -> Iterator[Warehouse]:
    with Warehouse(db_path) as wh:
        yield wh
