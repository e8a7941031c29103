# Everything runs inside .venv, made from this repository's own files.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install test demo bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,bench]'
	$(PY) -m compileall -q src  # byte-code even where PYTHONDONTWRITEBYTECODE is set: start-up
	touch $(STAMP)

install: $(STAMP)

## make test: type-check, then the whole suite (starts its own SeaweedFS on loopback)
test: $(STAMP)
	$(VENV)/bin/mypy
	$(PY) -m pytest

## make demo: start SeaweedFS, upload and download a file through presigned URLs, stop it
demo: $(STAMP)
	$(PY) scripts/demo.py

## make bench: presign throughput side by side with boto3, minio, obstore, libpresign; start-up
bench: $(STAMP)
	$(PY) benchmarks/bench_presign.py
	$(PY) benchmarks/bench_startup.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .hypothesis build src/*.egg-info
