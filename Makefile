# Everything runs inside .venv, made from this repository's own files.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install chromium java uppy test demo serve bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,bench]'
	$(PY) -m compileall -q src  # byte-code even where PYTHONDONTWRITEBYTECODE is set: start-up
	touch $(STAMP)

install: $(STAMP)

## make chromium: Debian's Chromium, for the browser upload test (playwright drives it; no download)
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium package for the browser test"; \
	  (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

## make java: Debian's Java runtime, for the Spark recipe's test (PySpark starts a JVM)
java:
	@command -v java >/dev/null 2>&1 || { \
	  echo "installing Debian's default-jre-headless for the Spark test"; \
	  (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null; }

## make uppy: real Uppy (@uppy/core, @uppy/aws-s3 from npm, versions locked) bundled by esbuild for the
## service's browser test; Debian's nodejs and npm if they are missing
UPPY_BUNDLE := tests/uppy/dist/uppy-test.js
uppy: $(UPPY_BUNDLE)
$(UPPY_BUNDLE): tests/uppy/package.json tests/uppy/package-lock.json tests/uppy/entry.js
	@command -v npm >/dev/null 2>&1 || { \
	  echo "installing Debian's nodejs and npm for the Uppy bundle"; \
	  (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }
	cd tests/uppy && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build

## make test: type-check, then the whole suite (starts its own SeaweedFS on loopback)
test: $(STAMP) chromium java uppy
	$(VENV)/bin/mypy
	$(PY) -m pytest

## make demo: start SeaweedFS, upload and download a file through presigned URLs, stop it
demo: $(STAMP)
	$(PY) scripts/demo.py

## make serve: the demo SeaweedFS in the foreground, to try the README's commands against
serve: $(STAMP)
	$(PY) scripts/serve.py

## make bench: presign throughput side by side with boto3, minio, obstore, libpresign; start-up; bulk
## (each prints its table and exits 0 unless it crashes: a missed target is printed, not an error)
bench: $(STAMP)
	$(PY) benchmarks/bench_presign.py
	$(PY) benchmarks/bench_startup.py
	$(PY) benchmarks/bench_bulk.py
	$(PY) benchmarks/bench_serve.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .hypothesis build src/*.egg-info tests/uppy/node_modules tests/uppy/dist
