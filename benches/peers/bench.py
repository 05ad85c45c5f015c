"""Engage against its peers: the rolling 7-day count per caller, then the callers with a
contact counted >= 10, on DuckDB, Polars, chDB, DataFusion (python) and Engage (`engage sql`);
or, with `--job publish`, `engage publish` against a DuckDB script on raw exports (publish.py).

    python3 benches/peers/bench.py [--job window|publish] [--sizes 1M,10M[,100M]] [--rounds 3]
                                   [--quick] [--self-test] [--engines a,b] [--files a,b]
                                   [--timeout S]

Usually run through scripts/bench-peers, which installs the peers and builds `engage` first.
See benches/peers/README.md for what is measured and how.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import engines  # noqa: E402
import gen  # noqa: E402


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def versions() -> dict:
    out = {"python": platform.python_version()}
    for mod in ("duckdb", "polars", "chdb", "datafusion", "pyarrow", "numpy"):
        try:
            out[mod] = __import__(mod).__version__
        except Exception as e:  # noqa: BLE001
            out[mod] = f"missing ({e})"
    try:
        out["engage_commit"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=common.REPO, capture_output=True,
            text=True, check=True).stdout.strip()
    except Exception:  # noqa: BLE001
        out["engage_commit"] = "?"
    if os.environ.get("ENGAGE_BIN"):  # another build: the commit above is the harness's
        out["engage_bin"] = str(common.ENGAGE_BIN)
    if common.ENGAGE_BIN.exists():
        out["engage_binary_built"] = dt.datetime.fromtimestamp(
            common.ENGAGE_BIN.stat().st_mtime).isoformat(timespec="seconds")
    return out


def machine() -> dict:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        mem_gb = round(int(mem) / 1024 / 1024, 1)
    except OSError:
        mem_gb = None
    return {"cpus": os.cpu_count(), "cpu": cpu, "mem_gb": mem_gb, "kernel": platform.release()}


# --------------------------------------------------------------------------------------------
# EXPLAIN: does DataFusion sort for the window?


def plan_summary(plan: str) -> dict:
    lines = plan.splitlines()
    sorts = [ln.strip() for ln in lines if re.search(r"\bSortExec\b", ln)]
    windows = sorted({m.group(0) for ln in lines
                      for m in [re.search(r"\b((Bounded)?WindowAggExec|EngageWholeTableWindowExec|EngageDetectionExec)\b", ln)] if m})
    return {
        "sort_exec": len(sorts),
        "sorts": sorts,
        "window_ops": windows,
        "repartition": sum(1 for ln in lines if "RepartitionExec" in ln),
        "spm": sum(1 for ln in lines if "SortPreservingMergeExec" in ln),
        "keeps_order": sum(1 for ln in lines if "RepartitionExec" in ln and "preserve_order=true" in ln),
    }


def explain_engage(engine, kind: str, p: dict) -> str:
    sql = common.EPISODES_SQL if engine.kind == "engage-episodes" else common.job_sql(engine.window)
    cmd = engines.engage_command(engine, kind, p, sql=engine.setup + "EXPLAIN " + sql)
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=common.REPO, timeout=300)
    if res.returncode != 0:
        return f"EXPLAIN failed: {res.stderr.strip()}"
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    return "\n".join(r["plan"] for r in rows if r.get("plan_type") == "physical_plan") or res.stdout


def explain_datafusion_py(kind: str, p: dict) -> str:
    import worker

    ctx = worker.datafusion_context(
        str(common.snapshot_part(p) if kind == "snapshot" else p[kind]), kind)
    batches = ctx.sql("EXPLAIN " + common.job_sql(common.DF_WINDOW)).collect()
    rows = [r for b in batches for r in b.to_pylist()]
    return "\n".join(r["plan"] for r in rows if r["plan_type"] == "physical_plan")


def explain_all(label: str, p: dict, out_dir: Path, chosen: list) -> list[dict]:
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    found = []
    for engine in chosen:
        if engine.kind == "peer" and engine.name != "datafusion-py":
            continue
        for kind in engine.files:
            if engine.kind == "peer":
                plan = explain_datafusion_py(kind, p)
            else:
                plan = explain_engage(engine, kind, p)
            (out_dir / f"{kind}--{engine.name}.txt").write_text(plan + "\n")
            found.append({"size": label, "file": kind, "query": engine.label, **plan_summary(plan)})
    return found


# --------------------------------------------------------------------------------------------


def fmt(x: float | None, digits: int = 2) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def summarise(runs: list[dict], truth_by_size: dict, rounds: int) -> list[dict]:
    groups: dict[tuple, list[dict]] = {}
    for r in runs:
        groups.setdefault((r["size"], r["file"], r["engine"]), []).append(r)
    rows = []
    for (size, kind, name), rs in groups.items():
        walls = [r["wall_s"] for r in rs]
        inners = [r["inner_s"] for r in rs if r["inner_s"] is not None]
        skipped = sorted({r["skipped"] for r in rs if r.get("skipped")})
        bad = [r for r in rs if not r["ok"] and not r.get("skipped")]
        rows.append({
            "size": size, "file": kind, "engine": name,
            "label": engines.BY_NAME[name].label,
            "median_s": statistics.median(walls), "min_s": min(walls),
            "inner_median_s": statistics.median(inners) if inners else None,
            "peak_rss_mb": max(r["rss_mb"] for r in rs),
            "runs": len(rs), "valid": not bad and not skipped,
            "failed": bool(bad), "skipped": "; ".join(skipped),
            "answer": rs[-1]["answer"], "why": "; ".join(sorted({r["why"] for r in bad})),
        })
    # ratios against the fastest valid peer on the same bytes: of all peers (DuckDB, Polars,
    # chDB), and of DuckDB and Polars, the pair the issues' targets were set against
    for row in rows:
        peer_file = "sorted" if row["file"] == "snapshot" else row["file"]

        def fastest(names: tuple[str, ...]) -> float | None:
            times = [x["median_s"] for x in rows if x["size"] == row["size"]
                     and x["file"] == peer_file and x["engine"] in names and x["valid"]]
            return min(times) if times else None

        row["best_peer_s"] = fastest(engines.PEERS)
        for field, best in (("ratio", row["best_peer_s"]),
                            ("ratio_duckdb_polars", fastest(("duckdb", "polars")))):
            row[field] = row["median_s"] / best if best and row["valid"] else None
    order = {n: i for i, n in enumerate(e.name for e in engines.ENGINES)}
    size_order = {s: i for i, s in enumerate(truth_by_size)}
    rows.sort(key=lambda r: (size_order[r["size"]], engines.FILES.index(r["file"]), order[r["engine"]]))
    return rows


def markdown(rows: list[dict], meta: dict, explains: list[dict]) -> str:
    out = []
    out.append(f"# Engage against its peers — {meta['started']}\n")
    out.append(f"Command: `{meta['command']}`\n")
    out.append("Job (identical for every engine): rolling 7-day count per caller, window "
               "(t - 7d, t], ties share a count, NULL keys excluded; then the number of callers "
               f"with a contact counted >= {common.THRESHOLD}, and the sum of all counts "
               "(a per-row checksum). `engage episodes` answers `SELECT count(*), "
               "count(DISTINCT caller_key) FROM episodes` instead (its callers must equal the "
               "job's, its episodes the reference's).\n")
    out.append("| size | file | engine | median s | min s | in-process median s | peak RSS MB | "
               "vs best peer | vs DuckDB/Polars | answer |")
    out.append("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for r in rows:
        if r["valid"]:
            a = r["answer"]
            ans = ("ok: " + ", ".join(f"{k} {v:,}" for k, v in a.items()))
        elif r["skipped"] and not r["failed"]:
            ans = f"skipped (no time counts): {r['skipped']}"
        else:
            ans = f"**MISMATCH / FAILED: {r['why']}**"
        def shown(ratio):
            if not r["valid"]:
                return "skipped" if r["skipped"] and not r["failed"] else "invalid"
            return fmt(ratio) + "×" if ratio else "–"
        out.append(
            f"| {r['size']} | {r['file']} | {r['label']} | {fmt(r['median_s'])} | {fmt(r['min_s'])} | "
            f"{fmt(r['inner_median_s'])} | {r['peak_rss_mb']:.0f} | {shown(r['ratio'])} | "
            f"{shown(r.get('ratio_duckdb_polars'))} | {ans} |")
    out.append("")
    out.append("Columns: wall time of the whole process (median and min over the rounds; "
               "start-up and Parquet reading included for every engine: the `engage` CLI, and "
               "each peer in a fresh `python3 worker.py` process). *In-process* is the peer's "
               "own time from after its imports to the answer. *Peak RSS* is the measured "
               "process's ru_maxrss from os.wait4, taken in a small launcher (launch.py) so the "
               "harness's own memory is not inherited (floor ~8 MB); largest over the rounds; "
               "for peers it includes the Python interpreter and the library. *vs best peer* is median / the faster "
               "of DuckDB, Polars and chDB on the same file (>1 means slower than the best peer); "
               "*vs DuckDB/Polars* is the same over the faster of DuckDB and Polars alone; "
               "`snapshot` holds the same rows in the same order as `sorted`, with the sort "
               "order declared (Parquet sorting columns and `--data`), so its ratio is against "
               "the peers on `sorted`; `sorted` declares nothing. A run whose answer "
               "differs from the reference is invalid and has no ratio; an engine that cannot "
               "express the job exactly on a file says so and is *skipped* (chDB on times "
               "with sub-millisecond parts), its time not counted.\n")
    out.append("## References (numpy, from the generator, checked against a brute force by "
               "`--self-test`)\n")
    for size, t in meta["truth"].items():
        out.append(f"- {size}: {t['rows']:,} rows, {t['keyed_rows']:,} with a caller key, "
                   f"{t['caller_count']:,} callers (max {t['max_calls']} calls); callers >= "
                   f"{common.THRESHOLD}/7d: {t['callers']:,}; sum of counts: {t['total']:,}; "
                   f"episodes: {t['episodes']:,}")
    out.append("")
    if explains:
        out.append("## EXPLAIN: does DataFusion sort for the window?\n")
        out.append("| size | file | query | SortExec | window operator | RepartitionExec "
                   "(of which order-preserving) | SortPreservingMergeExec |")
        out.append("| --- | --- | --- | ---: | --- | ---: | ---: |")
        for e in explains:
            out.append(f"| {e['size']} | {e['file']} | {e['query']} | {e['sort_exec']} | "
                       f"{', '.join(e['window_ops']) or '–'} | {e['repartition']} "
                       f"({e['keeps_order']}) | {e['spm']} |")
        out.append(f"\nFull plans: `{meta.get('explain_dir', '')}`.\n")
    out.append("## Conditions\n")
    m = meta["machine"]
    out.append(f"- machine: {m['cpus']} CPUs ({m['cpu']}), {m['mem_gb']} GB, Linux {m['kernel']}")
    out.append("- versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()))
    out.append(f"- rounds: {meta['rounds']} per (size, file, engine), interleaved, the order "
               "rotated each round; files read once before timing (page cache warm)")
    for size, n in meta["noise"].items():
        out.append(f"- noise during {size}: load average before {n['before']['loadavg'][0]:.2f}, "
                   f"after {n['after']['loadavg'][0]:.2f}; compiler processes (other builds) "
                   f"before {n['before']['compiler_processes']}, after "
                   f"{n['after']['compiler_processes']}")
    out.append("- the machine is shared and noisy (other sessions build); treat differences "
               "under ~15% as noise")
    return "\n".join(out) + "\n"


def warm(paths_: dict) -> None:
    for kind in ("unsorted", "sorted"):
        with open(paths_[kind], "rb") as f:
            while f.read(1 << 24):
                pass


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--job", choices=("window", "publish"), default="window",
                    help="window: the rolling 7-day count on contacts (default); publish: raw "
                         "exports to Parquet, engage publish vs a DuckDB script")
    ap.add_argument("--sizes", default=None,
                    help="comma-separated, e.g. 1M,10M,100M: contacts for the window job "
                         "(default 1M,10M), ACD calls for publish (default 1M)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="1M only, 1 round")
    ap.add_argument("--self-test", action="store_true", help="tiny data, every engine vs brute force")
    ap.add_argument("--engines", default=None,
                    help="window: " + ",".join(e.name for e in engines.ENGINES)
                         + " (default all); publish: engage,duckdb")
    ap.add_argument("--files", default=",".join(engines.FILES))
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per measurement")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-explain", action="store_true")
    ap.add_argument("--out", default=str(common.BENCH_DATA))
    a = ap.parse_args()

    if not common.ENGAGE_BIN.exists():
        log(f"{common.ENGAGE_BIN} is missing: run scripts/bench-peers (or "
            "cargo build --release -p engage-cli) first")
        return 2
    if a.self_test and a.job == "window":
        import selftest

        return selftest.main()
    if a.quick:
        a.sizes, a.rounds = "1M", 1
    if a.job == "publish":
        import publish

        if a.self_test:  # small exports, one round: both outputs must hold the truth's contacts
            a.sizes, a.rounds = "20k", 1
            a.out = str(Path(a.out) / "selftest")
        a.sizes = a.sizes or "1M"
        a.engines = a.engines or ",".join(publish.ENGINES)
        return publish.main(a, machine(), versions())
    a.sizes = a.sizes or "1M,10M"
    a.engines = a.engines or ",".join(e.name for e in engines.ENGINES)

    out = Path(a.out)
    sizes = [common.parse_size(s) for s in a.sizes.split(",") if s.strip()]
    chosen = [engines.BY_NAME[n.strip()] for n in a.engines.split(",") if n.strip()]
    files = [f.strip() for f in a.files.split(",") if f.strip()]
    started = dt.datetime.now()
    meta = {
        "started": started.isoformat(timespec="seconds"),
        "command": " ".join(["scripts/bench-peers", *sys.argv[1:]]),
        "rounds": a.rounds, "machine": machine(), "versions": versions(),
        "truth": {}, "noise": {},
    }
    paths_by_size = {}
    for n in sizes:
        label = common.size_label(n)
        log(f"== data {label}")
        meta["truth"][label] = gen.generate(n, out, seed=a.seed)
        paths_by_size[label] = common.paths(n, out)

    explains = []
    if not a.no_explain:
        first = common.size_label(sizes[0])
        edir = out / f"explain-{first}"
        log(f"== EXPLAIN on {first} (plans in {edir})")
        explains = explain_all(first, paths_by_size[first], edir, chosen)
        meta["explain_dir"] = str(edir.relative_to(common.REPO) if edir.is_relative_to(common.REPO) else edir)
        for e in explains:
            log(f"   {e['file']:8} {e['query']:34} SortExec x{e['sort_exec']} {e['window_ops']}")

    runs = []
    for n in sizes:
        label = common.size_label(n)
        p, truth = paths_by_size[label], meta["truth"][label]
        warm(p)
        tasks = [(e, k) for k in files for e in chosen if k in e.files]
        before = common.machine_noise()
        for rnd in range(a.rounds):
            shift = (rnd * len(tasks)) // max(a.rounds, 1)
            order = tasks[shift:] + tasks[:shift]
            for engine, kind in order:
                r = engines.run_once(engine, kind, p, truth, a.timeout)
                r.update({"size": label, "round": rnd + 1})
                runs.append(r)
                flag = ("ok" if r["ok"] else f"skipped: {r['skipped']}" if r["skipped"]
                        else f"!!! MISMATCH/FAILED: {r['why']}")
                log(f"[{label} r{rnd + 1}] {kind:8} {engine.name:17} {r['wall_s']:8.2f} s "
                    f"{r['rss_mb']:7.0f} MB  {flag}")
        meta["noise"][label] = {"before": before, "after": common.machine_noise()}

    rows = summarise(runs, meta["truth"], a.rounds)
    md = markdown(rows, meta, explains)
    stamp = started.strftime("%Y-%m-%d")
    md_path = out / f"results-{stamp}.md"
    if md_path.exists():
        stamp = started.strftime("%Y-%m-%d-%H%M%S")
        md_path = out / f"results-{stamp}.md"
    md_path.write_text(md)
    (out / f"results-{stamp}.json").write_text(json.dumps(
        {"meta": meta, "summary": rows, "runs": runs, "explain": explains}, indent=2, default=str) + "\n")
    print(md)
    log(f"written {md_path} and {md_path.with_suffix('.json')}")
    bad = [r for r in rows if r["failed"]]
    if bad:
        log("!!! " + "; ".join(f"{r['size']} {r['file']} {r['engine']}: {r['why']}" for r in bad))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
