# SIG Intermunicipal da Região de Leiria
#   make up     install what is missing, start the database, load municipalities and demo data,
#               serve everything at http://127.0.0.1:$(SIG_PORT) until Ctrl-C
#   make test   the same set-up, then the whole test suite against a real PostGIS
#   make down   stop the project's PostgreSQL cluster

SHELL := /bin/bash
SIG := .venv/bin/sig
PYTEST := .venv/bin/python -m pytest
SIG_PORT ?= 8000
SIG_DEMO_SCALE ?= 1
# Without network: `sig load-caop` loads the CAOP extract the project ships (data/caop/), or
# SIG_CAOP_FALLBACK when set; missing DGT grids are a warning (legacy-datum imports are refused)
# unless SIG_GRIDS_FALLBACK names a folder with copies of them.
SIG_GRIDS_FALLBACK ?=
export SIG_PORT

.PHONY: up setup data test down check derive bench bench-import bench-ogc bench-maps bench-web bench-load

setup:
	scripts/setup --db

data: setup
	$(SIG) fetch-grids --optional $(if $(SIG_GRIDS_FALLBACK),--fallback $(SIG_GRIDS_FALLBACK))
	$(SIG) load-caop --if-empty
	$(SIG) demo --scale $(SIG_DEMO_SCALE)

up: data
	$(SIG) derive
	$(SIG) serve --port $(SIG_PORT)

test: export SIG_DB_NAME = sig_test
test:
	scripts/setup
	@if [ -z "$${SIG_DATABASE_URL:-}" ]; then $(SIG) cluster start >/dev/null; fi
	$(SIG) drop-db --yes sig_test
	$(SIG) bootstrap-db >/dev/null
	$(SIG) migrate >/dev/null
	$(PYTEST) $(PYTEST_ARGS)

down:
	$(SIG) cluster stop

check:
	$(SIG) check

derive:
	$(SIG) derive

# Benchmarks (not CI tests): each compares the service with a named peer in one run.
bench: bench-import bench-ogc bench-maps bench-web bench-load

bench-import: setup
	scripts/bench-import

bench-ogc: setup
	scripts/bench-ogc

bench-maps: setup
	scripts/bench-maps

bench-web: setup
	scripts/bench-web

bench-load: setup
	scripts/bench-load
