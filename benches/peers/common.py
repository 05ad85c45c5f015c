"""Shared pieces of the peers benchmark: paths, the Parquet schema of `contacts`, the job's SQL
for every engine, size parsing and the reference answers (numpy and brute force).

The job, identical for every engine: the rolling 7-day count of each contact per caller
(window (t - 7d, t], contacts at the same instant share a count, NULL caller keys excluded),
then

    callers = number of callers with at least one contact whose count is >= 10
    total   = sum of the rolling counts over all keyed contacts (a per-row checksum)

Both numbers are checked against the generator's reference before a time counts.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pyarrow as pa

REPO = Path(__file__).resolve().parents[2]
BENCH_DATA = REPO / "bench-data"
# ENGAGE_BIN in the environment points the harness at another build of the CLI
ENGAGE_BIN = Path(os.environ.get("ENGAGE_BIN") or REPO / "target" / "release" / "engage")

#: the rule the job and the `episodes` view use (Kent's default)
THRESHOLD = 10
WINDOW_S = 7 * 86_400
WINDOW_US = WINDOW_S * 1_000_000

#: bump when the generator's output changes, so old files are regenerated
GENERATOR_VERSION = 2


def contacts_schema() -> pa.Schema:
    """The snapshot's `contacts` schema (crates/snapshot/src/schema.rs), field for field."""
    text = lambda name, nullable: pa.field(name, pa.string(), nullable=nullable)  # noqa: E731
    return pa.schema(
        [
            text("contact_id", False),
            text("agency", False),
            text("line", False),
            pa.field("received_at", pa.timestamp("us", tz="UTC"), nullable=False),
            text("caller_key", True),
            text("cli_status", False),
            text("outcome", False),
            pa.field("wait_s", pa.int32(), nullable=True),
            pa.field("talk_s", pa.int32(), nullable=True),
            text("recording_id", True),
            text("incident_id", True),
            text("category", True),
            text("closing_category", True),
            pa.field("grade", pa.int8(), nullable=True),
            text("postcode", True),
            text("address_key", True),
            text("csu", True),
        ]
    )


def rejects_schema() -> pa.Schema:
    return pa.schema(
        [
            pa.field("source", pa.string(), nullable=False),
            pa.field("file", pa.string(), nullable=False),
            pa.field("line", pa.uint64(), nullable=False),
            pa.field("raw", pa.string(), nullable=False),
            pa.field("reason", pa.string(), nullable=False),
        ]
    )


def parse_size(text: str) -> int:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*", text)
    if not m:
        raise ValueError(f"`{text}` is not a size like 1M, 10M, 250k or 5000")
    mult = {"": 1, "k": 1_000, "m": 1_000_000}[m.group(2).lower()]
    return int(float(m.group(1)) * mult)


def size_label(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def paths(n: int, root: Path = BENCH_DATA) -> dict:
    label = size_label(n)
    return {
        "unsorted": root / f"contacts_{label}_unsorted.parquet",
        "sorted": root / f"contacts_{label}_sorted.parquet",
        "snapshot": root / f"snapshot_{label}",
        "truth": root / f"contacts_{label}.truth.json",
    }


def snapshot_part(p: dict) -> Path:
    """The contacts file inside the snapshot folder (the latest snapshot there)."""
    manifests = sorted(p["snapshot"].glob("*/manifest.json"), key=lambda x: x.stat().st_mtime)
    if not manifests:
        raise FileNotFoundError(f"no snapshot under {p['snapshot']}")
    manifest = json.loads(manifests[-1].read_text())
    return manifests[-1].parent / manifest["tables"]["contacts"][0]


def load_truth(n: int, root: Path = BENCH_DATA) -> dict:
    return json.loads(paths(n, root)["truth"].read_text())


# --------------------------------------------------------------------------------------------
# The job in each engine's dialect. {src} is the table expression.

# DataFusion: RANGE frames include the start bound, so (t - 7d, t] on microseconds is
# [t - 7d + 1us, t]. CURRENT ROW in RANGE mode includes the peers (ties share a count).
DF_WINDOW = (
    "count(*) OVER (PARTITION BY caller_key ORDER BY received_at "
    "RANGE BETWEEN INTERVAL '604799.999999 seconds' PRECEDING AND CURRENT ROW)"
)
# DuckDB: the same, its interval spelled in microseconds.
DUCKDB_WINDOW = (
    "count(*) OVER (PARTITION BY caller_key ORDER BY received_at "
    "RANGE BETWEEN INTERVAL 604799999999 MICROSECONDS PRECEDING AND CURRENT ROW)"
)
# chDB (ClickHouse in process): a RANGE frame's offset must be a non-negative 32-bit integer
# in the unit of the ORDER BY column (and DateTime64 takes no RANGE offset at all), so 7 days
# cannot be spelled in microseconds (604,799,999,999 > 2^31). It can in milliseconds: on a
# column of whole milliseconds (t - 7d, t] is [t - 604,799,999 ms, t], exact. The job orders
# by received_at in milliseconds and also reports whether any keyed received_at has a
# sub-millisecond part (`sub_ms`): then ms would merge distinct instants and the worker
# reports the job as skipped instead of an answer (see chdb_job_sql).
CHDB_WINDOW_MS = 7 * 86_400 * 1_000 - 1
CHDB_WINDOW = (
    "count() OVER (PARTITION BY caller_key ORDER BY received_ms "
    f"RANGE BETWEEN {CHDB_WINDOW_MS} PRECEDING AND CURRENT ROW)"
)
CHDB_SKIP_REASON = (
    "received_at has sub-millisecond parts: chDB's RANGE frames take 32-bit offsets only, so "
    "7 days fits in milliseconds (604,799,999) but not in microseconds (604,799,999,999), and "
    "ordering by milliseconds would merge distinct instants; no exact (t - 7d, t] window"
)
# Engage's window function: the kernel's half-open window, ties sharing a count.
ENGAGE_WINDOW = (
    "rolling_count(received_at, INTERVAL '7 days') "
    "OVER (PARTITION BY caller_key ORDER BY received_at)"
)


def job_sql(window: str, src: str = "contacts") -> str:
    return (
        f"SELECT count(DISTINCT CASE WHEN n >= {THRESHOLD} THEN caller_key END) AS callers, "
        f"sum(n) AS total "
        f"FROM (SELECT caller_key, {window} AS n FROM {src} WHERE caller_key IS NOT NULL) AS w"
    )


def chdb_job_sql(path: str, window: str = CHDB_WINDOW) -> str:
    """The job for chDB on a Parquet file: `job_sql` over received_at in whole milliseconds,
    plus `sub_ms`, 1 when a keyed contact's time has a sub-millisecond part (the answer is then
    not exact and must not be used)."""
    src = (
        "(SELECT caller_key, toUnixTimestamp64Micro(received_at) AS received_us, "
        f"intDiv(received_us, 1000) AS received_ms FROM file('{path}', Parquet))"
    )
    return (
        f"SELECT count(DISTINCT CASE WHEN n >= {THRESHOLD} THEN caller_key END) AS callers, "
        f"sum(n) AS total, max(sub_ms) AS sub_ms "
        f"FROM (SELECT caller_key, {window} AS n, received_us % 1000 != 0 AS sub_ms "
        f"FROM {src} WHERE caller_key IS NOT NULL) AS w"
    )


EPISODES_SQL = (
    "SELECT count(*) AS episodes, count(DISTINCT caller_key) AS callers FROM episodes"
)


# --------------------------------------------------------------------------------------------
# Reference answers.


def reference_sorted(codes: np.ndarray, times: np.ndarray, window: int) -> dict:
    """The job's answer (and the episode count) from keyed contacts already sorted by
    (code, time); times are integers >= 0 in any unit, `window` in the same unit (the
    generator passes whole seconds, the self-test microseconds).

    rolling_count(i) = #{j in caller: t_j <= t_i} - #{j in caller: t_j <= t_i - W}, found by
    binary search on one composite key code * 2**shift + (t + W) that keeps callers apart.
    """
    if len(codes) == 0:
        return {"callers": 0, "total": 0, "episodes": 0, "qualifying_contacts": 0}
    shift = (int(times.max()) + window).bit_length()
    assert int(times.min()) >= 0 and int(codes.min()) >= 0
    assert int(codes.max()).bit_length() + shift <= 62, "codes and times too wide for the reference"
    comp = (codes.astype(np.int64) << shift) + (times.astype(np.int64) + window)
    assert np.all(comp[1:] >= comp[:-1]), "reference input must be sorted by (code, time)"
    upper = np.searchsorted(comp, comp, side="right")
    lower = np.searchsorted(comp, comp - window, side="right")  # first j with t_j > t_i - W
    counts = upper - lower
    qual = counts >= THRESHOLD
    callers = int(np.unique(codes[qual]).size)
    total = int(counts.sum())
    # Episodes: qualifying windows, in time order per caller, chain while a window's earliest
    # contact is no later than the caller's previous qualifying contact.
    qi = np.flatnonzero(qual)
    episodes = 0
    if qi.size:
        earliest = times[lower[qi]]
        qcodes = codes[qi]
        prev_t = np.empty_like(earliest)
        prev_t[1:] = times[qi[:-1]]
        new_caller = np.ones(qi.size, dtype=bool)
        new_caller[1:] = qcodes[1:] != qcodes[:-1]
        opens = new_caller | (earliest > prev_t)
        episodes = int(opens.sum())
    return {
        "callers": callers,
        "total": total,
        "episodes": episodes,
        "qualifying_contacts": int(qual.sum()),
    }


def brute_force(rows: list[tuple[str | None, int]]) -> dict:
    """The contract, literally: rows are (caller_key, received_at in microseconds)."""
    by_caller: dict[str, list[int]] = {}
    for key, t in rows:
        if key is not None:
            by_caller.setdefault(key, []).append(t)
    callers = total = episodes = 0
    for times in by_caller.values():
        times.sort()
        counts = [sum(1 for u in times if t - WINDOW_US < u <= t) for t in times]
        total += sum(counts)
        qualifying = [(t, c) for t, c in zip(times, counts) if c >= THRESHOLD]
        if qualifying:
            callers += 1
        # episodes: chain windows whose spans [earliest in window, t] share an instant
        spans = sorted(
            (min(u for u in times if t - WINDOW_US < u <= t), t) for t, _ in qualifying
        )
        end = None
        for start, stop in spans:
            if end is None or start > end:
                episodes += 1
                end = stop
            else:
                end = max(end, stop)
    return {"callers": callers, "total": total, "episodes": episodes}


def machine_noise() -> dict:
    """Load average and the number of compiler processes running (other builds)."""
    compilers = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            name = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            continue
        if name in ("rustc", "cargo", "cc", "cc1", "cc1plus", "ld", "rust-lld"):
            compilers += 1
    return {"loadavg": list(os.getloadavg()), "compiler_processes": compilers}
