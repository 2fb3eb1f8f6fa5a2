# Two commands on a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck install bench clean mutation mutation-summary

# `make run PORT=8100 FAKE_PORT=8902`: the web port, and the fake WeChat API's (default: config.yaml).
PORT ?= 8000
FAKE_PORT ?=

run: $(STAMP)
	LINLI_ENV=development $(BIN)/python -m app.dev --port $(PORT) $(if $(FAKE_PORT),--fake-port $(FAKE_PORT))

test: $(STAMP)
	$(BIN)/python -m pytest -q

# ruff, then mypy (app, bots, models; pyproject.toml): zero findings required, CI runs it.
lint: $(STAMP)
	$(BIN)/python -m ruff check .
	$(BIN)/python -m mypy

# mypy alone.
typecheck: $(STAMP)
	$(BIN)/python -m mypy

install: $(STAMP)

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $(STAMP)

# Mutation testing of models/ against the domain tests (pyproject.toml [tool.mutmut]; docs/testing.md). Not in CI:
# the whole tree takes hours on two cores. One package: `make mutation ONLY='models.help.*'`. Results stay in
# mutants/ (git-ignored): a second run without ONLY only tries the mutants not yet checked.
ONLY ?=
mutation: $(STAMP)
	mkdir -p mutants && rm -f mutants/template.sqlite3
	LINLI_TEST_TEMPLATE=$(CURDIR)/mutants/template.sqlite3 nice $(BIN)/mutmut run --max-children 2 $(ONLY)
	$(MAKE) --no-print-directory mutation-summary

# Killed / survived / timeout / no tests / not checked, per package of models/, from the last runs.
mutation-summary:
	$(BIN)/mutmut results --all true | awk -F': ' '{split($$1, n, "."); c[n[2] " " $$2]++} \
		END {for (k in c) print k, c[k]}' | sort

bench: $(STAMP)
	$(BIN)/python bench/webhook.py --backend both

clean:
	rm -rf $(VENV) instance/*.sqlite3*
