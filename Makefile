# Confide: `make demo` and `make test` are all a new user needs.
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all bootstrap build build-asan demo demo-cluster test test-unit test-asan bench format lint clean

all: build

bootstrap:
	@scripts/bootstrap

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

# The sanitizer build uses clang, whose -Wthread-safety checks the lock
# annotations (ABSL_GUARDED_BY and friends) as errors.
$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCONFIDE_SANITIZE=ON \
	  -DCMAKE_CXX_COMPILER=clang++ $(CMAKE_FLAGS)

build: bootstrap $(BUILD)/build.ninja
	ninja -C $(BUILD) -j $(JOBS)

build-asan: bootstrap $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD) -j $(JOBS)

# Generates the demo retailer into ./demo-data on first run, then serves it.
demo: build
	$(BUILD)/confide demo --data-dir ./demo-data

# The same demo with its regions on a PostgreSQL formation (a primary and
# its synchronous standby on this machine; docs/deployment.md).
demo-cluster: build
	BUILD=$(BUILD) scripts/demo-cluster

# Every test, in the release build and again under AddressSanitizer + UBSan.
test: test-unit test-asan fuzz

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

test-asan: build-asan
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 900 -L unit

# libFuzzer, each target for a bounded time: the TC string decoder
# (src/consent/tcf_fuzz.cc), seeded from the reference-encoder fixtures; the
# shopper and staff tokens and API key ids (src/crypto/token_fuzz.cc); event
# bodies, URL targets and stored event rows (src/events/events_fuzz.cc);
# CSV and NDJSON imports through a column map, MovieLens ratings and the
# Instacart files (src/events/imports_fuzz.cc); consent bodies, stored
# ledger records and the configuration file (src/consent/consent_fuzz.cc);
# those four seeded from testdata folders; stored model sets, audit records
# and budget charges, valid rows overwritten by the fuzzer's bytes
# (src/store/stored_fuzz.cc); stored catalog rows (products, stores,
# inventory, the stock index) and price rules read through their owners,
# the erasure journal's file, and the cell's own rows (erasure markers,
# deliveries, erasure notices, the erasure list) the same way
# (src/cell/rows_fuzz.cc).
# One clang++ command each: the code under test depends on a handful of
# files only. Found inputs are kept in $(FUZZ_BUILD)/<target>_corpus; a
# crash leaves crash-* in the working directory.
FUZZ_BUILD ?= build-fuzz
FUZZ_CXX ?= clang++
# Seconds: the TC strings, then each of the other targets.
FUZZ_TIME ?= 30
FUZZ_TARGET_TIME ?= 20
FUZZ_TARGETS = tcf token events imports consent stored rows
CORE_FUZZ = src/core/status.cc src/core/time.cc src/core/bytes.cc src/core/money.cc src/core/json_writer.cc
EVENT_FUZZ = src/events/event.cc src/events/properties.cc src/events/json_records.cc src/core/record.cc
# Per target: its sources, the headers it is rebuilt for, its libraries (and
# defines) and its seeds.
tcf_SOURCES = src/consent/tcf_fuzz.cc src/consent/tcf.cc src/consent/tcf_json.cc $(CORE_FUZZ)
tcf_HEADERS = src/consent/tcf.h
tcf_SEEDS = $(FUZZ_BUILD)/tcf_seeds
tcf_TIME = $(FUZZ_TIME)
token_SOURCES = src/crypto/token_fuzz.cc src/crypto/shopper_token.cc src/crypto/staff_token.cc \
  src/crypto/signed_token.cc src/crypto/api_key.cc src/crypto/aead.cc $(CORE_FUZZ)
token_HEADERS = src/crypto/shopper_token.h src/crypto/staff_token.h src/crypto/signed_token.h
token_FLAGS = -lsodium
token_SEEDS = src/crypto/testdata/token_seeds
events_SOURCES = src/events/events_fuzz.cc src/server/url.cc $(EVENT_FUZZ) $(CORE_FUZZ)
events_HEADERS = src/events/event.h src/events/json_records.h src/server/url.h
events_FLAGS = -lsimdjson
events_SEEDS = src/events/testdata/fuzz_seeds
imports_SOURCES = src/events/imports_fuzz.cc src/events/record_reader.cc src/events/field_map.cc \
  src/events/movielens.cc src/events/instacart.cc $(EVENT_FUZZ) $(CORE_FUZZ)
imports_HEADERS = src/events/record_reader.h src/events/field_map.h src/events/movielens.h src/events/instacart.h
imports_FLAGS = -lsimdjson -lz
imports_SEEDS = src/events/testdata/import_seeds
consent_SOURCES = src/consent/consent_fuzz.cc src/consent/consent_json.cc src/consent/consent_record.cc \
  src/consent/policy.cc src/consent/purpose.cc src/consent/tcf.cc src/consent/tcf_json.cc src/core/config.cc \
  src/core/config_experiment.cc src/core/config_promotions.cc src/core/config_region_store.cc src/core/webhook_url.cc $(CORE_FUZZ)
consent_HEADERS = src/consent/consent_json.h src/consent/consent_record.h src/core/config.h src/core/config_reader.h
consent_FLAGS = -DTOML_HEADER_ONLY=0 -DTOML_SHARED_LIB=1 -lsimdjson -ltomlplusplus -lfmt
consent_SEEDS = src/consent/testdata/body_seeds
stored_SOURCES = src/store/stored_fuzz.cc $(addprefix src/recommend/,activity.cc als.cc als_kernels.cc \
  als_solver.cc cooccurrence.cc factor_clusters.cc hybrid.cc explore.cc model_set.cc popularity.cc repurchase.cc scored.cc) \
  src/core/thread_pool.cc src/privacy/audit_log.cc src/analytics/budget_ledger.cc src/store/store.cc src/core/atomic_file.cc \
  src/core/log.cc src/crypto/aead.cc $(EVENT_FUZZ) $(CORE_FUZZ)
stored_HEADERS = src/testing/fuzz_row.h src/recommend/model_set.h src/recommend/explore.h src/privacy/audit_log.h src/analytics/budget_ledger.h
stored_FLAGS = -I/usr/include/eigen3 -lsimdjson -lsodium -lspdlog -lfmt -labsl_synchronization -labsl_time \
  -labsl_int128 -labsl_base -lpthread
rows_SOURCES = src/cell/rows_fuzz.cc src/cell/cell_rows.cc src/catalog/catalog.cc src/catalog/catalog_mirror.cc src/catalog/pricing.cc \
  src/store/store.cc src/cell/erasure_journal.cc src/crypto/secret_file.cc src/core/atomic_file.cc src/crypto/aead.cc \
  src/events/event.cc src/events/properties.cc src/core/record.cc src/core/clock.cc $(CORE_FUZZ)
rows_HEADERS = src/testing/fuzz_row.h src/catalog/catalog.h src/catalog/pricing.h src/store/store.h src/cell/erasure_journal.h \
  src/cell/cell_rows.h src/cell/cell.h
rows_FLAGS = -lsimdjson -lsodium -labsl_synchronization -labsl_time -labsl_int128 -labsl_base -lpthread
FUZZ_FLAGS = -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Isrc
FUZZ_RUN = -max_len=8192 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/
.PHONY: fuzz fuzz-long

.SECONDEXPANSION:
$(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%_fuzz): $(FUZZ_BUILD)/%_fuzz: $$($$*_SOURCES) $$($$*_HEADERS)
	mkdir -p $(FUZZ_BUILD)
	$(FUZZ_CXX) $(FUZZ_FLAGS) $($*_SOURCES) $($*_FLAGS) -o $@

fuzz: bootstrap $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%_fuzz)
	rm -rf $(FUZZ_BUILD)/tcf_seeds && mkdir -p $(FUZZ_BUILD)/tcf_seeds
	i=0; for s in $$(head -n 40 src/consent/testdata/tcf_fixtures.ndjson | sed -n 's/^{"tc_string":"\([^"]*\)".*/\1/p'); do \
	  i=$$((i + 1)); printf '%s' "$$s" > $(FUZZ_BUILD)/tcf_seeds/seed_$$i; done
	$(foreach t,$(FUZZ_TARGETS),mkdir -p $(FUZZ_BUILD)/$(t)_corpus && \
	  $(FUZZ_BUILD)/$(t)_fuzz -max_total_time=$(or $($(t)_TIME),$(FUZZ_TARGET_TIME)) $(FUZZ_RUN) \
	    $(FUZZ_BUILD)/$(t)_corpus $($(t)_SEEDS) &&) true

# The same targets for half an hour each, outside CI.
fuzz-long:
	$(MAKE) fuzz FUZZ_TIME=1800 FUZZ_TARGET_TIME=1800

bench: build
	scripts/bench

format:
	find src bench -name '*.h' -o -name '*.cc' | xargs clang-format -i

lint: build
	find src -name '*.cc' ! -name '*_test.cc' | xargs clang-tidy -p $(BUILD) --quiet

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
