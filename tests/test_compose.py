"""compose/docker-compose.yml validates with Debian's docker-compose (no engine needed)
and describes a deployment that can scale: one worker service per analyzer."""

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.analysis.catalog import AnalyzerCatalog

COMPOSE_FILE = Path(__file__).resolve().parents[1] / "compose" / "docker-compose.yml"
GPU_ANALYZERS = {"transcript", "ocr", "faces", "objects", "places"}


@pytest.fixture(scope="module")
def resolved() -> dict[str, Any]:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.fail("docker-compose is not installed (apt-get install docker-compose)")
    done = subprocess.run(
        [binary, "-f", str(COMPOSE_FILE), "config"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(done.stdout)  # type: ignore[no-any-return]


def test_every_analyzer_has_a_scalable_worker_service(resolved: dict[str, Any]) -> None:
    services = resolved["services"]
    for analyzer in AnalyzerCatalog().names():
        worker = services[f"worker-{analyzer}"]
        assert worker["command"][:3] == ["worker", "--analyzers", analyzer]
        assert "container_name" not in worker and "ports" not in worker  # --scale works
        assert worker["environment"]["EIOKU_BROKER_URL"].startswith("redis://")
        gpu = worker.get("deploy", {}).get("resources", {}).get("reservations", {})
        assert bool(gpu) == (analyzer in GPU_ANALYZERS), analyzer


def test_broker_keeps_its_queue_and_services_start_in_order(resolved: dict[str, Any]) -> None:
    services = resolved["services"]
    assert "--appendonly" in services["redis"]["command"]
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["worker-scenes"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
    assert services["flower"]["command"][0] == "flower"
    assert {"redis", "postgres", "migrate", "flower", "api"} <= set(services)
