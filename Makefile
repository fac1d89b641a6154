# Confide: `make demo` and `make test` are all a new user needs.
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all bootstrap build build-asan demo test test-unit test-asan bench format lint clean

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
# CSV and NDJSON imports through a column map, and MovieLens ratings
# (src/events/imports_fuzz.cc); consent bodies, stored ledger records and
# the configuration file (src/consent/consent_fuzz.cc); the last four
# seeded from testdata folders. One clang++ command each: the
# code under test depends on a handful of files only. Found inputs are kept
# in $(FUZZ_BUILD)/<target>_corpus; a crash leaves crash-* in the working
# directory.
FUZZ_BUILD ?= build-fuzz
FUZZ_TIME ?= 30
FUZZ_CXX ?= clang++
TCF_FUZZ_SOURCES = src/consent/tcf_fuzz.cc src/consent/tcf.cc src/consent/tcf_json.cc \
  src/core/status.cc src/core/time.cc src/core/json_writer.cc src/core/money.cc
# Seconds for each of the token, events, imports and consent targets.
TOKEN_FUZZ_TIME ?= 20
TOKEN_FUZZ_SOURCES = src/crypto/token_fuzz.cc src/crypto/shopper_token.cc src/crypto/staff_token.cc \
  src/crypto/signed_token.cc src/crypto/api_key.cc src/crypto/aead.cc src/core/status.cc src/core/time.cc \
  src/core/bytes.cc
EVENTS_FUZZ_SOURCES = src/events/events_fuzz.cc src/events/event.cc src/events/properties.cc \
  src/events/json_records.cc src/server/url.cc src/core/status.cc src/core/time.cc src/core/bytes.cc \
  src/core/money.cc src/core/record.cc src/core/json_writer.cc
IMPORTS_FUZZ_SOURCES = src/events/imports_fuzz.cc src/events/record_reader.cc src/events/field_map.cc \
  src/events/movielens.cc src/events/event.cc src/events/properties.cc src/events/json_records.cc \
  src/core/status.cc src/core/time.cc src/core/bytes.cc src/core/money.cc src/core/record.cc src/core/json_writer.cc
CONSENT_FUZZ_SOURCES = src/consent/consent_fuzz.cc src/consent/consent_json.cc src/consent/consent_record.cc \
  src/consent/policy.cc src/consent/purpose.cc src/consent/tcf.cc src/consent/tcf_json.cc src/core/config.cc \
  src/core/webhook_url.cc src/core/status.cc src/core/time.cc src/core/bytes.cc src/core/json_writer.cc src/core/money.cc
FUZZ_FLAGS = -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Isrc
FUZZ_RUN = -max_len=8192 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
.PHONY: fuzz fuzz-long

$(FUZZ_BUILD)/tcf_fuzz: $(TCF_FUZZ_SOURCES) src/consent/tcf.h
	mkdir -p $(FUZZ_BUILD)
	$(FUZZ_CXX) $(FUZZ_FLAGS) $(TCF_FUZZ_SOURCES) -o $@

$(FUZZ_BUILD)/token_fuzz: $(TOKEN_FUZZ_SOURCES) src/crypto/shopper_token.h src/crypto/staff_token.h src/crypto/signed_token.h
	mkdir -p $(FUZZ_BUILD)
	$(FUZZ_CXX) $(FUZZ_FLAGS) $(TOKEN_FUZZ_SOURCES) -lsodium -o $@

$(FUZZ_BUILD)/events_fuzz: $(EVENTS_FUZZ_SOURCES) src/events/event.h src/events/json_records.h src/server/url.h
	mkdir -p $(FUZZ_BUILD)
	$(FUZZ_CXX) $(FUZZ_FLAGS) $(EVENTS_FUZZ_SOURCES) -lsimdjson -o $@

$(FUZZ_BUILD)/imports_fuzz: $(IMPORTS_FUZZ_SOURCES) src/events/record_reader.h src/events/field_map.h src/events/movielens.h
	mkdir -p $(FUZZ_BUILD)
	$(FUZZ_CXX) $(FUZZ_FLAGS) $(IMPORTS_FUZZ_SOURCES) -lsimdjson -lz -o $@

$(FUZZ_BUILD)/consent_fuzz: $(CONSENT_FUZZ_SOURCES) src/consent/consent_json.h src/consent/consent_record.h src/core/config.h
	mkdir -p $(FUZZ_BUILD)
	$(FUZZ_CXX) $(FUZZ_FLAGS) -DTOML_HEADER_ONLY=0 -DTOML_SHARED_LIB=1 $(CONSENT_FUZZ_SOURCES) \
	  -lsimdjson -ltomlplusplus -lfmt -o $@

fuzz: bootstrap $(FUZZ_BUILD)/tcf_fuzz $(FUZZ_BUILD)/token_fuzz $(FUZZ_BUILD)/events_fuzz $(FUZZ_BUILD)/imports_fuzz \
  $(FUZZ_BUILD)/consent_fuzz
	rm -rf $(FUZZ_BUILD)/tcf_seeds && mkdir -p $(FUZZ_BUILD)/tcf_seeds $(FUZZ_BUILD)/tcf_corpus
	i=0; for s in $$(head -n 40 src/consent/testdata/tcf_fixtures.ndjson | sed -n 's/^{"tc_string":"\([^"]*\)".*/\1/p'); do \
	  i=$$((i + 1)); printf '%s' "$$s" > $(FUZZ_BUILD)/tcf_seeds/seed_$$i; done
	$(FUZZ_BUILD)/tcf_fuzz -max_total_time=$(FUZZ_TIME) $(FUZZ_RUN) $(FUZZ_BUILD)/tcf_corpus $(FUZZ_BUILD)/tcf_seeds
	mkdir -p $(FUZZ_BUILD)/token_corpus
	$(FUZZ_BUILD)/token_fuzz -max_total_time=$(TOKEN_FUZZ_TIME) $(FUZZ_RUN) $(FUZZ_BUILD)/token_corpus \
	  src/crypto/testdata/token_seeds
	mkdir -p $(FUZZ_BUILD)/events_corpus
	$(FUZZ_BUILD)/events_fuzz -max_total_time=$(TOKEN_FUZZ_TIME) $(FUZZ_RUN) $(FUZZ_BUILD)/events_corpus \
	  src/events/testdata/fuzz_seeds
	mkdir -p $(FUZZ_BUILD)/imports_corpus
	$(FUZZ_BUILD)/imports_fuzz -max_total_time=$(TOKEN_FUZZ_TIME) $(FUZZ_RUN) $(FUZZ_BUILD)/imports_corpus \
	  src/events/testdata/import_seeds
	mkdir -p $(FUZZ_BUILD)/consent_corpus
	$(FUZZ_BUILD)/consent_fuzz -max_total_time=$(TOKEN_FUZZ_TIME) $(FUZZ_RUN) $(FUZZ_BUILD)/consent_corpus \
	  src/consent/testdata/body_seeds

# The same targets for half an hour each, outside CI.
fuzz-long:
	$(MAKE) fuzz FUZZ_TIME=1800 TOKEN_FUZZ_TIME=1800

bench: build
	scripts/bench

format:
	find src bench -name '*.h' -o -name '*.cc' | xargs clang-format -i

lint: build
	find src -name '*.cc' ! -name '*_test.cc' | xargs clang-tidy -p $(BUILD) --quiet

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
