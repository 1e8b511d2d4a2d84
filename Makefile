# slotd build, test and benchmark entry points. `make test` is what CI runs.

GO ?= go
# FUZZTIME bounds each fuzz target in `make test`. It is an execution count,
# not a duration: go1.26's fuzz coordinator can fail a duration-bounded run
# with a spurious "context deadline exceeded" when the machine is loaded
# (golang/go#75804); a count has no deadline to race. 150000 runs take about
# 20 s per target on two cores. Minimising a new interesting input is bounded
# by a count too, so the coordinator never stalls a run for a minute.
FUZZTIME ?= 150000x
# SUDO is empty when already root.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: test deps vet fmt-check unit fuzz build run compose cluster stop standalone bench docs

## test: everything CI checks: deps, vet, gofmt, race tests, bounded fuzzing.
test: deps vet fmt-check unit fuzz

## deps: install redis-server, redis-tools and python3-redis when missing
## (Redis 7 is the oracle of the e2e tests), and download Go modules.
deps:
	@missing=""; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	command -v redis-cli >/dev/null 2>&1 || missing="$$missing redis-tools"; \
	/usr/bin/python3 -c 'import redis' >/dev/null 2>&1 || missing="$$missing python3-redis"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; \
	fi
	$(GO) mod download

vet:
	$(GO) vet ./...

fmt-check:
	@out="$$(find . -name '*.go' -not -path './.git/*' -not -path './tmp/*' -not -path './e2e/.work/*' -print0 | xargs -0 gofmt -l)"; \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

unit:
	$(GO) test -race -count=1 -timeout 60m ./...

## fuzz: run every Fuzz* target of the module for FUZZTIME each.
fuzz:
	@set -e; \
	for f in $$(grep -rl --exclude-dir=.git --include='*_test.go' '^func Fuzz' . | sort); do \
		dir=$$(dirname $$f); \
		for fn in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$f); do \
			echo "fuzz $$dir $$fn for $(FUZZTIME)"; \
			$(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 10000x $$dir; \
		done; \
	done

build:
	$(GO) build -o bin/slotd ./cmd/slotd

## run: the main job, a six-node cluster (3 masters, 3 replicas) on
## 127.0.0.1:7000-7005, formed and ready for `redis-cli -c -p 7000`: with
## docker-compose when a Docker engine answers, else as local processes.
run:
	@if docker info >/dev/null 2>&1 && command -v docker-compose >/dev/null 2>&1; then \
		$(MAKE) compose; \
	else \
		echo "no Docker engine: starting the cluster as local processes"; \
		$(MAKE) cluster; \
	fi

## compose: the cluster from docker-compose.yml, on an image built FROM
## scratch from a static binary compiled here.
compose:
	CGO_ENABLED=0 $(GO) build -o deploy/slotd ./cmd/slotd
	docker-compose up -d --build
	@for i in $$(seq 1 60); do \
		docker-compose ps cluster-init | grep -q "Exit 0" && break; sleep 1; \
	done
	docker-compose logs cluster-init | tail -3

## cluster: the same cluster without Docker (deploy/cluster.sh; data in
## ./cluster-data). `make stop` stops it.
cluster:
	deploy/cluster.sh

stop:
	@if [ -d cluster-data ]; then deploy/cluster.sh stop; fi
	@if docker info >/dev/null 2>&1 && command -v docker-compose >/dev/null 2>&1; then docker-compose down; fi

## standalone: one node on port 6379, like redis-server with no arguments.
standalone: build
	./bin/slotd

## bench: slotd and redis-server side by side under redis-benchmark.
bench: deps
	deploy/bench.sh

## docs: regenerate README.md's list of supported commands.
docs:
	$(GO) run ./cmd/gendocs -readme README.md
