"""`track --ray`: the same per-input tasks as Ray tasks, against a local Ray instance this
test starts (its own process group) and stops. Ray lives in its own environment
(requirements/ray.txt, $BPH_RAY_PYTHON from ./run test)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from batch_inputs import comparable, make_inputs

from blazepose_holistic.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ray_python() -> str:
    exe = os.environ.get("BPH_RAY_PYTHON")
    if not exe:
        pytest.fail("BPH_RAY_PYTHON is not set: run through ./run test (it installs requirements/ray.txt)")
    if subprocess.run([exe, "-c", "import ray"], capture_output=True).returncode != 0:
        pytest.skip(f"ray cannot be imported by {exe}: requirements/ray.txt did not install here")
    return exe


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ray_head(ray_python, tmp_path_factory):
    """`ray start --head --block` in a process group of its own; the workers it starts
    inherit this environment (PYTHONPATH, BPH_MODEL_DIR), so they import the checkout."""
    port = _free_port()
    temp = tmp_path_factory.mktemp("ray")
    ray = str(Path(ray_python).parent / "ray")
    log = open(temp / "head.log", "w")
    head = subprocess.Popen(
        [ray, "start", "--head", "--block", f"--port={port}", "--num-cpus=2",
         "--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={temp}"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    address = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while subprocess.run([ray, "status", f"--address={address}"], capture_output=True).returncode:
            assert head.poll() is None, (temp / "head.log").read_text()
            assert time.monotonic() < deadline, "the Ray head did not come up in 120 s"
            time.sleep(2)
        yield address
    finally:
        os.killpg(head.pid, signal.SIGTERM)  # the group this test started, by its id
        try:
            head.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(head.pid, signal.SIGKILL)
            head.wait()
        log.close()


def test_ray_tasks_give_the_json_of_one_process(ray_python, ray_head, shared_data, tmp_path, capsys):
    inputs = make_inputs(shared_data, tmp_path)
    local = tmp_path / "local.json"
    assert main(["track", *map(str, inputs), "--json", str(local), "--workers", "1",
                 "--no-progress"]) == 1
    capsys.readouterr()
    remote = tmp_path / "ray.json"
    proc = subprocess.run(
        [ray_python, "-m", "blazepose_holistic", "track", *map(str, inputs), "--json", str(remote),
         "--ray", ray_head, "--no-progress"],
        capture_output=True, text=True, timeout=900)
    assert proc.returncode == 1, proc.stderr
    assert f"error: {inputs[3]}: not a readable image" in proc.stderr  # failed inside a Ray task
    assert comparable(remote) == comparable(local)
