#include "synth/test_retailer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>

namespace confide::synth {

namespace fs = std::filesystem;

TempDir::TempDir(const std::string& name)
    : path_(fs::temp_directory_path() /
            ("confide_synth_test_" + std::to_string(::getpid()) + "_" + name)) {
  fs::remove_all(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<Row> ReadCsv(const fs::path& path) {
  const std::string text = ReadFile(path);
  std::vector<Row> rows;
  Row row;
  std::string field;
  bool quoted = false;
  bool field_started = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field.push_back(c);
      }
      continue;
    }
    if (c == '"' && !field_started) {
      quoted = true;
      field_started = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      field_started = false;
    } else if (c == '\n') {
      row.push_back(std::move(field));
      field.clear();
      field_started = false;
      rows.push_back(std::move(row));
      row.clear();
    } else {
      EXPECT_NE(c, '\r') << path;
      EXPECT_NE(c, '"') << "stray quote in " << path;
      field.push_back(c);
      field_started = true;
    }
  }
  EXPECT_FALSE(quoted) << "unterminated quote in " << path;
  EXPECT_TRUE(row.empty() && field.empty()) << "last line of " << path << " has no '\\n'";
  return rows;
}

size_t CountLines(const fs::path& path) {
  const std::string text = ReadFile(path);
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

Options SmallOptions() {
  Options options;
  options.shoppers = 300;
  options.stores = 10;
  options.products = 200;
  options.days = 60;
  options.seed = 7;
  return options;
}

int64_t ParseCents(const std::string& text) {
  const size_t dot = text.find('.');
  if (dot == std::string::npos || dot == 0 || text.size() - dot != 3) return -1;
  int64_t cents = 0;
  for (char c : text) {
    if (c == '.') continue;
    if (c < '0' || c > '9') return -1;
    cents = cents * 10 + (c - '0');
  }
  return cents;
}

bool IsUnsigned(const std::string& text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Generated::Generated() {
  auto result = Generate(options, dir.str(), [this](uint64_t done, uint64_t total) {
    progress.emplace_back(done, total);
  });
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  if (result.ok()) summary = *result;
}

const Generated& Small() {
  static const Generated generated;
  return generated;
}

Identities::Identities(const std::vector<Row>& events) {
  for (size_t i = 1; i < events.size(); ++i) {
    const Row& row = events[i];
    if (row[kType] != "identify") continue;
    const std::string customer = "C:" + row[kCustomer];
    if (!row[kAnonymous].empty()) Union(customer, "A:" + row[kAnonymous]);
    if (!row[kLoyalty].empty()) Union(customer, "L:" + row[kLoyalty]);
  }
}

std::string Identities::Of(const Row& row) {
  if (!row[kCustomer].empty()) return Find("C:" + row[kCustomer]);
  if (!row[kAnonymous].empty()) return Find("A:" + row[kAnonymous]);
  return Find("L:" + row[kLoyalty]);
}

std::string Identities::Find(const std::string& id) {
  auto it = parent_.find(id);
  if (it == parent_.end()) return id;
  if (it->second == id) return id;
  std::string root = Find(it->second);
  parent_[id] = root;
  return root;
}

void Identities::Union(const std::string& a, const std::string& b) {
  parent_.try_emplace(a, a);
  parent_.try_emplace(b, b);
  const std::string ra = Find(a), rb = Find(b);
  if (ra != rb) parent_[ra] = rb;
}

Micros TimestampOf(const Row& row) { return ParseRfc3339(row[kTimestamp]).value_or(-1); }

}  // namespace confide::synth
