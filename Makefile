# Two everyday commands: `make demo` runs the bot against the local emulator, `make test` runs
# the checks CI runs. Each creates the virtualenv it needs on first use.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint run clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "officebot needs Python 3.11 or newer"; exit 1; }
	@$(PYTHON) -m venv $(VENV) || \
		{ echo "could not create a virtualenv: on Debian run 'apt-get install python3-venv'"; exit 1; }
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/officebot demo

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -q

run: $(STAMP)
	$(VENV)/bin/officebot run

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
