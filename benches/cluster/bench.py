"""Engage on a Ballista cluster (1 scheduler + 2 executors on this machine) against `engage sql`
alone, on the peers harness's unsorted contacts file: `episodes` and the rolling_count job.

Reports per run: wall time, peak RSS of every process (client, scheduler, each executor), and
the shuffle volume (the most bytes the executors' work folders held during the query). The point is memory per
executor, not speed on two cores. Answers are compared before a time counts.

    scripts/bench-cluster [--size 10M] [--rounds 1] [--executors 2] [--partitions 8]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benches" / "peers"))
import common  # noqa: E402
import gen  # noqa: E402

# The binaries measured; ENGAGE_BIN_DIR points at another build (a debug one checks the harness).
RELEASE = Path(os.environ.get("ENGAGE_BIN_DIR", ROOT / "target" / "release"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, what: str) -> None:
    deadline = time.time() + 60
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"{what} did not listen on {port}")


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the process's peak resident set since it started."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


class Cluster:
    def __init__(self, executors: int, slots: int, work: Path):
        self.work = work
        self.port = free_port()
        log = lambda name: open(work / name, "w")  # noqa: E731
        self.scheduler = subprocess.Popen(
            [str(RELEASE / "engage-scheduler"), "--bind-host", "127.0.0.1",
             "--bind-port", str(self.port), "--external-host", "127.0.0.1"],
            stdout=log("scheduler.log"), stderr=subprocess.STDOUT)
        wait_port(self.port, "the scheduler")
        self.executors = []
        self.dirs = []
        for i in range(executors):
            d = work / f"executor-{i}"
            d.mkdir()
            flight = free_port()
            self.executors.append(subprocess.Popen(
                [str(RELEASE / "engage-executor"), "--bind-host", "127.0.0.1",
                 "--external-host", "127.0.0.1", "--scheduler-host", "127.0.0.1",
                 "--scheduler-port", str(self.port), "--bind-port", str(flight),
                 "--bind-grpc-port", str(free_port()), "--bind-health-port", str(free_port()),
                 "--concurrent-tasks", str(slots), "--work-dir", str(d)],
                stdout=log(f"executor-{i}.log"), stderr=subprocess.STDOUT))
            self.dirs.append(d)
            wait_port(flight, "an executor")
        time.sleep(2)

    @property
    def url(self) -> str:
        return f"df://127.0.0.1:{self.port}"

    def watch_shuffle(self) -> None:
        """Samples the bytes in the executors' work folders every 50 ms until `stop`: the
        scheduler has the executors delete a job's shuffle files once it ends, so the folders
        are empty afterwards, and the most they held is the shuffle's volume."""
        self.shuffle_peak = 0
        self.watching = True

        def sample() -> None:
            while self.watching:
                held = 0
                for d in self.dirs:
                    try:
                        held += folder_bytes(d)
                    except FileNotFoundError:  # a file deleted while the folder was walked
                        pass
                self.shuffle_peak = max(self.shuffle_peak, held)
                time.sleep(0.05)

        self.watcher = threading.Thread(target=sample, daemon=True)
        self.watcher.start()

    def stop(self) -> dict:
        self.watching = False
        self.watcher.join()
        figures = {
            "scheduler_mb": peak_rss_mb(self.scheduler.pid),
            "executor_mb": [peak_rss_mb(e.pid) for e in self.executors],
            "shuffle_mb": self.shuffle_peak / 1e6,
        }
        for p in self.executors + [self.scheduler]:
            p.kill()
            p.wait()
        return figures


def measured(args: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) and stdout of one `engage` run, measured by the peers
    harness's small launcher (a child forked from this process would start from its RSS)."""
    with tempfile.NamedTemporaryFile(suffix=".json") as result:
        p = subprocess.run(
            [sys.executable, str(ROOT / "benches" / "peers" / "launch.py"), result.name, "3600",
             "--", str(RELEASE / "engage"), *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        figures = json.loads(Path(result.name).read_text())
    if p.returncode != 0:
        raise SystemExit(f"engage {' '.join(args)} failed:\n{p.stderr}")
    return figures["wall_s"], figures["maxrss_kb"] / 1024, p.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="10M")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--executors", type=int, default=2)
    ap.add_argument("--slots", type=int, default=1, help="concurrent tasks per executor")
    ap.add_argument("--partitions", type=int, default=8,
                    help="datafusion.execution.target_partitions on the cluster")
    a = ap.parse_args()
    rows = common.parse_size(a.size)
    gen.generate(rows, common.BENCH_DATA)
    data = common.paths(rows)["unsorted"]
    jobs = {
        "episodes": common.EPISODES_SQL,
        "rolling_count job": common.job_sql(common.ENGAGE_WINDOW),
    }
    results = []
    for name, sql in jobs.items():
        for r in range(a.rounds):
            alone = measured(["sql", "--table", f"contacts={data}", "--format", "csv", "-c", sql])
            work = Path(tempfile.mkdtemp(prefix="engage-cluster-"))
            cluster = Cluster(a.executors, a.slots, work)
            cluster.watch_shuffle()
            try:
                there = measured([
                    "sql", "--cluster", cluster.url, "--table", f"contacts={data}",
                    "--format", "csv", "-c",
                    f"SET datafusion.execution.target_partitions = {a.partitions}; {sql}"])
            finally:
                figures = cluster.stop()
                shutil.rmtree(work, ignore_errors=True)
            if alone[2].strip() != there[2].strip():
                raise SystemExit(f"{name}: answers differ\nalone:\n{alone[2]}\ncluster:\n{there[2]}")
            results.append({"job": name, "round": r, "alone_s": alone[0], "alone_mb": alone[1],
                            "cluster_s": there[0], "client_mb": there[1], **figures})
            print(json.dumps(results[-1]), flush=True)
    print(f"\n{a.size} unsorted contacts, {a.executors} executors x {a.slots} task(s), "
          f"{a.partitions} partitions; answers equal\n")
    print("| job | alone: time, peak RSS | cluster: time | client | scheduler | each executor "
          "| shuffle on disk, most |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        execs = ", ".join(f"{m:.0f}" for m in r["executor_mb"])
        print(f"| {r['job']} | {r['alone_s']:.1f} s, {r['alone_mb']:.0f} MB | {r['cluster_s']:.1f} s "
              f"| {r['client_mb']:.0f} MB | {r['scheduler_mb']:.0f} MB | {execs} MB "
              f"| {r['shuffle_mb']:.0f} MB |")


if __name__ == "__main__":
    main()
