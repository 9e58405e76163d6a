# Two commands set everything up: `make lab` (the course) and `make test` (the whole suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONSTRAINTS := requirements/constraints.txt

# Quiet, machine-independent TensorFlow start-up (oneDNN and CPU-feature lines), for notebooks too.
export TF_CPP_MIN_LOG_LEVEL ?= 2
export TF_ENABLE_ONEDNN_OPTS ?= 0

.PHONY: install lab test test-browser lint format solutions notebooks grade bench lock clean system-packages image

install: $(STAMP)

$(STAMP): pyproject.toml $(CONSTRAINTS)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python 3.10 or newer is needed; run: make PYTHON=python3.11 ...")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e ".[dev,nbgrader,browser]"
	touch $(STAMP)

# System packages (bubblewrap, the sandbox of graded runs; chromium, for test-browser): apt-get,
# as root or with sudo.
system-packages:
	bash tools/install_system_packages.sh

# The grading image (Dockerfile) for clusters; needs Docker or Podman (not part of make test).
IMAGE ?= bilstm-ner-grader
image:
	@if command -v docker >/dev/null 2>&1; then docker build -t $(IMAGE) .; \
	elif command -v podman >/dev/null 2>&1; then podman build -t $(IMAGE) .; \
	else echo "make image needs Docker or Podman" >&2; exit 1; fi

# Jupyter refuses to run as root (Docker, many cloud notebooks) unless told --allow-root.
USER_ID ?= $(shell id -u)
ROOT_FLAGS := $(if $(filter 0,$(USER_ID)),--allow-root)

lab: install
	$(BIN)/jupyter lab notebooks/ $(ROOT_FLAGS) $(LAB_ARGS)

test: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	$(BIN)/python -m pytest --nbval --nbval-current-env \
		--nbval-sanitize-with tests/notebooks/nbval_sanitize.cfg solutions/
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env notebooks/

# Notebook 02 run through JupyterLab's UI in headless Chromium; screenshots in build/browser-test/.
test-browser: install
	$(BIN)/python -m tools.browser_test $(BROWSER_TEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Re-run solutions/ and store their outputs (as nbval compares them), then regenerate notebooks/.
solutions: install
	$(BIN)/python -m tools.execute_solutions $(NOTEBOOKS)
	$(BIN)/python -m tools.make_notebooks
	$(BIN)/python -m tools.course_links

# Also the README's Colab/Binder badges, from [project.urls] Repository in pyproject.toml.
notebooks: install
	$(BIN)/python -m tools.make_notebooks
	$(BIN)/python -m tools.course_links

grade: install
	$(BIN)/python -m grader grade $(or $(SUBMISSIONS),notebooks)

bench: install
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

# Re-pin every installed version after a dependency change (run in a fresh venv). --all: also
# setuptools and wheel, which `python -m build --no-isolation` (the wheel's test) builds with.
lock: install
	{ echo "# Tested versions of every package the course installs (make install uses them as constraints)."; \
	  echo "# Regenerate with \`make lock\` after changing dependencies in pyproject.toml."; \
	  $(BIN)/python -m pip freeze --all --exclude pip --exclude-editable | sort -f; } > $(CONSTRAINTS)
	$(BIN)/python -m tools.sync_environment

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
