"""The `marac` command as an operator uses it: fresh embedded database, first admin, service answering."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def _marac(args: list[str], env: dict[str, str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "marac.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def operator_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARAC_")}
    env["MARAC_VAR_DIR"] = str(tmp_path / "var")
    env["MARAC_PASSWORD_HASHING"] = "fast-insecure-for-tests"
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_db_upgrade_and_first_admin_on_a_fresh_machine(operator_env: dict[str, str], tmp_path: Path) -> None:
    upgraded = _marac(["db", "upgrade"], operator_env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert (tmp_path / "var" / "marac.db").exists()
    added = _marac(
        ["user", "add", "--email", "Root@Example.org", "--name", "Root", "--system-admin"],
        operator_env,
        input="a long enough password\na long enough password\n",
    )
    assert added.returncode == 0, added.stderr
    assert "root@example.org" in added.stdout
    short = _marac(
        ["user", "add", "--email", "x@example.org", "--name", "X"], operator_env, input="short\nshort\n"
    )
    assert short.returncode != 0
    assert "password" in (short.stderr + short.stdout).lower()


def test_serve_starts_on_the_embedded_default_and_answers(
    operator_env: dict[str, str], tmp_path: Path
) -> None:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "marac.cli", "serve", "--port", str(port)],
        env=operator_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        assert health.json() == {"status": "ok"}
        assert httpx.get(f"http://127.0.0.1:{port}/ready").json() == {"status": "ready"}
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/auth/me").status_code == 401
        assert httpx.get(f"http://127.0.0.1:{port}/schema/openapi.json").json()["info"]["title"] == "marac"
        assert (tmp_path / "var" / "marac.db").exists()
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_demo_builds_an_area_people_can_log_in_to(operator_env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = _marac(["demo", "--out", str(out)], operator_env)
    assert result.returncode == 0, result.stderr
    assert "coordinator@north-shire.example" in result.stdout
    assert (out / "marac.db").exists()
    for folder in ("mail", "docs", "calendar"):
        assert (out / folder).is_dir()
