// For the generator's tests: a scratch directory, a strict CSV reader, the small retailer the
// read-only tests share, and the people behind the ids of an events.csv.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/time.h"
#include "synth/generator.h"

namespace confide::synth {

using Row = std::vector<std::string>;

// A directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  explicit TempDir(const std::string& name);
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

std::string ReadFile(const std::filesystem::path& path);

// RFC 4180 with '\n' line ends; fails the test on anything else.
std::vector<Row> ReadCsv(const std::filesystem::path& path);

size_t CountLines(const std::filesystem::path& path);

// 300 shoppers, 10 stores, 200 products, 60 days, seed 7, every region.
Options SmallOptions();

// "12.34" -> 1234; -1 when not a positive-or-zero amount with exactly 2 decimals.
int64_t ParseCents(const std::string& text);

bool IsUnsigned(const std::string& text);

// Column indices of events.csv.
enum Col {
  kEventId,
  kType,
  kTimestamp,
  kCustomer,
  kAnonymous,
  kLoyalty,
  kChannel,
  kProduct,
  kQuantity,
  kUnitPrice,
  kCurrency,
  kOrder,
  kStore,
  kQuery,
  kColumns
};

// One generated retailer at the small scale, shared by the read-only tests.
struct Generated {
  TempDir dir{"small"};
  Options options = SmallOptions();
  Summary summary;
  std::vector<std::pair<uint64_t, uint64_t>> progress;

  Generated();
  std::filesystem::path File(const std::string& region, const std::string& name) const {
    return dir.path() / region / name;
  }
};

// Generated once per test process.
const Generated& Small();

// Groups the ids of one person, from the identify events (union-find).
class Identities {
 public:
  explicit Identities(const std::vector<Row>& events);
  // The person behind a single-id event.
  std::string Of(const Row& row);

 private:
  std::string Find(const std::string& id);
  void Union(const std::string& a, const std::string& b);
  std::unordered_map<std::string, std::string> parent_;
};

Micros TimestampOf(const Row& row);

}  // namespace confide::synth
