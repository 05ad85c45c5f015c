"""The harness's own test: tiny data with the contract's edge cases, a brute-force reference,
and every engine on every file must agree with it. Also checks the generator's numpy
reference against the brute force on a small generated table.

    python3 benches/peers/bench.py --self-test      (or scripts/bench-peers --self-test)
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import engines  # noqa: E402
import gen  # noqa: E402

US = 1_000_000
MIN = 60 * US
HOUR = 60 * MIN
DAY = 24 * HOUR
W = common.WINDOW_US


def edge_cases(tick: int = 1) -> list[tuple[str | None, int]]:
    """(caller_key, µs since 2024-03-01T00:00Z) rows: the spec's worked examples and the
    boundaries an engine can get wrong. `tick` is the smallest step in µs: 1, or 1000 for a
    table of whole milliseconds (what chDB can answer exactly)."""
    rows: list[tuple[str | None, int]] = []
    add = lambda key, ts: rows.extend((key, t) for t in ts)  # noqa: E731
    # spec example 1: nine hourly calls, a tenth exactly 7 days after the first: no episode
    add("+447700900001", [h * HOUR for h in range(9)] + [7 * DAY])
    # example 2: eight calls a minute apart from 12:00, two at 13:00: both count 10
    add("+447700900002", [12 * HOUR + m * MIN for m in range(8)] + [13 * HOUR] * 2)
    # example 3: ten calls on 1 March, ten on 20 March: two episodes
    add("+447700900003", [h * HOUR for h in range(10)] + [19 * DAY + h * HOUR for h in range(10)])
    # example 4: ten calls on 1 March, one a day 2..12 March: one episode
    add("+447700900004", [h * HOUR for h in range(10)] + [d * DAY + 9 * HOUR for d in range(1, 12)])
    # inclusive side: the tenth call 7 days minus 1 tick after the first: counts 10
    add("+447700900005", [m * MIN for m in range(9)] + [8 * MIN + W - tick - 8 * MIN])
    # exclusive side, with ties: nine calls at exactly +7d share count 9 (the first is out),
    # one more 1 tick later counts 10
    add("+447700900006", [0] + [W] * 9)
    add("+447700900007", [0] + [W] * 9 + [W + tick])
    # ties at the threshold: 5 at one instant, 5 an hour later: the later five count 10
    add("+447700900008", [2 * DAY] * 5 + [2 * DAY + HOUR] * 5)
    # nine at one instant: 9, never 10; NULL keys at the same instant must not count
    add("+447700900009", [3 * DAY] * 9)
    add(None, [3 * DAY] * 30)
    # keys of other lengths and pseudonyms (byte order of strings is what sorts them)
    add("+44770090001", [h * MIN for h in range(12)])
    add("+4477009000010", [h * MIN for h in range(3)])
    add("a3f9c2", [5 * DAY + h * MIN for h in range(10)])
    add("A3F9C2", [5 * DAY + h * MIN for h in range(9)])
    return rows


def random_rows(seed: int = 7, tick: int = 1) -> list[tuple[str | None, int]]:
    """Callers with 1..25 calls over 2 to 30 days; a third of the times snapped to whole hours
    (ties, and exact 7-day gaps), the rest at random multiples of `tick` µs."""
    r = random.Random(seed)
    rows = []
    for c in range(80):
        key = f"+44770091{c:04d}"
        span = r.choice([2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY])
        start = r.randrange(0, 15 * DAY)
        for _ in range(r.randint(1, 25)):
            t = start + r.randrange(span)
            if r.random() < 0.33:
                t -= t % HOUR
            rows.append((key, t - t % tick))
    rows += [(None, r.randrange(30 * DAY)) for _ in range(100)]
    return rows


BASE_US = int(dt.datetime(2024, 3, 1, tzinfo=dt.timezone.utc).timestamp()) * US


def table_from(rows: list[tuple[str | None, int]], ids: list[int]) -> pa.Table:
    n = len(rows)
    schema = common.contacts_schema()
    keys = [k for k, _ in rows]
    cols = {
        "contact_id": pa.array([f"S{i:08d}" for i in ids]),
        "agency": pa.array(["police"] * n),
        "line": pa.array(["999" if i % 3 else "101" for i in ids]),
        "received_at": pa.array([BASE_US + t for _, t in rows], pa.int64()).cast(
            pa.timestamp("us", tz="UTC")),
        "caller_key": pa.array(keys, pa.string()),
        "cli_status": pa.array(["present" if k is not None else "withheld" for k in keys]),
        "outcome": pa.array(["answered"] * n),
        "category": pa.array([gen.CATEGORIES[i % 10] if i % 2 else None for i in ids], pa.string()),
    }
    arrays = [cols[f.name] if f.name in cols else pa.nulls(n, f.type) for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


def write_dataset(root: Path, rows: list[tuple[str | None, int]]) -> dict:
    """unsorted (time order), sorted (caller_key NULLS LAST, time) and a snapshot, like gen."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    p = {
        "unsorted": root / "contacts_unsorted.parquet",
        "sorted": root / "contacts_sorted.parquet",
        "snapshot": root / "snapshot",
    }
    by_time = sorted(range(len(rows)), key=lambda i: (rows[i][1], i))
    timed = [rows[i] for i in by_time]
    pq.write_table(table_from(timed, list(range(len(rows)))), p["unsorted"], compression="zstd")
    by_key = sorted(range(len(timed)), key=lambda i: (timed[i][0] is None, timed[i][0] or "", timed[i][1]))
    by_key_table = table_from([timed[i] for i in by_key], by_key)
    pq.write_table(by_key_table, p["sorted"], compression="zstd")
    gen.write_snapshot(p["snapshot"], len(rows), 0, lambda path: pq.write_table(
        by_key_table, path, compression="zstd",
        sorting_columns=[pq.SortingColumn(4, nulls_first=False), pq.SortingColumn(3)]))
    return p


def numpy_reference(rows: list[tuple[str | None, int]]) -> dict:
    keyed = sorted((k, t) for k, t in rows if k is not None)
    names = {k: i for i, k in enumerate(sorted({k for k, _ in keyed}))}
    codes = np.array([names[k] for k, _ in keyed], dtype=np.int64)
    times = np.array([t for _, t in keyed], dtype=np.int64)
    return common.reference_sorted(codes, times, W)


def rows_of(path: Path) -> list[tuple[str | None, int]]:
    t = pq.read_table(path, columns=["caller_key", "received_at"])
    keys = t["caller_key"].to_pylist()
    times = t["received_at"].cast(pa.int64()).to_pylist()
    return list(zip(keys, times))


def main(timeout: float = 120.0) -> int:
    t0 = time.perf_counter()
    passed = failed = 0
    failures = []

    def expect(cond: bool, what: str) -> None:
        nonlocal passed, failed
        if cond:
            passed += 1
        else:
            failed += 1
            failures.append(what)
            print(f"FAIL {what}", flush=True)

    # the spec's worked examples, answered by the brute force
    ex = edge_cases()
    def brute_of(key: str) -> dict:
        return common.brute_force([(k, t) for k, t in ex if k == key])
    expect(brute_of("+447700900001")["episodes"] == 0, "brute force: worked example 1")
    expect(brute_of("+447700900002")["episodes"] == 1, "brute force: worked example 2")
    expect(brute_of("+447700900003")["episodes"] == 2, "brute force: worked example 3")
    expect(brute_of("+447700900004")["episodes"] == 1, "brute force: worked example 4")
    expect(brute_of("+447700900005")["callers"] == 1, "brute force: 7d - 1us is inside")
    expect(brute_of("+447700900006")["callers"] == 0, "brute force: exactly 7d is outside")
    expect(brute_of("+447700900007")["callers"] == 1, "brute force: ties then +1us")

    root = common.BENCH_DATA / "selftest"
    datasets = {}
    rows = ex + random_rows()
    truth = common.brute_force(rows)
    ref = numpy_reference(rows)
    expect({k: ref[k] for k in truth} == truth, f"numpy reference {ref} == brute force {truth}")
    datasets["edge+random"] = (write_dataset(root / "edge", rows), truth)
    # the same cases on whole milliseconds: 7 days less 1 ms, ties then +1 ms
    ms_rows = edge_cases(tick=1000) + random_rows(tick=1000)
    ms_truth = common.brute_force(ms_rows)
    def ms_callers(key: str) -> int:
        return common.brute_force([(k, t) for k, t in ms_rows if k == key])["callers"]
    expect(ms_callers("+447700900005") == 1 and ms_callers("+447700900007") == 1,
           "brute force: 7d - 1ms is inside, ties then +1ms")
    datasets["edge+random ms"] = (write_dataset(root / "edge_ms", ms_rows), ms_truth)

    # the generator: its stored reference against the brute force on what it wrote
    g_truth = gen.generate(5_000, root / "gen", seed=3, force=True)
    g_paths = common.paths(5_000, root / "gen")
    g_rows = rows_of(g_paths["unsorted"])
    g_brute = common.brute_force(g_rows)
    expect({k: g_truth[k] for k in g_brute} == g_brute,
           f"generator reference {g_truth} == brute force {g_brute}")
    snapshot_order = lambda r: (r[0] is None, r[0] or "", r[1])  # noqa: E731
    g_sorted = rows_of(g_paths["sorted"])
    expect(sorted(g_rows, key=snapshot_order) == sorted(g_sorted, key=snapshot_order),
           "generator: sorted file = same rows")
    expect(g_sorted == sorted(g_sorted, key=snapshot_order),
           "generator: sorted file is by caller_key NULLS LAST, received_at")
    expect(rows_of(common.snapshot_part(g_paths)) == g_sorted, "generator: snapshot = sorted rows")
    expect(pq.ParquetFile(common.snapshot_part(g_paths)).metadata.row_group(0).sorting_columns
           and not pq.ParquetFile(g_paths["sorted"]).metadata.row_group(0).sorting_columns,
           "generator: only the snapshot declares its sort order in Parquet")
    times = [t for _, t in g_rows]
    expect(times == sorted(times), "generator: unsorted file is in time order")
    datasets["generated 5k"] = (g_paths, g_brute)

    # the check must catch a window that is closed at both ends ([t - 7d, t])
    import duckdb

    inclusive = common.DUCKDB_WINDOW.replace("604799999999 MICROSECONDS", "7 DAYS")
    p, truth = datasets["edge+random"]
    callers, total = duckdb.connect().execute(
        common.job_sql(inclusive, f"read_parquet('{p['unsorted']}')")).fetchone()
    expect((callers, total) != (truth["callers"], truth["total"]),
           "a closed [t - 7d, t] window gives another answer (the check has teeth)")
    # and chDB's: 604,800,000 ms PRECEDING closes the window on the millisecond table
    import chdb

    p_ms, truth_ms = datasets["edge+random ms"]
    closed = common.CHDB_WINDOW.replace(str(common.CHDB_WINDOW_MS), str(common.CHDB_WINDOW_MS + 1))
    got = chdb.query(common.chdb_job_sql(str(p_ms["unsorted"]), closed), "CSV").data().split(",")
    expect((int(got[0]), int(got[1])) != (truth_ms["callers"], truth_ms["total"]),
           "chDB: a closed [t - 7d, t] window gives another answer")

    for name, (p, truth) in datasets.items():
        print(f"-- {name}: reference {truth}", flush=True)
        for engine in engines.ENGINES:
            for kind in engine.files:
                r = engines.run_once(engine, kind, p, truth, timeout)
                # chDB cannot express the window exactly on microseconds: it must say so and
                # give no answer there, and answer exactly everywhere else
                must_skip = engine.name == "chdb" and name == "edge+random"
                ok = (r["skipped"] is not None) if must_skip else r["ok"]
                shown = f"skipped: {r['skipped'][:60]}..." if r["skipped"] else r["answer"]
                print(f"   {'ok  ' if ok else 'FAIL'} {engine.name:17} {kind:8} {shown} "
                      f"({r['wall_s']:.2f} s){'' if ok else ' ' + r['why']}", flush=True)
                expect(ok, f"{name}: {engine.name} on {kind}: "
                       + ("expected to be skipped (µs times)" if must_skip else r["why"]))

    print(f"self-test took {time.perf_counter() - t0:.1f} s")
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
