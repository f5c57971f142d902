"""Processes for the harness: servers in their own process group, bounded waits, timed steps, resident memory."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import IO, Any


def free_port() -> int:
    """A port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without ipkg settings (a stray IPKG_* must not change a measurement)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IPKG_")}
    env.update(extra)
    return env


class Server:
    """A server process in a new session, its output in a log file; ``stop`` ends its whole process group."""

    def __init__(self, name: str, command: list[str], *, port: int, ready_path: str, log: Path, env: dict[str, str]):
        self.name, self.port, self.ready_path = name, port, ready_path
        self._log: IO[bytes] = log.open("ab")
        self.started = time.perf_counter()
        # S603: the harness runs its own interpreter, ipkg, and the oxigraph binary of the venv
        self.process = subprocess.Popen(  # noqa: S603
            command, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
            start_new_session=True,
        )  # fmt: skip

    def wait_ready(self, within: float) -> float:
        """Seconds from spawn until ``ready_path`` answers 200; raises ``TimeoutError`` (or if the process died)."""
        deadline = self.started + within
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode} before it was ready")
            if http_status(self.port, self.ready_path, timeout=2) == 200:
                return time.perf_counter() - self.started
            time.sleep(0.01)
        raise TimeoutError(f"{self.name} was not ready within {within:.0f} s")

    def rss(self) -> tuple[int, int]:
        """Resident memory (bytes) of the server process, and of it with all its descendants."""
        return rss_tree(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
            except ProcessLookupError:
                pass
        self._log.close()


def http_status(port: int, path: str, *, timeout: float) -> int:
    """The status of ``GET path`` on 127.0.0.1 (0 when nothing answers)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Accept": "application/sparql-results+json, application/json"})
        response = conn.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        return 0
    finally:
        conn.close()


def http_call(
    port: int, method: str, path: str, *, body: bytes | None = None, headers: dict[str, str], timeout: float
) -> tuple[int, bytes, float]:
    """One request on 127.0.0.1: (status, body, seconds)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    began = time.perf_counter()
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        return response.status, data, time.perf_counter() - began
    finally:
        conn.close()


def run_step(command: list[str], *, timeout: float, log: Path, env: dict[str, str]) -> dict[str, Any] | None:
    """Run a child that prints one JSON line; ``None`` when it fails or passes ``timeout`` (its group is killed)."""
    with log.open("ab") as err:
        # S603: the harness's own step script, run by this interpreter
        process = subprocess.Popen(  # noqa: S603
            command, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL, env=env, start_new_session=True
        )
        try:
            out, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            return None
    if process.returncode != 0:
        return None
    lines = out.decode().strip().splitlines()
    return json.loads(lines[-1]) if lines else None


def run_quiet(command: list[str], *, timeout: float, log: Path, env: dict[str, str]) -> bool:
    """Run a child whose output only goes to ``log``; whether it exited 0 within ``timeout``."""
    with log.open("ab") as out:
        # S603: the harness's own tools (ipkg, the oxigraph binary), run from this venv
        process = subprocess.Popen(  # noqa: S603
            command, stdout=out, stderr=out, stdin=subprocess.DEVNULL, env=env, start_new_session=True
        )
        try:
            return process.wait(timeout) == 0
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return False


def _parents() -> dict[int, list[int]]:
    """Children of every process, from the parent id in each /proc/<pid>/stat."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    return children


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def rss_tree(pid: int) -> tuple[int, int]:
    """(RSS of ``pid``, RSS of ``pid`` and every descendant), in bytes, from /proc."""
    children = _parents()
    total, todo, seen = 0, [pid], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        total += _rss(current)
        todo += children.get(current, [])
    return _rss(pid), total
