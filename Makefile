# Greenchain: `make run` builds the demo workspace on SQLite and shows it; `make test` runs the suite.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-12)
DEMO_DB ?= demo-workspace.db
export GREENCHAIN_DB ?= $(DEMO_DB)

.PHONY: install run demo test lint browser bench bench-web bench-ledger bench-pact clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

run: install
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm $(DEMO_DB).secrets
	$(BIN)/greenchain demo
	$(BIN)/greenchain report inventory --org demo-semiconductor --year 2025
	$(BIN)/greenchain hotspots --org demo-semiconductor --year 2025 --top 15
	@echo ""
	@echo "Open http://127.0.0.1:8000 and log in (password greenchain-demo for all) as"
	@echo "  analyst@lumen-semi.example         the buyer (dashboard, programs, requests, targets, ledger)"
	@echo "  supplier@demo-supplier.example  a supplier with its own inventory (portal: requests of its two customers, its allocation to the buyer)"
	@echo "  partner@keystone-ats.example       the partner company of the joint program"
	@echo "  verifier@verity-assurance.example  the third-party verifier (ledger)"
	@echo "  pcf@demo-pact-supplier.example     a supplier publishing product footprints over PACT v3"
	$(BIN)/greenchain serve --host 127.0.0.1 --port 8000

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

browser:
	./scripts/ensure-chromium.sh

test: install lint browser
	$(BIN)/pytest

bench: install
	$(BIN)/python benchmarks/bench_import_calc.py
	cd benchmarks && ../$(BIN)/python bench_line_pages.py

bench-ledger: install
	$(BIN)/python benchmarks/bench_ledger.py
	cd benchmarks && ../$(BIN)/python bench_verify.py

bench-pact: install
	$(BIN)/python benchmarks/bench_pact.py

bench-web: install
	command -v wrk >/dev/null || (apt-get install -y -qq wrk >/dev/null)
	$(BIN)/python benchmarks/bench_web.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(DEMO_DB) $(DEMO_DB).secrets
