"""The engines under test, how one measurement of each is run (a fresh process, wall time and
peak RSS from os.wait4), and how its answer is checked."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

WORKER = Path(__file__).resolve().parent / "worker.py"
LAUNCHER = Path(__file__).resolve().parent / "launch.py"
FILES = ("unsorted", "sorted", "snapshot")
# the ratio's reference: the fastest of these on the file with a checked answer (chDB counts
# only where it can express the job exactly; issue 15's targets were set against DuckDB and
# Polars alone, and the results table shows every peer's own row)
PEERS = ("duckdb", "polars", "chdb")


@dataclass(frozen=True)
class Engine:
    name: str  # key used on the command line (--engines)
    label: str  # shown in the table
    files: tuple  # which file kinds it runs on
    kind: str  # "engage-job" | "engage-episodes" | "peer"
    window: str = ""  # for engage-job: the window expression
    setup: str = ""  # statements run first in the same session (diagnostic variants)


ENGINES = [
    Engine("engage", "engage `rolling_count`", FILES, "engage-job", common.ENGAGE_WINDOW),
    Engine("engage-episodes", "engage `episodes` view", FILES, "engage-episodes"),
    Engine("engage-df-window", "engage + DataFusion RANGE window", FILES, "engage-job", common.DF_WINDOW),
    Engine("datafusion-py", "datafusion-py RANGE window", FILES, "peer"),
    Engine("duckdb", "DuckDB RANGE window", ("unsorted", "sorted"), "peer"),
    Engine("polars", "Polars `rolling`", ("unsorted", "sorted"), "peer"),
    Engine("chdb", "chDB RANGE window (ms)", ("unsorted", "sorted"), "peer"),
]
BY_NAME = {e.name: e for e in ENGINES}


def engage_command(engine: Engine, kind: str, p: dict, sql: str | None = None) -> list[str]:
    if sql is None:
        sql = common.EPISODES_SQL if engine.kind == "engage-episodes" else common.job_sql(engine.window)
    sql = engine.setup + sql
    source = (
        ["--data", str(p["snapshot"])] if kind == "snapshot" else ["--table", f"contacts={p[kind]}"]
    )
    return [str(common.ENGAGE_BIN), "sql", *source, "-c", sql, "--format", "csv"]


def command(engine: Engine, kind: str, p: dict) -> list[str]:
    if engine.kind == "peer":
        path = common.snapshot_part(p) if kind == "snapshot" else p[kind]
        return [sys.executable, str(WORKER), engine.name, kind, str(path)]
    return engage_command(engine, kind, p)


@dataclass
class Run:
    wall_s: float
    rss_mb: float
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool


def measure(cmd: list[str], timeout: float) -> Run:
    """Runs `cmd` through launch.py: wall time from fork to reaping and the child's peak RSS
    (ru_maxrss from os.wait4), measured from a small launcher so that the harness's own memory
    is not inherited into the figure (see launch.py)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(suffix=".json") as res:
        launcher = [sys.executable, "-S", str(LAUNCHER), res.name, str(timeout), "--", *cmd]
        proc = subprocess.Popen(launcher, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                cwd=common.REPO)
        try:
            proc.wait(timeout + 60)
        except subprocess.TimeoutExpired:
            proc.kill()  # the launcher we started; its own alarm should have fired long ago
            proc.wait()
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
        try:
            r = json.loads(Path(res.name).read_text())
        except (OSError, ValueError):
            return Run(float("nan"), float("nan"), proc.returncode or -1, stdout,
                       stderr + "\nthe launcher reported nothing", True)
        return Run(
            wall_s=r["wall_s"],
            rss_mb=r["maxrss_kb"] / 1024.0,
            returncode=r["returncode"],
            stdout=stdout,
            stderr=stderr,
            timed_out=r["timed_out"],
        )


class Skipped(Exception):
    """The engine said it cannot answer the job exactly on this file (see worker.py)."""


def parse_answer(engine: Engine, run: Run) -> tuple[dict | None, float | None, str]:
    """(answer, in-process seconds or None, error text); raises Skipped when the engine
    declined the job on this file."""
    if run.timed_out:
        return None, None, "timed out"
    if run.returncode != 0:
        tail = run.stderr.strip().splitlines()[-3:]
        return None, None, f"exit {run.returncode}: {' | '.join(tail)}"
    try:
        if engine.kind == "peer":
            line = [ln for ln in run.stdout.splitlines() if ln.startswith("{")][-1]
            d = json.loads(line)
            if "skipped" in d:
                raise Skipped(d["skipped"])
            return {"callers": d["callers"], "total": d["total"]}, d["inner_s"], ""
        rows = list(csv.DictReader(io.StringIO(run.stdout)))
        row = rows[-1]
        if engine.kind == "engage-episodes":
            return {"episodes": int(row["episodes"]), "callers": int(row["callers"])}, None, ""
        return {"callers": int(row["callers"]), "total": int(row["total"] or 0)}, None, ""
    except Skipped:
        raise
    except Exception as e:  # noqa: BLE001
        return None, None, f"unreadable output ({e}): {run.stdout[-200:]!r}"


def check(engine: Engine, answer: dict | None, truth: dict) -> tuple[bool, str]:
    """Whether the answer is the reference's; the text says what differs."""
    if answer is None:
        return False, "no answer"
    keys = ("callers", "episodes") if engine.kind == "engage-episodes" else ("callers", "total")
    wrong = [f"{k} {answer[k]} != reference {truth[k]}" for k in keys if answer[k] != truth[k]]
    return (not wrong), "; ".join(wrong)


def run_once(engine: Engine, kind: str, p: dict, truth: dict, timeout: float) -> dict:
    """One measurement, its answer checked. `skipped` is the engine's reason when it declined
    the job on this file (then `ok` is False, but the run is not a failure: no time counts)."""
    run = measure(command(engine, kind, p), timeout)
    skipped = None
    try:
        answer, inner, error = parse_answer(engine, run)
    except Skipped as e:
        answer, inner, error, skipped = None, None, f"skipped: {e}", str(e)
    ok, why = check(engine, answer, truth) if not error else (False, error)
    return {
        "engine": engine.name,
        "file": kind,
        "wall_s": run.wall_s,
        "inner_s": inner,
        "rss_mb": run.rss_mb,
        "answer": answer,
        "ok": ok,
        "why": why,
        "skipped": skipped,
    }
