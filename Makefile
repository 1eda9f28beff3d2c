# Eioku developer commands. `make demo` / `make test` install what they need first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# the extras the lock holds: every extra of pyproject.toml (each analyzer stack, the test
# tools) but monitor, which the test extra holds too
EXTRAS ?= $(shell $(PYTHON) -c "import tomllib; extras = tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']; print(','.join(name for name in extras if name != 'monitor'))")
LOCK := requirements/lock.txt
DEMO_HOME ?= .eioku-demo
SAMPLE := pipeline/demo/sample.mp4

.PHONY: install lock check-lock prepare test test-fast demo lint format docs bench up clean

# exactly the locked versions of every dependency, then Eioku itself (editable)
install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet "$$(grep -E '^pip==' $(LOCK))"
	$(BIN)/pip install --quiet -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# re-resolve pyproject.toml's ranges (within constraints.txt) in a scratch venv, pin the result
lock:
	rm -rf .lock-venv build
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip setuptools wheel
	.lock-venv/bin/pip install --quiet -c constraints.txt '.[$(EXTRAS)]'
	{ echo "# Every dependency of eioku[$(EXTRAS)], pinned. Regenerate with: make lock"; \
	  .lock-venv/bin/pip freeze --all --exclude eioku; } > $(LOCK).tmp
	mv $(LOCK).tmp $(LOCK)
	rm -rf .lock-venv build

# the installed environment is exactly the lock (CI runs this on a fresh clone)
check-lock: install
	$(BIN)/pip freeze --all --exclude eioku > $(VENV)/freeze.txt
	grep -v '^#' $(LOCK) | diff -u - $(VENV)/freeze.txt
	@echo "the install equals $(LOCK) ($$(grep -vc '^#' $(LOCK)) packages)"

# local PostgreSQL and Redis answering, docker-compose present (see scripts/prepare-machine)
prepare:
	bash scripts/prepare-machine

test: install prepare
	$(BIN)/pytest --durations=15

# no PostgreSQL, Redis, Celery worker or browser, nothing `slow`: the markers in pyproject.toml
test-fast: install
	$(BIN)/pytest -m "not postgres and not distributed and not browser and not slow"

EIOKU_DEMO := EIOKU_HOME=$(DEMO_HOME) $(BIN)/eioku
DEMO_ANALYZERS := scenes,transcript,faces,ocr

demo: install
	@echo "== analyze the bundled sample with every analyzer that has weights offline"
	$(EIOKU_DEMO) analyze $(SAMPLE) --analyzers $(DEMO_ANALYZERS)
	@echo "== the scenes found (cuts at frames 50, 90, 150, 185 and 250)"
	$(EIOKU_DEMO) artifacts $(SAMPLE) --type scene
	@echo "== faces on screen, clustered into people"
	$(EIOKU_DEMO) artifacts $(SAMPLE) --type face.detection --limit 4
	@echo "== jump to the first appearance of person 0 (a face cluster)"
	$(EIOKU_DEMO) jump $(SAMPLE) --kind face --face-cluster 0
	@echo "== where is the phrase 'ask not' said (transcript) or shown (on-screen text)?"
	$(EIOKU_DEMO) find $(SAMPLE) '"ask not"'
	@echo "== the transcript as subtitles"
	$(EIOKU_DEMO) export $(SAMPLE) --format srt
	@echo "== the same file again: every run cached, answered from its stamp without the planner"
	$(EIOKU_DEMO) analyze $(SAMPLE) --analyzers $(DEMO_ANALYZERS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# the endpoint table of docs/http-api.md, from the app's OpenAPI document (tests/test_http_docs.py checks it)
docs: install
	$(BIN)/python -m tests.support.http_docs --write

bench: install
	$(BIN)/python -m bench.cache_hit
	$(BIN)/python -m bench.batch_insert
	$(BIN)/python -m bench.scale_workers
	$(BIN)/python -m bench.query
	$(BIN)/python -m bench.analyzers
	$(BIN)/python -m bench.frame_sampler
	$(BIN)/python -m bench.frame_index

# the distributed stack, where a Docker engine runs (see docs/operations.md, "Docker Compose")
up:
	docker compose -f compose/docker-compose.yml up -d

clean:
	rm -rf $(VENV) $(DEMO_HOME) .eioku .pytest_cache .ruff_cache .hypothesis
