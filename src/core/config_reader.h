// What the parsers of the configuration's tables share (config.cc,
// config_experiment.cc): typed reads of a TOML table whose errors read
// "<origin>: <key>: <what is wrong>".
#ifndef CONFIDE_CORE_CONFIG_READER_H_
#define CONFIDE_CORE_CONFIG_READER_H_

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/status.h"

namespace confide {

class ConfigReader {
 public:
  explicit ConfigReader(std::string origin) : origin_(std::move(origin)) {}

  Status Error(const std::string& key, const std::string& what) const {
    return InvalidArgument(key, origin_ + ": " + key + ": " + what);
  }

  // The table `name` of `root`: null when absent, an error when not a table.
  Result<const toml::table*> Table(const toml::table& root, const std::string& name) const {
    const toml::node* n = root.get(name);
    if (n && !n->as_table()) return Error(name, "must be a table");
    return n ? n->as_table() : static_cast<const toml::table*>(nullptr);
  }

  // Rejects keys of `table` not in `known`.
  Status OnlyKeys(const toml::table& table, const std::string& prefix,
                  std::initializer_list<std::string_view> known) const {
    for (auto&& [k, v] : table) {
      if (std::find(known.begin(), known.end(), k.str()) == known.end())
        return Error(prefix + std::string(k.str()), "unknown key");
    }
    return {};
  }

  Status String(const toml::table& t, const std::string& prefix, std::string_view key,
                std::string& out) const {
    const toml::node* n = t.get(key);
    if (!n) return {};
    if (!n->is_string()) return Error(prefix + std::string(key), "must be a string");
    out = n->as_string()->get();
    return {};
  }

  // A float or an integer within [min, max].
  Status Real(const toml::table& t, const std::string& prefix, std::string_view key, double& out, double min,
              double max) const {
    const toml::node* n = t.get(key);
    if (!n) return {};
    std::optional<double> v = n->is_integer() ? std::optional<double>(static_cast<double>(n->as_integer()->get()))
                              : n->is_floating_point() ? std::optional<double>(n->as_floating_point()->get())
                                                       : std::nullopt;
    if (!v) return Error(prefix + std::string(key), "must be a number");
    if (!(*v >= min && *v <= max))  // NaN too
      return Error(prefix + std::string(key), "must be between " + fmt::format("{}", min) + " and " + fmt::format("{}", max));
    out = *v;
    return {};
  }

  template <typename Int>
  Status Integer(const toml::table& t, const std::string& prefix, std::string_view key, Int& out,
                 int64_t min, int64_t max) const {
    const toml::node* n = t.get(key);
    if (!n) return {};
    if (!n->is_integer()) return Error(prefix + std::string(key), "must be an integer");
    int64_t v = n->as_integer()->get();
    if (v < min || v > max)
      return Error(prefix + std::string(key),
                   "must be between " + std::to_string(min) + " and " + std::to_string(max));
    out = static_cast<Int>(v);
    return {};
  }

  Status StringList(const toml::table& t, const std::string& prefix, std::string_view key,
                    std::vector<std::string>& out) const {
    const toml::node* n = t.get(key);
    if (!n) return {};
    const toml::array* arr = n->as_array();
    if (!arr) return Error(prefix + std::string(key), "must be an array of strings");
    out.clear();
    for (auto&& e : *arr) {
      if (!e.is_string()) return Error(prefix + std::string(key), "must be an array of strings");
      out.push_back(e.as_string()->get());
    }
    return {};
  }

 private:
  std::string origin_;
};

// A name of 1 to `max` characters of a-z, 0-9, '-' or '_' (region ids,
// experiments and their variants).
bool ValidConfigName(std::string_view name, size_t max);

// TOML text as a table; a syntax error reads "<origin>:<line>: <what>".
Result<toml::table> ParseToml(std::string_view text, const std::string& origin);

// The text of a configuration file; errors name the path (a directory,
// an unreadable file).
Result<std::string> ReadConfigFile(const std::string& path);

// An array of promotion tables named `key` (config_promotions.cc): each
// with a name, products, from and until dates, a share or a boost, and
// optional channels and stores.
Status ParsePromotions(const ConfigReader& r, const toml::node& node, const std::string& key,
                       std::vector<PromotionConfig>& out);

// A region's store: store, postgresql, postgresql_schema, in the region's
// table `t` whose keys are named p + key (config_region_store.cc).
Status ParseRegionStore(const ConfigReader& r, const toml::table& t, const std::string& p, RegionConfig& rc);

// The [experiment] table (config_experiment.cc).
Status ParseExperiment(const ConfigReader& r, const toml::table& root, std::optional<ExperimentConfig>& out);

}  // namespace confide

#endif  // CONFIDE_CORE_CONFIG_READER_H_
