# Eioku developer commands. `make install` once, then `make demo` / `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
EXTRAS ?= test,scenes,transcript,ocr,faces
DEMO_HOME ?= .eioku-demo
SAMPLE := pipeline/demo/sample.mp4

.PHONY: install test demo lint format bench up clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[$(EXTRAS)]'
	touch $@

test: install
	$(BIN)/pytest

demo: install
	@echo "== analyze the bundled sample: scene cuts (at frames 50, 90, 150, 185, 250) and speech"
	EIOKU_HOME=$(DEMO_HOME) $(BIN)/eioku analyze $(SAMPLE) --analyzers scenes,transcript
	@echo "== the scenes found"
	EIOKU_HOME=$(DEMO_HOME) $(BIN)/eioku artifacts $(SAMPLE) --type scene
	@echo "== where is 'country' said?"
	EIOKU_HOME=$(DEMO_HOME) $(BIN)/eioku find $(SAMPLE) country
	@echo "== the transcript as subtitles"
	EIOKU_HOME=$(DEMO_HOME) $(BIN)/eioku export $(SAMPLE) --format srt
	@echo "== the same file again: served from the cache"
	EIOKU_HOME=$(DEMO_HOME) $(BIN)/eioku analyze $(SAMPLE) --analyzers scenes,transcript

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python bench/cache_hit.py
	$(BIN)/python bench/batch_insert.py
	$(BIN)/python bench/scale_workers.py
	$(BIN)/python bench/query.py
	$(BIN)/python bench/analyzers.py
	$(BIN)/python bench/frame_sampler.py

# the distributed stack, where a Docker engine runs (see README, "Scaling out")
up:
	docker compose -f compose/docker-compose.yml up -d

clean:
	rm -rf $(VENV) $(DEMO_HOME) .eioku .pytest_cache .ruff_cache .hypothesis
