"""compose/docker-compose.yml validates with Debian's docker-compose (no engine needed)
and describes a deployment that can scale: one worker service per analyzer."""

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.settings import load_settings

COMPOSE_FILE = Path(__file__).resolve().parents[1] / "compose" / "docker-compose.yml"
GPU_ANALYZERS = {"transcript", "ocr", "faces", "objects", "places"}


SECRETS = {"POSTGRES_PASSWORD": "pg-secret", "FLOWER_BASIC_AUTH": "admin:flower-secret"}


def compose_config(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.fail("docker-compose is not installed (apt-get install docker-compose)")
    clean = {key: value for key, value in os.environ.items() if key not in SECRETS}
    return subprocess.run(
        [binary, "-f", str(COMPOSE_FILE), "config"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**clean, **env},
    )


@pytest.fixture(scope="module")
def resolved() -> dict[str, Any]:
    done = compose_config(SECRETS)
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(done.stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_the_stack_refuses_to_start_without_its_secrets(missing: str) -> None:
    done = compose_config({key: value for key, value in SECRETS.items() if key != missing})
    assert done.returncode != 0
    assert f"set {missing}" in done.stderr


def test_secrets_come_from_the_environment_and_the_api_needs_a_token(
    resolved: dict[str, Any],
) -> None:
    services = resolved["services"]
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == "pg-secret"
    assert ":pg-secret@postgres:" in services["migrate"]["environment"]["EIOKU_DATABASE_URL"]
    assert services["flower"]["environment"]["FLOWER_BASIC_AUTH"] == "admin:flower-secret"
    api = services["api"]
    # `eioku serve` on 0.0.0.0 refuses to start without EIOKU_API_TOKEN (no --insecure)
    assert api["command"][:3] == ["serve", "--host", "0.0.0.0"]
    assert "--insecure" not in api["command"]
    assert "EIOKU_API_TOKEN" in api["environment"]


def test_every_analyzer_has_a_scalable_worker_service(resolved: dict[str, Any]) -> None:
    services = resolved["services"]
    for analyzer in AnalyzerCatalog(load_settings()).names():
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
