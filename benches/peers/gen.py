"""Generate a synthetic `contacts` table of N rows for the peers benchmark.

    python3 benches/peers/gen.py --rows 10M [--out bench-data] [--seed 1] [--force]

Writes, in --out:
  contacts_<N>_unsorted.parquet   in time order, as archives are
  contacts_<N>_sorted.parquet     sorted by caller_key (NULLS LAST), received_at; the order
                                   is not declared in the file (no Parquet sorting columns)
  snapshot_<N>/<id>/...            an Engage snapshot: the same sorted rows with the Parquet
                                   sorting columns set (as Engage's writer does), an empty
                                   `rejects` table and a minimal manifest.json
  contacts_<N>.truth.json          the reference answer (numpy, independent of every engine)

Shape: ~3 years (2022-01-01 .. 2024-12-31 UTC), callers about 17% of N with a heavy tail
(about half call once; a Zipf-like tail calls hundreds of times, capped at 1500, each caller
spread over 1 to 90 days per call; 1 in 20 callers with 5+ calls calls in bursts of 3..15
calls within 0.5..5 days), ~7% of contacts without a caller key
(withheld or unavailable), times to the second (as an ACD exports them). Caller keys are
made-up numbers '+447700' + 8 digits. Every column of the snapshot's schema is there:
contact_id, agency, line, cli_status, outcome filled; category for ~30%; the rest NULL.

Vectorised with numpy/pyarrow, written in row groups of 1M rows (zstd level 3, page
statistics, as Engage's snapshot writer does), so 100M rows fit in a few GB of memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

T0 = int(dt.datetime(2022, 1, 1, tzinfo=dt.timezone.utc).timestamp())
DAYS = 1096
SPAN_S = DAYS * 86_400
ROW_GROUP = 1_000_000
CALLER_SHARE = 0.17
NULL_SHARE = 0.07
CAP = 1500
KEY_DIGITS = 8
KEY_SPACE = 10**KEY_DIGITS
# a bijection of [0, 10^8): code -> made-up subscriber number (odd, not a multiple of 5)
KEY_MUL = 48_271_397
KEY_ADD = 13_579_246

CATEGORIES = [
    "Concern for welfare",
    "Mental health",
    "Silent call",
    "Abandoned call",
    "Assault",
    "Harassment",
    "Criminal damage",
    "Theft",
    "Domestic abuse",
    "Hoax or nuisance",
]


def log(msg: str) -> None:
    print(f"[gen] {msg}", file=sys.stderr, flush=True)


def splitmix64(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = x.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def calls_per_caller(rng: np.random.Generator, callers: int, keyed: int) -> np.ndarray:
    """Discrete Pareto counts floor(u^(-1/a)) capped at CAP, a chosen so they sum to `keyed`."""
    u = rng.random(callers)
    lo, hi = 0.3, 8.0
    for _ in range(60):
        a = (lo + hi) / 2
        s = np.minimum(np.floor(u ** (-1 / a)), CAP).sum()
        if s > keyed:
            lo = a
        else:
            hi = a
    counts = np.minimum(np.floor(u ** (-1 / hi)), CAP).astype(np.int64)
    # land exactly on `keyed` by nudging callers who already call more than once
    diff = keyed - int(counts.sum())
    if diff:
        multi = np.flatnonzero(counts > 1 if diff < 0 else counts >= 1)
        pick = rng.choice(multi, size=abs(diff), replace=abs(diff) > multi.size)
        np.add.at(counts, pick, 1 if diff > 0 else -1)
        counts = np.maximum(counts, 1)
    return counts


def caller_times(rng: np.random.Generator, counts: np.ndarray) -> np.ndarray:
    """Seconds since T0 for every keyed contact, grouped by caller (caller 0's first)."""
    callers = counts.size
    keyed = int(counts.sum())
    caller = np.repeat(np.arange(callers, dtype=np.int32), counts)
    offsets = np.zeros(callers + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    rank = np.arange(keyed, dtype=np.int64) - offsets[:-1][caller]

    # each caller is active over a span that grows with their calls: a log-uniform 1 to 90
    # days per call (at least a day, at most the 3 years)
    per_call = np.exp(rng.uniform(np.log(1 * 86_400), np.log(90 * 86_400), callers))
    span = np.clip(counts * per_call, 86_400, SPAN_S).astype(np.int64)
    start = (rng.random(callers) * (SPAN_S - span)).astype(np.int64)
    # some callers with 5+ calls (1 in 20) call in bursts of 3..15 calls within 0.5..5 days
    bursty = (counts >= 5) & (rng.random(callers) < 0.05)
    burst_size = rng.integers(3, 16, callers)
    bursts = np.where(bursty, -(-counts // burst_size), 0)
    burst_off = np.zeros(callers + 1, dtype=np.int64)
    np.cumsum(bursts, out=burst_off[1:])
    nb = int(burst_off[-1])
    burst_len = rng.uniform(0.5 * 86_400, 5 * 86_400, nb).astype(np.int64)
    burst_owner = np.repeat(np.arange(callers), bursts)
    burst_start = start[burst_owner] + (
        rng.random(nb) * np.maximum(span[burst_owner] - burst_len, 0)
    ).astype(np.int64)
    del burst_owner

    t = np.empty(keyed, dtype=np.int64)
    u = rng.random(keyed)
    is_b = bursty[caller]
    plain = ~is_b
    t[plain] = start[caller[plain]] + (u[plain] * span[caller[plain]]).astype(np.int64)
    bi = np.flatnonzero(is_b)
    if bi.size:
        cb = caller[bi]
        b = burst_off[cb] + rank[bi] // burst_size[cb]
        t[bi] = burst_start[b] + (u[bi] * burst_len[b]).astype(np.int64)
    np.clip(t, 0, SPAN_S - 1, out=t)
    return t


def build_chunk(idx: np.ndarray, codes: np.ndarray, secs: np.ndarray) -> pa.Table:
    """Rows for contact indices `idx` (time-order positions), caller codes (-1: none), times."""
    n = idx.size
    h = splitmix64(idx.astype(np.uint64) + np.uint64(0x5EED))
    b = lambda shift: ((h >> np.uint64(shift)) & np.uint64(0xFF)).astype(np.int32)  # noqa: E731
    no_key = codes < 0

    agency_code = np.where(b(0) < 8, 1, np.where(b(0) < 13, 2, 0))  # police 95%
    agency = pa.array(["police", "fire", "ambulance"]).take(pa.array(agency_code))
    line_code = np.where((agency_code == 0) & (b(8) >= 100), 1, 0)  # 999 / 101
    line = pa.array(["999", "101"]).take(pa.array(line_code))
    cli_code = np.where(no_key, np.where(b(24) < 200, 1, 2), 0)
    cli = pa.array(["present", "withheld", "unavailable"]).take(pa.array(cli_code))
    oc = b(16)
    outcome_code = np.where(oc < 218, 0, np.where(oc < 248, 1, 2))
    outcome = pa.array(["answered", "abandoned", "transferred"]).take(pa.array(outcome_code))
    cat_idx = (h >> np.uint64(40)).astype(np.int64) % len(CATEGORIES)
    category = pa.array(CATEGORIES).take(
        pa.array(cat_idx, mask=b(32) >= 77)
    )

    contact_id = pc.binary_join_element_wise(
        "C", pc.utf8_lpad(pc.cast(pa.array(idx), pa.string()), 10, "0"), ""
    )
    with np.errstate(over="ignore"):
        num = (codes.astype(np.int64) * KEY_MUL + KEY_ADD) % KEY_SPACE
    caller_key = pc.binary_join_element_wise(
        "+447700",
        pc.utf8_lpad(pc.cast(pa.array(num, mask=no_key), pa.string()), KEY_DIGITS, "0"),
        "",
    )
    received = pa.array((secs + T0) * 1_000_000, pa.int64()).cast(pa.timestamp("us", tz="UTC"))
    nulls = lambda t: pa.nulls(n, t)  # noqa: E731
    schema = common.contacts_schema()
    cols = {
        "contact_id": contact_id,
        "agency": agency,
        "line": line,
        "received_at": received,
        "caller_key": caller_key,
        "cli_status": cli,
        "outcome": outcome,
        "wait_s": nulls(pa.int32()),
        "talk_s": nulls(pa.int32()),
        "recording_id": nulls(pa.string()),
        "incident_id": nulls(pa.string()),
        "category": category,
        "closing_category": nulls(pa.string()),
        "grade": nulls(pa.int8()),
        "postcode": nulls(pa.string()),
        "address_key": nulls(pa.string()),
        "csu": nulls(pa.string()),
    }
    return pa.Table.from_arrays([cols[f.name] for f in schema], schema=schema)


def write_parquet(path: Path, order: np.ndarray | None, codes, secs, sorted_: bool) -> None:
    """Writes rows in `order` (indices into the time-ordered arrays; None = as they are)."""
    tmp = path.with_name(path.name + ".tmp")
    sorting = (
        [pq.SortingColumn(4, descending=False, nulls_first=False),
         pq.SortingColumn(3, descending=False, nulls_first=False)]
        if sorted_
        else None
    )
    with pq.ParquetWriter(
        tmp,
        common.contacts_schema(),
        compression="zstd",
        compression_level=3,
        write_statistics=True,
        write_page_index=True,
        sorting_columns=sorting,
    ) as w:
        n = codes.size
        for lo in range(0, n, ROW_GROUP):
            hi = min(lo + ROW_GROUP, n)
            idx = np.arange(lo, hi) if order is None else order[lo:hi]
            w.write_table(build_chunk(idx, codes[idx], secs[idx]), row_group_size=ROW_GROUP)
    os.replace(tmp, path)


def write_snapshot(root: Path, rows: int, seed: int, write_contacts) -> Path:
    """An Engage snapshot: <root>/<id>/contacts/part-00000.parquet (written by
    `write_contacts(path)`: the sorted rows, with the Parquet sorting columns set as Engage's
    writer sets them), rejects/part-00000.parquet (empty), manifest.json last (the fields of
    crates/snapshot/src/manifest.rs)."""
    snap_id = hashlib.sha256(
        f"bench-peers {rows} {seed} v{common.GENERATOR_VERSION}".encode()).hexdigest()[:16]
    if root.exists():
        shutil.rmtree(root)
    d = root / snap_id
    (d / "contacts").mkdir(parents=True)
    (d / "rejects").mkdir()
    write_contacts(d / "contacts" / "part-00000.parquet")
    pq.write_table(common.rejects_schema().empty_table(), d / "rejects" / "part-00000.parquet",
                   compression="zstd")
    manifest = {
        "snapshot_id": snap_id,
        "created_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "schema_version": 1,
        "sources": {},
        "counts": {},
        "contacts": rows,
        "rejects": 0,
        "pseudonymised": False,
        "sort_order": ["caller_key ASC NULLS LAST", "received_at ASC"],
        "tables": {
            "contacts": ["contacts/part-00000.parquet"],
            "rejects": ["rejects/part-00000.parquet"],
        },
        "synthetic": True,
    }
    (d / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return d


def generate(rows: int, out: Path, seed: int = 1, force: bool = False) -> dict:
    p = common.paths(rows, out)
    if not force and p["truth"].exists() and p["unsorted"].exists() and p["sorted"].exists():
        truth = json.loads(p["truth"].read_text())
        if truth.get("generator_version") == common.GENERATOR_VERSION and truth.get("seed") == seed:
            snaps = list(p["snapshot"].glob("*/manifest.json"))
            if snaps:
                log(f"{common.size_label(rows)}: up to date, not regenerated")
                return truth
    out.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()
    rng = np.random.default_rng(seed)
    callers = max(1, round(rows * CALLER_SHARE))
    keyed = min(rows - round(rows * NULL_SHARE), rows)
    keyed = max(keyed, callers)
    counts = calls_per_caller(rng, callers, keyed)
    # the code of a caller is its position in caller_key order, so sorting by code sorts
    # by caller_key; shuffle which caller gets which count pattern
    perm = rng.permutation(callers)
    counts = counts[perm]
    log(f"{common.size_label(rows)}: {callers} callers, {keyed} keyed contacts, "
        f"max {counts.max()} calls, {(counts == 1).mean():.0%} call once")
    secs_k = caller_times(rng, counts)
    codes_k = np.repeat(np.arange(callers, dtype=np.int32), counts)
    # code -> number: codes are assigned in number order, so code order == caller_key order
    # (the bijection's image, sorted, gives each code its number)
    nulls = rows - keyed
    secs = np.concatenate([secs_k, rng.integers(0, SPAN_S, nulls)])
    codes = np.concatenate([codes_k, np.full(nulls, -1, np.int32)])
    del secs_k, codes_k

    # the reference answer from keyed contacts sorted by (code, time)
    keyed_order = np.lexsort((secs[:keyed], codes[:keyed]))
    truth = common.reference_sorted(
        codes[:keyed][keyed_order], secs[:keyed][keyed_order], common.WINDOW_S
    )
    del keyed_order
    log(f"reference: {truth}")

    # archive order: by time (ties in a random but fixed order)
    tie = rng.permutation(rows)
    time_order = np.lexsort((tie, secs))
    del tie
    secs = secs[time_order]
    codes = codes[time_order]
    del time_order
    # caller numbers: code c gets the c-th smallest number of the bijection, so that sorting
    # by code is sorting by caller_key
    numbers = np.sort((np.arange(callers, dtype=np.int64) * KEY_MUL + KEY_ADD) % KEY_SPACE)
    # store codes so that build_chunk's bijection yields numbers[code]: invert the bijection
    # on the sorted numbers (KEY_MUL is invertible mod 10^8)
    mul_inv = pow(KEY_MUL, -1, KEY_SPACE)
    pre = ((numbers - KEY_ADD) % KEY_SPACE * mul_inv) % KEY_SPACE  # code' with f(code') = number
    key_codes = np.where(codes >= 0, pre[np.maximum(codes, 0)], -1)
    del numbers, pre

    log("writing unsorted (time order)")
    write_parquet(p["unsorted"], None, key_codes, secs, sorted_=False)
    log("writing sorted (caller_key NULLS LAST, received_at), order not declared")
    # sort key: caller code (nulls last) then time; codes < 2^25, secs < 2^27
    sort_key = (np.where(codes >= 0, codes, callers).astype(np.int64) << 27) | secs
    sorted_order = np.argsort(sort_key, kind="stable")
    del sort_key
    write_parquet(p["sorted"], sorted_order, key_codes, secs, sorted_=False)
    log("writing the snapshot (the same rows, sorting columns declared)")
    snap = write_snapshot(
        p["snapshot"], rows, seed,
        lambda path: write_parquet(path, sorted_order, key_codes, secs, sorted_=True))
    del sorted_order
    truth.update(
        {
            "rows": rows,
            "keyed_rows": keyed,
            "null_rows": nulls,
            "caller_count": callers,
            "max_calls": int(counts.max()),
            "seed": seed,
            "generator_version": common.GENERATOR_VERSION,
            "rule": f"{common.THRESHOLD}/7d",
            "snapshot": str(snap.relative_to(out)),
            "generated_in_s": round(time.perf_counter() - t_start, 1),
        }
    )
    p["truth"].write_text(json.dumps(truth, indent=2) + "\n")
    log(f"{common.size_label(rows)}: done in {truth['generated_in_s']} s")
    return truth


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", required=True, help="1M, 10M, 100M, 250k, ...")
    ap.add_argument("--out", default=str(common.BENCH_DATA))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--force", action="store_true", help="regenerate even if up to date")
    a = ap.parse_args()
    truth = generate(common.parse_size(a.rows), Path(a.out), a.seed, a.force)
    print(json.dumps(truth))


if __name__ == "__main__":
    main()
