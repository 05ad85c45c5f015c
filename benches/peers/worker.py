"""One measurement of one peer, in a fresh Python process (so every engine pays start-up and
Parquet reading, like the `engage` CLI does).

    python3 benches/peers/worker.py ENGINE FILE_KIND PATH

ENGINE: duckdb | polars | chdb | datafusion-py. FILE_KIND: unsorted | sorted | snapshot (for
datafusion-py, `snapshot` registers the snapshot's contacts file with its sort order
declared, as `engage sql --data` does; DuckDB, Polars and chDB have no such declaration and
are run on `sorted` only).
Prints one JSON line: {"callers": .., "total": .., "inner_s": ..} where inner_s is the time
from after the imports to the answer (reading Parquet included), or {"skipped": WHY,
"inner_s": ..} when the engine cannot answer the job exactly on this file (chDB on times with
sub-millisecond parts: common.CHDB_SKIP_REASON).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402


def run_duckdb(path: str, kind: str):
    import duckdb

    sql = common.job_sql(common.DUCKDB_WINDOW, f"read_parquet('{path}')")
    t = time.perf_counter()
    con = duckdb.connect()
    callers, total = con.execute(sql).fetchone()
    return callers, total, time.perf_counter() - t


class Skipped(Exception):
    """The engine cannot express the job exactly on this file; the text says why."""


def run_chdb(path: str, kind: str):
    import chdb

    t = time.perf_counter()
    res = chdb.query(common.chdb_job_sql(path), "JSONCompact")
    callers, total, sub_ms = json.loads(res.data())["data"][0]
    if int(sub_ms):
        raise Skipped(common.CHDB_SKIP_REASON)
    return int(callers), int(total), time.perf_counter() - t


def run_polars(path: str, kind: str):
    import polars as pl

    t = time.perf_counter()
    keyed = (
        pl.scan_parquet(path)
        .select("caller_key", "received_at")
        .filter(pl.col("caller_key").is_not_null())
        .sort("caller_key", "received_at")
    )
    # rolling windows (t - 7d, t] per caller; every row's window is defined by its time, so
    # contacts at the same instant share a count (checked by the self-test)
    counts = keyed.rolling(
        index_column="received_at", period="7d", closed="right", group_by="caller_key"
    ).agg(pl.len().alias("n"))
    out = counts.select(
        pl.col("caller_key").filter(pl.col("n") >= common.THRESHOLD).n_unique().alias("callers"),
        pl.col("n").cast(pl.Int64).sum().alias("total"),
    ).collect()
    return int(out["callers"][0]), int(out["total"][0]), time.perf_counter() - t


def datafusion_context(path: str, kind: str):
    from datafusion import SessionContext, col

    ctx = SessionContext()
    if kind == "snapshot":
        order = [[col("caller_key").sort(ascending=True, nulls_first=False),
                  col("received_at").sort(ascending=True, nulls_first=False)]]
        ctx.register_parquet("contacts", path, file_sort_order=order)
    else:
        ctx.register_parquet("contacts", path)
    return ctx


def run_datafusion(path: str, kind: str):
    t = time.perf_counter()
    ctx = datafusion_context(path, kind)
    batches = ctx.sql(common.job_sql(common.DF_WINDOW)).collect()
    row = batches[0].to_pylist()[0]
    return row["callers"], row["total"], time.perf_counter() - t


ENGINES = {
    "duckdb": run_duckdb,
    "polars": run_polars,
    "chdb": run_chdb,
    "datafusion-py": run_datafusion,
}


def main() -> None:
    engine, kind, path = sys.argv[1:4]
    t = time.perf_counter()
    try:
        callers, total, inner = ENGINES[engine](path, kind)
    except Skipped as e:
        print(json.dumps({"skipped": str(e), "inner_s": time.perf_counter() - t}))
        return
    print(json.dumps({"callers": int(callers), "total": int(total or 0), "inner_s": inner}))


if __name__ == "__main__":
    main()
