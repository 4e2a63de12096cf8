# marketsim: `make demo` runs the bundled baseline, `make test` runs the test suite.
# Both create .venv with Python >= 3.12 first (see scripts/find-python.sh).
VENV := .venv
PY := $(VENV)/bin/python
SCENARIO ?= scenarios/baseline.toml

.PHONY: demo test venv install install-test clean

$(PY):
	@PYTHON=$$(sh scripts/find-python.sh) && echo "using $$PYTHON" && $$PYTHON -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

venv: $(PY)

install: venv
	$(PY) -m pip install --quiet -e .

install-test: venv
	$(PY) -m pip install --quiet -e ".[test,report,sweep,calibrate,dashboard]"

demo: install
	$(VENV)/bin/marketsim run $(SCENARIO) --out runs/demo --seed 7

test: install-test
	$(VENV)/bin/python -m pytest -q

clean:
	rm -rf $(VENV) runs reports results *.egg-info
