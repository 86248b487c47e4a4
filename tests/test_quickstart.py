"""docs/quickstart.md works: its shell commands, run as written against a server started
here on a free 127.0.0.1 port, make a ledger transaction, a wallet transfer, and a webhook
reaches the receiver the quickstart starts."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

QUICKSTART = Path(__file__).resolve().parents[1] / "docs" / "quickstart.md"
SERVER = "127.0.0.1:8000"
RECEIVER = "127.0.0.1:9000"
COFFER = f"{sys.executable} -m coffer.cli.main "  # what ./dev coffer runs, in this venv


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def shell_blocks(text: str) -> list[str]:
    """The ```sh blocks, in order (the server's own block aside: the test starts it)."""
    blocks = re.findall(r"^```sh\n(.*?)^```", text, flags=re.S | re.M)
    return [block for block in blocks if not block.startswith("./dev serve")]


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "COFFER_DATABASE_URL": f"sqlite:///{tmp_path}/coffer.db",
        "COFFER_SIGNING_KEY_FILE": str(tmp_path / "signing.key"),
        "COFFER_PII_KEY_FILE": str(tmp_path / "pii.key"),
    }


@pytest.fixture
def server(tmp_path: Path, environment: dict[str, str]) -> Iterator[str]:
    address = f"127.0.0.1:{free_port()}"
    host, port = address.split(":")
    process = subprocess.Popen(
        [*COFFER.split(), "serve", "--host", host, "--port", port],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://{address}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, "coffer serve exited"
            assert time.monotonic() < deadline, "coffer serve did not start"
            time.sleep(0.2)
        yield address
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.mark.slow
def test_the_quickstart_runs_as_written(
    server: str, tmp_path: Path, environment: dict[str, str]
) -> None:
    receiver = f"127.0.0.1:{free_port()}"
    script = "\n".join(shell_blocks(QUICKSTART.read_text(encoding="utf-8")))
    assert "./dev coffer " in script and SERVER in script and RECEIVER in script
    script = script.replace("./dev coffer ", COFFER)
    script = script.replace(SERVER, server).replace(RECEIVER, receiver)
    host, port = RECEIVER.split(":")
    listening = f'("{host}", {port})'  # where the receiver binds
    assert listening in script
    script = script.replace(listening, f'("{host}", {receiver.split(":")[1]})')
    completed = subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + script + "\nkill %1\n"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
        start_new_session=True,
    )
    output = completed.stdout
    assert completed.returncode == 0, completed.stderr + output
    assert '"destination":"users:alice"' in output.replace(" ", "")  # the transaction
    assert "succeeded\nsucceeded\n2400\n" in output  # pay-in, transfer, Bob's balance
    delivered = (tmp_path / "webhooks.log").read_text(encoding="utf-8")
    assert '"type":"transfer.succeeded"' in delivered.replace(" ", "")
    assert '"type":"transfer.succeeded"' in output.replace(" ", "")  # what cat printed
