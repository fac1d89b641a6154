// TC string decode throughput, strings per second on one core (target: at
// least 500,000 for typical strings). "Typical" are the reference-encoder
// fixtures with 50-200 consented vendors (a real CMP string lists ~100);
// "AllFixtures" cycles through every fixture, sparse ranges and dense bit
// fields alike.
//
//   build/bench/tcf_bench --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "consent/tcf.h"

namespace confide {
namespace {

std::vector<std::string> LoadFixtureStrings() {
  std::vector<std::string> out;
  std::ifstream in(CONFIDE_TCF_FIXTURES);
  std::string line;
  const std::string prefix = "{\"tc_string\":\"";
  while (std::getline(in, line)) {
    if (line.compare(0, prefix.size(), prefix) != 0) continue;
    size_t end = line.find('"', prefix.size());
    out.push_back(line.substr(prefix.size(), end - prefix.size()));
  }
  return out;
}

std::vector<std::string> TypicalStrings() {
  std::vector<std::string> typical;
  for (auto& s : LoadFixtureStrings()) {
    auto tc = DecodeTcString(s);
    if (!tc.ok()) continue;
    size_t n = tc->vendor_consents.vendors.Count();
    if (n >= 50 && n <= 200) typical.push_back(std::move(s));
  }
  return typical;
}

void RunDecode(benchmark::State& state, const std::vector<std::string>& strings, bool validate) {
  if (strings.empty()) {
    state.SkipWithError("no fixture strings (CONFIDE_TCF_FIXTURES)");
    return;
  }
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::string& s = strings[i];
    auto tc = DecodeTcString(s);
    benchmark::DoNotOptimize(tc);
    if (validate && tc.ok()) benchmark::DoNotOptimize(ValidateTcString(*tc, 755));
    bytes += s.size();
    if (++i == strings.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["strings"] = static_cast<double>(strings.size());
}

void BM_TcfDecodeTypical(benchmark::State& state) {
  static const std::vector<std::string> strings = TypicalStrings();
  RunDecode(state, strings, false);
}
BENCHMARK(BM_TcfDecodeTypical);

void BM_TcfDecodeAndValidateTypical(benchmark::State& state) {
  static const std::vector<std::string> strings = TypicalStrings();
  RunDecode(state, strings, true);
}
BENCHMARK(BM_TcfDecodeAndValidateTypical);

void BM_TcfDecodeAllFixtures(benchmark::State& state) {
  static const std::vector<std::string> strings = LoadFixtureStrings();
  RunDecode(state, strings, false);
}
BENCHMARK(BM_TcfDecodeAllFixtures);

}  // namespace
}  // namespace confide

BENCHMARK_MAIN();
