"""Runs lab sites in separate processes for the benchmarks (`recovery-tui lab serve`), and drives their faults.

A lab serves both of its sites from one asyncio loop; when a benchmark lists two sites at once
that single loop would be the bottleneck, so `pair()` starts two lab processes with the same seed
(identical data) and takes `source` from the first and `target` from the second.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from typing import Optional


@dataclass
class LabProcess:
    proc: subprocess.Popen
    env: dict[str, str]

    def url(self, site: str) -> str:
        value = self.env[f"MC_HOST_{site}"]
        scheme, rest = value.split("://", 1)
        return f"{scheme}://{rest.rsplit('@', 1)[1]}"

    def fault(self, at_site: str, **doc: object) -> None:
        """POST a fault document to the lab's control endpoint (served on `at_site`)."""
        req = urllib.request.Request(self.url(at_site) + "/_lab/fault", data=json.dumps(doc).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        urllib.request.urlopen(req, timeout=10).read()

    def set_latency(self, site: str, seconds: float) -> None:
        self.fault(site, action="latency", site=site, seconds=seconds)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start(scenario: str = "large", objects: Optional[int] = None, seed: int = 0, timeout: float = 600,
          cmd: Optional[list[str]] = None, flavor: str = "community") -> LabProcess:
    """Start `recovery-tui lab serve` (or `cmd`) and wait for its MC_HOST_ lines."""
    if cmd is None:
        cmd = [sys.executable, "-m", "recovery_tui", "lab", "serve", "--scenario", scenario, "--seed", str(seed),
               "--flavor", flavor]
        if objects:
            cmd += ["--objects", str(objects)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    env: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while len(env) < 2:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("the lab process ended before printing its MC_HOST_ lines")
        if line.startswith("MC_HOST_"):
            name, _, value = line.strip().partition("=")
            env[name] = value
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("the lab did not start in time")
    return LabProcess(proc, env)


def backlog(n: int) -> LabProcess:
    """A lab process whose source holds `n` FAILED versions (`benchmarks/backlog_lab.py`)."""
    return start(cmd=[sys.executable, "-m", "benchmarks.backlog_lab", str(n)], timeout=1800)


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process so far (Linux `/proc/PID/stat`)."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def helper_cpu_seconds(exclude: tuple[int, ...] = ()) -> float:
    """CPU seconds of this process's live child processes (e.g. parse workers), `exclude`d pids aside."""
    me, total = os.getpid(), 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in exclude:
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def host_cpu_seconds() -> float:
    """CPU seconds every process on the host has used so far (busy time of all cores, `/proc/stat`)."""
    with open("/proc/stat") as fh:
        fields = [int(x) for x in fh.readline().split()[1:]]
    busy = sum(fields[:3]) + sum(fields[5:8])  # user nice system · irq softirq steal (idle, iowait excluded)
    return busy / os.sysconf("SC_CLK_TCK")


def pair(objects: int, scenario: str = "large", flavor: str = "community"
         ) -> tuple[LabProcess, LabProcess, dict[str, str]]:
    """Two lab processes with identical data; env with `source` from the first, `target` from the second."""
    a = start(scenario, objects, flavor=flavor)
    try:
        b = start(scenario, objects, flavor=flavor)
    except BaseException:
        a.stop()
        raise
    return a, b, {"MC_HOST_source": a.env["MC_HOST_source"], "MC_HOST_target": b.env["MC_HOST_target"]}
