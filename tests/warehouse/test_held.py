from __future__ import annotations

import os
from pathlib import Path

from warehouse.held import HeldWarehouse


def threads(held: HeldWarehouse) -> int:
    return int(held.wh.con.execute("SELECT current_setting('threads')").fetchall()[0][0])


def test_a_run_with_local_workers_leaves_them_their_cores_across_reopens(tmp_path: Path) -> None:
    cores = os.cpu_count() or 1
    with HeldWarehouse(tmp_path / "w.duckdb") as held:
        assert threads(held) == cores  # DuckDB's default until a pool is in use
        held.share_cores(1)
        assert threads(held) == max(1, cores - 1)
        held.close()  # let go for a reader, then opened again by the next batch
        assert threads(held) == max(1, cores - 1)
        held.share_cores(cores + 3)
        assert threads(held) == 1
