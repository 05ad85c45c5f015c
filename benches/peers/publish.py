"""The publish job: `engage publish` against a DuckDB SQL script doing a simpler version of the
same work (issue 14), on raw exports written by `engage generate`.

    scripts/bench-peers --job publish [--sizes 1M,5M] [--rounds 3] [--engines engage,duckdb]

A size is the number of ACD calls asked of `engage generate` (`--contacts N --days 365
--start 2025-01-01`); the exports are kept in `<out>/exports_<N>/` and reused. Every
measurement is a fresh process, its output folder emptied first (not timed); rounds are
interleaved; the table gives medians, minima, peak RSS (launch.py, as for the window job) and
engage's median over DuckDB's.

A time counts only when its output's contact rows (counted from the Parquet footers, not from
either engine's report) equal the generator's truth: for the ACD and partner exports, rows
written less the exact repeats and the rows the generator made unreadable (cut short, bad
times, unreadable numbers, times in the spring hour that does not exist), from
`generate_summary.json`.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import engines  # noqa: E402

HERE = Path(__file__).resolve().parent
WORKER = HERE / "publish_worker.py"
SCRIPT = HERE / "publish_duckdb.sql"
ENGINES = {
    "engage": "`engage publish`",
    "duckdb": "DuckDB script (`publish_duckdb.sql`)",
}
#: how `engage generate` is asked for the exports (the size is --contacts)
GENERATE_OPTIONS = ["--days", "365", "--start", "2025-01-01"]
#: the generator's dirt (per source, in generate_summary.json) that makes a row unpublishable
UNREADABLE = ("short_rows", "bad_times", "unparseable_phones", "spring_gap_rows")
EXPORTS = ("acd_calls.csv", "recordings.csv", "incident_calls.csv", "partner_contacts.csv")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def exports_dir(calls: int, root: Path) -> Path:
    return root / f"exports_{common.size_label(calls)}"


def generate(calls: int, root: Path, seed: int) -> Path:
    """The exports for `calls` ACD calls, generated once (kept while the options match)."""
    raw = exports_dir(calls, root)
    options = [str(common.ENGAGE_BIN), "generate", "--out", str(raw), "--contacts", str(calls),
               *GENERATE_OPTIONS, "--seed", str(seed)]
    stamp = raw / "bench_generate.json"
    wanted = {"options": options[1:]}
    if stamp.exists() and json.loads(stamp.read_text()) == wanted \
            and (raw / "generate_summary.json").exists():
        return raw
    if raw.exists():
        shutil.rmtree(raw)
    log(f"[publish] generating {calls:,} ACD calls into {raw}")
    subprocess.run(options, check=True, stdout=subprocess.DEVNULL, cwd=common.REPO)
    stamp.write_text(json.dumps(wanted) + "\n")
    return raw


def truth(raw: Path) -> dict:
    """What both outputs must hold, from the generator's own summary."""
    summary = json.loads((raw / "generate_summary.json").read_text())["summary"]

    def publishable(source: str) -> int:
        s = summary[source]
        return s["rows"] - s["dirt"]["duplicates"] - sum(s["dirt"][k] for k in UNREADABLE)

    acd, partners = publishable("acd"), publishable("partners")
    return {
        "contacts": acd + partners,
        "acd_contacts": acd,
        "partner_contacts": partners,
        "raw_rows": sum(summary[s]["rows"] for s in ("acd", "recordings", "incidents", "partners")),
        "export_mb": sum((raw / f).stat().st_size for f in EXPORTS) / 1e6,
    }


def command(engine: str, raw: Path, out: Path) -> list[str]:
    if engine == "engage":
        return [str(common.ENGAGE_BIN), "publish", "--raw", str(raw), "--out", str(out)]
    return [sys.executable, str(WORKER), str(raw), str(out / "contacts.parquet")]


def contact_files(engine: str, out: Path) -> list[Path]:
    """The Parquet files of contacts an engine wrote into `out`."""
    if engine == "duckdb":
        return [out / "contacts.parquet"]
    manifests = list(out.glob("*/manifest.json"))
    if len(manifests) != 1:
        raise FileNotFoundError(f"expected one snapshot in {out}, found {len(manifests)}")
    manifest = json.loads(manifests[0].read_text())
    return [manifests[0].parent / f for f in manifest["tables"]["contacts"]]


def output_counts(engine: str, out: Path, detail: bool = False) -> dict:
    """Contact rows from the Parquet footers; with `detail`, also how many contacts carry a
    recording and an incident (the links; read from the columns)."""
    files = contact_files(engine, out)
    counts = {"contacts": sum(pq.ParquetFile(f).metadata.num_rows for f in files)}
    if detail:
        for column in ("recording_id", "incident_id", "caller_key"):
            counts[f"with_{column}"] = sum(
                len(t) - t.null_count for f in files
                for t in [pq.read_table(f, columns=[column])[column]])
        counts["bytes"] = sum(f.stat().st_size for f in files)
    return counts


COMPARED = ("caller_key", "cli_status", "received_at", "outcome", "wait_s", "talk_s",
            "recording_id", "incident_id", "category", "closing_category", "grade", "postcode",
            "address_key", "line", "agency")


def agreement(out_root: Path) -> dict | None:
    """How far the DuckDB script's contacts differ from Engage's (last round's outputs, not
    timed): contacts in one output only, and per column the contacts (joined on contact_id)
    whose values differ. For the reader: the script is simpler, so some difference is
    expected (autumn clock-change times, links); it is not a check."""
    import duckdb

    try:
        eng = [str(f) for f in contact_files("engage", out_root / "engage")]
        duck = [str(f) for f in contact_files("duckdb", out_root / "duckdb")]
    except FileNotFoundError:
        return None
    con = duckdb.connect()
    con.execute(f"CREATE VIEW e AS SELECT * FROM read_parquet({eng!r})")
    con.execute(f"CREATE VIEW d AS SELECT * FROM read_parquet({duck!r})")
    diff = ", ".join(f"count(*) FILTER (WHERE e.{c} IS DISTINCT FROM d.{c})" for c in COMPARED)
    values = con.execute(f"SELECT {diff} FROM e JOIN d USING (contact_id)").fetchone()
    only = "SELECT count(*) FROM {} ANTI JOIN {} USING (contact_id)"
    return {
        "engage_only": con.execute(only.format("e", "d")).fetchone()[0],
        "duckdb_only": con.execute(only.format("d", "e")).fetchone()[0],
        "columns": dict(zip(COMPARED, values)),
    }


def run_once(engine: str, raw: Path, out: Path, want: dict, timeout: float,
             detail: bool = False) -> dict:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    run = engines.measure(command(engine, raw, out), timeout)
    inner, answer, why = None, None, ""
    if run.timed_out:
        why = "timed out"
    elif run.returncode != 0:
        why = f"exit {run.returncode}: " + " | ".join(run.stderr.strip().splitlines()[-3:])
    else:
        try:
            answer = output_counts(engine, out, detail)
            if engine == "duckdb":
                inner = json.loads(run.stdout.strip().splitlines()[-1])["inner_s"]
        except Exception as e:  # noqa: BLE001
            why = f"unreadable output ({e})"
    if answer is not None and answer["contacts"] != want["contacts"]:
        why = f"contacts {answer['contacts']:,} != truth {want['contacts']:,}"
    return {"engine": engine, "wall_s": run.wall_s, "inner_s": inner, "rss_mb": run.rss_mb,
            "answer": answer, "ok": not why, "why": why}


def fmt(x: float | None, digits: int = 2) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def summarise(runs: list[dict], sizes: list[str]) -> list[dict]:
    rows = []
    for size in sizes:
        for engine in ENGINES:
            rs = [r for r in runs if r["size"] == size and r["engine"] == engine]
            if not rs:
                continue
            bad = [r for r in rs if not r["ok"]]
            inners = [r["inner_s"] for r in rs if r["inner_s"] is not None]
            rows.append({
                "size": size, "engine": engine, "label": ENGINES[engine],
                "median_s": statistics.median(r["wall_s"] for r in rs),
                "min_s": min(r["wall_s"] for r in rs),
                "inner_median_s": statistics.median(inners) if inners else None,
                "peak_rss_mb": max(r["rss_mb"] for r in rs), "runs": len(rs),
                "valid": not bad, "why": "; ".join(sorted({r["why"] for r in bad})),
                "answer": rs[-1]["answer"],
            })
    for row in rows:
        duck = [x for x in rows if x["size"] == row["size"] and x["engine"] == "duckdb"]
        row["vs_duckdb"] = (row["median_s"] / duck[0]["median_s"]
                            if duck and duck[0]["valid"] and row["valid"] else None)
    return rows


def markdown(rows: list[dict], meta: dict) -> str:
    out = [f"# Publish: Engage against a DuckDB script — {meta['started']}\n",
           f"Command: `{meta['command']}`\n",
           "The job: the four raw exports (`engage generate --contacts N --days 365 --start "
           "2025-01-01`) to contacts in Parquet, linked and sorted by caller and time. "
           "`engage publish` writes a snapshot (contacts, rejects, manifest, every row "
           "accounted for); the DuckDB script (`benches/peers/publish_duckdb.sql`) does a "
           "simpler version: no accounting or rejects table, no clock-change rule, no CSU, "
           "simpler links (see the script's head), one zstd Parquet file.\n",
           "| ACD calls | engine | median s | min s | in-process median s | peak RSS MB | "
           "vs DuckDB | contacts | with recording | with incident | answer |",
           "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in rows:
        a = r["answer"] or {}
        ans = "ok: contacts = truth" if r["valid"] else f"**MISMATCH / FAILED: {r['why']}**"
        ratio = "invalid" if not r["valid"] else (fmt(r["vs_duckdb"]) + "×"
                                                  if r["vs_duckdb"] else "–")
        out.append(
            f"| {r['size']} | {r['label']} | {fmt(r['median_s'])} | {fmt(r['min_s'])} | "
            f"{fmt(r['inner_median_s'])} | {r['peak_rss_mb']:.0f} | {ratio} | "
            f"{a.get('contacts', 0):,} | {a.get('with_recording_id', 0):,} | "
            f"{a.get('with_incident_id', 0):,} | {ans} |")
    out.append("")
    out.append("Columns: wall time of the whole process (median and min over the rounds; "
               "start-up included: the `engage` CLI, and `python3 publish_worker.py` for "
               "DuckDB); *in-process* is DuckDB's time after its import. *Peak RSS*: ru_maxrss "
               "from os.wait4 in a small launcher (launch.py), largest over the rounds. "
               "*vs DuckDB*: median / DuckDB's median (>1: slower than DuckDB). *contacts* are "
               "counted from the output's Parquet footers and must equal the generator's truth "
               "before a time counts; *with recording* / *with incident* count the contacts "
               "carrying a link (last round; not checked: the script's links are simpler).\n")
    out.append("## Exports (truth from `generate_summary.json`)\n")
    for size, t in meta["truth"].items():
        out.append(f"- {size}: {t['raw_rows']:,} raw rows in the four exports "
                   f"({t['export_mb']:.0f} MB); contacts {t['contacts']:,} "
                   f"({t['acd_contacts']:,} ACD calls + {t['partner_contacts']:,} partner "
                   "contacts: rows less exact repeats, rows cut short, bad times, unreadable "
                   "numbers and spring-gap times)")
    if meta.get("agreement"):
        out.append("\n## How the script's contacts differ from Engage's (last round; not a "
                   "check)\n")
        out.append("Contacts joined on `contact_id`; per column, the contacts whose values "
                   "differ (`csu` is not compared: the script has none). Expected: `received_at` "
                   "for times in the autumn hour that happens twice (no clock-change rule), the "
                   "links where Engage's rules are finer.\n")
        for size, g in meta["agreement"].items():
            if g is None:
                continue
            cols = ", ".join(f"{c} {n:,}" for c, n in g["columns"].items() if n) or "none"
            out.append(f"- {size}: in Engage's only {g['engage_only']:,}, in DuckDB's only "
                       f"{g['duckdb_only']:,}; columns differing: {cols}")
    out.append("\n## Conditions\n")
    m = meta["machine"]
    out.append(f"- machine: {m['cpus']} CPUs ({m['cpu']}), {m['mem_gb']} GB, Linux {m['kernel']}")
    out.append("- versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()))
    out.append(f"- rounds: {meta['rounds']}, interleaved (the order alternates each round); "
               "exports read once before timing (page cache warm)")
    for size, n in meta["noise"].items():
        out.append(f"- noise during {size}: load average before {n['before']['loadavg'][0]:.2f}, "
                   f"after {n['after']['loadavg'][0]:.2f}; compiler processes (other builds) "
                   f"before {n['before']['compiler_processes']}, after "
                   f"{n['after']['compiler_processes']}")
    out.append("- the machine is shared and noisy (other sessions build); treat differences "
               "under ~15% as noise")
    return "\n".join(out) + "\n"


def warm(raw: Path) -> None:
    for name in EXPORTS:
        with open(raw / name, "rb") as f:
            while f.read(1 << 24):
                pass


def main(a, machine: dict, versions: dict) -> int:
    """`a`: bench.py's parsed arguments (sizes, rounds, engines, timeout, seed, out)."""
    root = Path(a.out).resolve()  # the engines run with the repository as working directory
    sizes = [common.parse_size(s) for s in a.sizes.split(",") if s.strip()]
    chosen = [n.strip() for n in a.engines.split(",") if n.strip()]
    unknown = [n for n in chosen if n not in ENGINES]
    if unknown:
        log(f"unknown publish engines {unknown}: expected {', '.join(ENGINES)}")
        return 2
    started = dt.datetime.now()
    meta = {"started": started.isoformat(timespec="seconds"),
            "command": " ".join(["scripts/bench-peers", *sys.argv[1:]]),
            "rounds": a.rounds, "machine": machine, "versions": versions,
            "truth": {}, "noise": {}}
    runs = []
    for calls in sizes:
        label = common.size_label(calls)
        raw = generate(calls, root, a.seed)
        want = meta["truth"][label] = truth(raw)
        log(f"== publish {label}: {want['raw_rows']:,} raw rows, {want['export_mb']:.0f} MB; "
            f"truth {want['contacts']:,} contacts")
        warm(raw)
        before = common.machine_noise()
        for rnd in range(a.rounds):
            order = chosen if rnd % 2 == 0 else chosen[::-1]
            for engine in order:
                out = root / f"publish_out_{label}" / engine
                r = run_once(engine, raw, out, want, a.timeout, detail=rnd == a.rounds - 1)
                r.update({"size": label, "round": rnd + 1})
                runs.append(r)
                flag = "ok" if r["ok"] else f"!!! MISMATCH/FAILED: {r['why']}"
                log(f"[{label} r{rnd + 1}] {engine:7} {r['wall_s']:8.2f} s "
                    f"{r['rss_mb']:7.0f} MB  {flag}")
        meta["noise"][label] = {"before": before, "after": common.machine_noise()}
        if {"engage", "duckdb"} <= set(chosen):
            meta.setdefault("agreement", {})[label] = agreement(root / f"publish_out_{label}")

    rows = summarise(runs, list(meta["truth"]))
    md = markdown(rows, meta)
    stamp = started.strftime("%Y-%m-%d")
    md_path = root / f"publish-results-{stamp}.md"
    if md_path.exists():
        stamp = started.strftime("%Y-%m-%d-%H%M%S")
        md_path = root / f"publish-results-{stamp}.md"
    md_path.write_text(md)
    md_path.with_suffix(".json").write_text(json.dumps(
        {"meta": meta, "summary": rows, "runs": runs}, indent=2, default=str) + "\n")
    print(md)
    log(f"written {md_path} and {md_path.with_suffix('.json')}")
    bad = [r for r in rows if not r["valid"]]
    if bad:
        log("!!! " + "; ".join(f"{r['size']} {r['engine']}: {r['why']}" for r in bad))
        return 1
    return 0
