// Data-subject requests in process: export and erasure of shoppers with
// 1,000 events each, in a region that holds 100 such shoppers plus 20,000
// others. Prints p50/p99/max per request. Target: erasure p99 under 50 ms.
// Then the key rotation those erasures make due, over 200,000 shoppers,
// with the latency of profile reads made meanwhile from another thread.
//
//   build/bench/dsar_bench [shoppers=100]
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>

#include "cell/cell.h"
#include "privacy/data_subject.h"
#include "privacy/retention.h"

namespace confide {
namespace {

namespace fs = std::filesystem;
using Stopwatch = std::chrono::steady_clock;

void Print(const char* what, std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<size_t>(q * ms.size()))]; };
  std::printf("%-8s %zu requests: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", what, ms.size(), at(0.5), at(0.99),
              ms.back());
}

int Run(int shoppers) {
  fs::path dir = fs::temp_directory_path() / ("confide-dsar-bench-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  auto cell = std::move(Cell::Open({"eu", LegalBasis::kOptIn, "EUR", "", Collection::kAll}, (dir / "data").string(),
                                   (dir / "keys").string()).value());
  std::mt19937_64 rng(7);
  auto event = [&](const std::string& customer, int n) {
    Event e;
    e.event_id = customer + "-" + std::to_string(n);
    e.type = n % 3 ? EventType::kView : EventType::kPurchase;
    e.channel = Channel::kWeb;
    e.timestamp = 1'735'689'600'000'000 + static_cast<int64_t>(rng() % (365ull * 86'400'000'000ull));
    e.id(IdKind::kCustomer) = customer;
    e.product_id = "P" + std::to_string(rng() % 20'000);
    e.quantity = 1;
    return e;
  };
  std::vector<Event> batch;
  auto flush = [&] {
    if (!cell->Ingest(std::move(batch)).ok()) std::abort();
    batch.clear();
  };
  for (int s = 0; s < 20'000; ++s)
    for (int n = 0; n < 5; ++n) {
      batch.push_back(event("other-" + std::to_string(s), n));
      if (batch.size() == 5'000) flush();
    }
  for (int s = 0; s < shoppers; ++s)
    for (int n = 0; n < 1'000; ++n) {
      batch.push_back(event("heavy-" + std::to_string(s), n));
      if (batch.size() == 5'000) flush();
    }
  if (!batch.empty()) flush();

  std::vector<double> export_ms, erase_ms;
  for (int s = 0; s < shoppers; ++s) {
    std::string id = "heavy-" + std::to_string(s);
    auto t0 = Stopwatch::now();
    auto doc = ExportShopper(*cell, IdKind::kCustomer, id, ExportInputs(), NowMicros());
    auto t1 = Stopwatch::now();
    auto receipt = cell->Erase(IdKind::kCustomer, id);
    auto t2 = Stopwatch::now();
    if (!doc.ok() || !doc->has_value() || !receipt.ok() || receipt->events != 1'000) {
      std::fprintf(stderr, "dsar_bench: unexpected result for shopper %d\n", s);
      return 1;
    }
    export_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    erase_ms.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
  }
  Print("export", export_ms);
  Print("erase", erase_ms);

  for (int s = 20'000; s < 200'000; ++s) {
    batch.push_back(event("other-" + std::to_string(s), 0));
    if (batch.size() == 5'000) flush();
  }
  if (!batch.empty()) flush();
  std::atomic<bool> rotating{true};
  std::vector<double> read_ms;
  std::thread reader([&] {
    for (int i = 0; rotating; ++i) {
      auto t0 = Stopwatch::now();
      if (!cell->GetProfile(IdKind::kCustomer, "other-" + std::to_string(i % 20'000)).ok()) std::abort();
      read_ms.push_back(std::chrono::duration<double, std::milli>(Stopwatch::now() - t0).count());
    }
  });
  // The rotation the erasures above made due (what serve runs after them).
  auto t0 = Stopwatch::now();
  auto rotation = cell->RekeyIfDue("bench");
  double rotate_s = std::chrono::duration<double>(Stopwatch::now() - t0).count();
  rotating = false;
  reader.join();
  if (!rotation.ok() || !rotation->has_value() || cell->rekey_due()) return 1;
  std::printf("rekey    %llu data keys re-wrapped in %.2f s\n",
              static_cast<unsigned long long>((*rotation)->rewrapped), rotate_s);
  Print("reads", read_ms);
  cell.reset();
  fs::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace confide

int main(int argc, char** argv) {
  confide::InitCrypto();
  return confide::Run(argc > 1 ? std::atoi(argv[1]) : 100);
}
