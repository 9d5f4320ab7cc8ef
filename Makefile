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

# With OFFICEBOT_TEST_POSTGRES set (.ci/run sets it after starting PostgreSQL), the suite runs
# a second time on PostgreSQL; the tests that never touch its database are left out there.
SQLITE_ONLY := --ignore=tests/test_web_demo_browser.py --ignore=tests/test_web_demo_cli.py \
	--ignore=tests/test_demo.py --ignore=tests/test_run_command.py --ignore=tests/test_backup.py \
	--ignore=tests/test_bench_smoke.py

test: $(STAMP)
	$(VENV)/bin/ruff check .
	env -u OFFICEBOT_TEST_POSTGRES $(VENV)/bin/pytest -q
	@if [ -n "$$OFFICEBOT_TEST_POSTGRES" ]; then \
		echo "--- the suite again, on PostgreSQL"; \
		$(VENV)/bin/pytest -q -p no:cacheprovider $(SQLITE_ONLY); \
	fi

run: $(STAMP)
	$(VENV)/bin/officebot run

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
