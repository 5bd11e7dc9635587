# leftshift: two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pytest-xdist workers for the tests; `make test WORKERS=auto` uses every core.
WORKERS ?= 2
# The fast suite keeps each test file on one worker (--dist loadfile), so a module fixture
# (one experiment several tests share) runs once; loadgroup would be finer, but pytest-xdist
# 3.8 ignores xdist_group under pytest 9.2 (pytest-xdist#1386). --no-loadscope-reorder keeps
# collection order rather than sending the files with fewest tests (some of the slowest) last;
# tests/conftest.py puts the longest files first (LONGEST_FILES).
FAST_DIST := --dist loadfile --no-loadscope-reorder

.PHONY: run pack test test-slow fuzz-long lint typecheck bench calibrate-finance clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev,cluster]'
	touch $(STAMP)

## run: create .venv, install, run the default scenario, print where results and figures are
run: $(STAMP)
	$(BIN)/leftshift $(ARGS)

## pack: the board pack (HTML, PDF, Markdown, CSV, Excel) for virtual wards at the national
## ambition against the baseline: default place, PACK_REPLICATIONS paired replications, every core
PACK_REPLICATIONS ?= 10
PACK_EXPERIMENT ?= vw_national_ambition
pack: $(STAMP)
	@dir=outputs/board_pack_$$(date +%Y%m%d_%H%M%S)_$(PACK_EXPERIMENT); \
	$(BIN)/leftshift experiment=$(PACK_EXPERIMENT) run.replications=$(PACK_REPLICATIONS) \
		run.n_jobs=-1 hydra.run.dir=$$dir $(ARGS) && $(BIN)/leftshift report $$dir

## test: create .venv if needed and run the fast test suite (slow statistical tests excluded);
## a test still running after 300 s fails (pytest-timeout, set in pyproject.toml)
test: $(STAMP)
	$(BIN)/pytest -m "not slow" -q -n $(WORKERS) $(FAST_DIST)

## test-slow: the long statistical versions of the behaviour and validation checks
## (each test may take an hour: pyproject's 300 s per-test limit is for the fast suite)
test-slow: $(STAMP)
	$(BIN)/pytest -m "slow and not fuzz_long" -q -n $(WORKERS) --timeout=3600

## fuzz-long: the fuzz suite's 10,000-example tier, 40 shards of 250 (about 8 CPU-hours;
## a failing shard is reproducible alone: pytest -m slow "tests/test_fuzz.py::test_fuzz_valid_configs_long[K]")
fuzz-long: $(STAMP)
	$(BIN)/pytest -m fuzz_long -q -n $(WORKERS) --timeout=14400 --hypothesis-show-statistics

## lint: ruff's rules and its formatter, checked (nothing is rewritten)
lint: $(STAMP)
	$(BIN)/ruff check leftshift tests benchmarks
	$(BIN)/ruff format --check leftshift tests benchmarks

## typecheck: mypy on the package (settings in pyproject.toml, [tool.mypy])
typecheck: $(STAMP)
	$(BIN)/mypy leftshift

## bench: speed figures (ratios measured in one run; not a test)
bench: $(STAMP)
	$(BIN)/pip install --quiet -c requirements.lock -e ".[bench]"
	cd benchmarks && ../$(BIN)/python bench.py $(ARGS)

## calibrate-finance: re-derive tariff base prices and fixed payments from the baseline's costs
calibrate-finance: $(STAMP)
	$(BIN)/python -m leftshift.analysis.calibrate $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
