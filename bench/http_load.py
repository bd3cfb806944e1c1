"""A small closed-loop HTTP load driver shared by the service benchmarks.

Starts ``marac serve`` in a subprocess on 127.0.0.1 against a prepared SQLite database, then keeps a fixed
number of requests in flight with httpx and reports throughput and latency percentiles.  Only loopback
addresses are ever used, and every run is bounded by a request count.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

# The seeding process and the service must agree on the key that digests API tokens.
BENCH_SECRET_KEY = "bench-secret-key-not-for-production"
os.environ["MARAC_SECRET_KEY"] = BENCH_SECRET_KEY


@dataclass(frozen=True)
class LoadResult:
    path: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def line(self) -> str:
        rate = f"{self.per_second:8.0f} req/s"
        return f"{self.path:<48} {rate}   p50 {self.p50_ms:6.2f} ms   p99 {self.p99_ms:6.2f} ms"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_service(database_url: str, var_dir: Path) -> Iterator[tuple[str, float]]:
    """Yield (base URL, seconds until /health answered) for a ``marac serve`` subprocess."""
    port = free_port()
    env = {
        **os.environ,
        "MARAC_DATABASE_URL": database_url,
        "MARAC_VAR_DIR": str(var_dir),
        "MARAC_LOG_LEVEL": "WARNING",
        "MARAC_SECRET_KEY": BENCH_SECRET_KEY,
    }
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "marac.cli", "serve", "--port", str(port), "--no-scheduler"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                httpx.get(f"{base}/health", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.perf_counter() - started > 30:
                    raise RuntimeError("the service did not start") from None
                time.sleep(0.02)
        yield base, time.perf_counter() - started
    finally:
        process.terminate()
        process.wait(timeout=20)


async def _request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes) -> int:
    """One keep-alive HTTP/1.1 exchange; returns the status code after reading the whole body."""
    writer.write(raw)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length:
        await reader.readexactly(length)
    return status


async def _drive(
    host: str, port: int, path: str, headers: dict[str, str], concurrency: int, total: int
) -> LoadResult:
    # A bare asyncio client: an HTTP library on the same two cores would measure itself, not the service.
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", *(f"{k}: {v}" for k, v in headers.items())]
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode()
    latencies: list[float] = []
    remaining = total

    async def worker(warmup: int) -> None:
        nonlocal remaining
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for _ in range(warmup):
                await _request(reader, writer, raw)
            await ready.wait()
            while remaining > 0:
                remaining -= 1
                begin = time.perf_counter()
                status = await _request(reader, writer, raw)
                latencies.append(time.perf_counter() - begin)
                if status != 200:
                    raise RuntimeError(f"{path} answered {status}")
        finally:
            writer.close()

    ready = asyncio.Event()
    tasks = [asyncio.create_task(worker(5)) for _ in range(concurrency)]
    await asyncio.sleep(0.5)  # let every connection finish its warm-up requests
    began = time.perf_counter()
    ready.set()
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - began
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return LoadResult(path, len(latencies), elapsed, statistics.median(latencies) * 1000, p99 * 1000)


def load(
    base: str, path: str, *, headers: dict[str, str] | None = None, concurrency: int = 16, total: int = 4000
) -> LoadResult:
    """Keep ``concurrency`` requests in flight until ``total`` have been answered."""
    host, port = base.removeprefix("http://").split(":")
    return asyncio.run(_drive(host, int(port), path, headers or {}, concurrency, total))
