# fieldd — the two commands: `make run` and `make test`.
# Both install what is missing (Debian packages), build, and go on from there.

PRESET ?= dev
BUILD := build/$(PRESET)
JOBS := $(shell nproc 2>/dev/null || echo 2)
LISTEN ?= 127.0.0.1:8080
# quiet recursive makes (cmake's build runs make below this one)
MAKEFLAGS += --no-print-directory

.PHONY: all deps build run test asan db db-stop bench bench-dispatch bench-ical bench-outbox bench-web bench-events format clean

all: build

deps:
	@sh scripts/deps.sh

build: deps
	@sh scripts/mhd.sh
	@sh scripts/npm.sh mobile-web
	@cmake --preset $(PRESET) >/dev/null
	@cmake --build --preset $(PRESET) -j$(JOBS)

db: deps
	@sh scripts/pg.sh start

db-stop:
	@sh scripts/pg.sh stop

# Build, start the private PostgreSQL under var/, migrate, make sure an admin
# exists (its generated password is printed once, when it is created), load the
# demo organisation into a fresh database (its logins are printed once) and serve
# with the FIELDD_SECRET kept in var/secret (made the first time). With no mail server
# or SMS gateway configured, the notices fieldd sends land as files in var/outbox/.
run: build db
	@DATABASE_URL="$$(sh scripts/pg.sh url)" $(BUILD)/fieldd migrate
	@DATABASE_URL="$$(sh scripts/pg.sh url)" $(BUILD)/fieldd user add --login admin \
		--role admin --name 관리자 --generate-password --if-absent
	@DATABASE_URL="$$(sh scripts/pg.sh url)" $(BUILD)/fieldd demo
	@echo "fieldd: serving on http://$(LISTEN) (Ctrl-C stops; the database keeps running: make db-stop)"
	@DATABASE_URL="$$(sh scripts/pg.sh url)" FIELDD_SECRET="$$(sh scripts/secret.sh)" \
		FIELDD_OUTBOX_DIR="$${FIELDD_OUTBOX_DIR:-$(CURDIR)/var/outbox}" \
		FIELDD_LISTEN=$(LISTEN) exec $(BUILD)/fieldd serve

# The whole suite through ctest: unit, integration against throwaway clusters.
test: build
	@sh scripts/npm.sh
	@cd $(BUILD) && ctest --output-on-failure --timeout 600 -j$(JOBS)

# The same suite built with AddressSanitizer + UBSan.
asan:
	@$(MAKE) --no-print-directory test PRESET=asan

bench:
	@$(MAKE) --no-print-directory build PRESET=release
	@sh tests/bench/run.sh

# Dispatch: intake, an engineer's day vs pgbench, the monthly report, at 10k and 1M tickets.
bench-dispatch:
	@$(MAKE) --no-print-directory build PRESET=release
	@sh tests/bench/dispatch.sh

# Calendar feeds: fieldd against Radicale on the same events (docs/performance.md).
bench-ical:
	@$(MAKE) --no-print-directory build PRESET=release
	@sh tests/bench/ical.sh

# The outbox: webhooks and e-mails per second, queue-to-receiver delay (docs/performance.md).
bench-outbox:
	@$(MAKE) --no-print-directory build PRESET=release
	@FIELDD_BIN=$(CURDIR)/build/release/fieldd /usr/bin/python3 tests/bench/outbox_bench.py

# Static web files: fieldd against nginx on the same files (docs/performance.md).
bench-web:
	@$(MAKE) --no-print-directory build PRESET=release
	@sh tests/bench/web.sh

# The engineer app: Lighthouse 12 (mobile) on /m/, cold/warm/offline start to the day's
# visits, first-load bytes (docs/performance.md, "Engineer app").
.PHONY: bench-app
bench-app:
	@$(MAKE) --no-print-directory build PRESET=release
	@sh scripts/npm.sh tests/web tests/bench/lighthouse
	@FIELDD_BIN=build/release/fieldd python3 tests/web/run_web.py --exec node tests/web/bench_app.mjs

# The live event stream: 2,000 open streams (memory, API throughput), write-to-client latency.
bench-events:
	@$(MAKE) --no-print-directory build PRESET=release
	@FIELDD_BIN=$(CURDIR)/build/release/fieldd /usr/bin/python3 tests/bench/events_bench.py

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build
