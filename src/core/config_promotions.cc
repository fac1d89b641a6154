// [[recommend.promotions]]:
//
//   [[recommend.promotions]]
//   name = "summer-ice-cream"
//   products = ["ice-1", "ice-2"]
//   from = 2026-06-01          # a TOML date or "2026-06-01"
//   until = 2026-06-30         # the last day, included
//   share = 0.1                # of a list's slots; or boost = 2
//   channels = ["web", "app"]  # optional
//   stores = ["s-001"]         # optional
#include <algorithm>
#include <set>

#include "core/config_reader.h"
#include "core/time.h"

namespace confide {
namespace {

constexpr size_t kMaxPromotions = 100;
constexpr size_t kMaxProducts = 1000;
// The channels of events (events/event.h), which core does not depend on.
const std::set<std::string, std::less<>> kChannels = {"web", "app", "store", "call_center"};

// Midnight UTC of a TOML date or a "YYYY-MM-DD" string.
Status Day(const ConfigReader& r, const toml::table& t, const std::string& p, std::string_view key, Micros& out) {
  const toml::node* n = t.get(key);
  const std::string field = p + std::string(key);
  if (!n) return r.Error(field, "required: a date, YYYY-MM-DD");
  if (const auto* date = n->as_date()) {
    const toml::date d = date->get();
    out = DaysFromCivil(d.year, d.month, d.day) * kMicrosPerDay;
    return {};
  }
  std::optional<Micros> parsed;
  if (const auto* text = n->as_string(); text && text->get().size() == 10) parsed = ParseRfc3339(text->get() + "T00:00:00Z");
  if (!parsed) return r.Error(field, "must be a date, YYYY-MM-DD");
  out = *parsed;
  return {};
}

Status ParsePromotion(const ConfigReader& r, const toml::table& t, const std::string& p, PromotionConfig& out) {
  CONFIDE_RETURN_IF_ERROR(r.OnlyKeys(t, p, {"name", "products", "from", "until", "share", "boost", "channels", "stores"}));
  CONFIDE_RETURN_IF_ERROR(r.String(t, p, "name", out.name));
  if (!ValidConfigName(out.name, 64)) return r.Error(p + "name", "required: 1-64 characters of a-z, 0-9, '-' or '_'");
  CONFIDE_RETURN_IF_ERROR(r.StringList(t, p, "products", out.products));
  if (out.products.empty() || out.products.size() > kMaxProducts)
    return r.Error(p + "products", "required: 1 to " + std::to_string(kMaxProducts) + " product ids");
  for (const std::string& id : out.products) {
    if (id.empty() || id.size() > 256 ||
        std::any_of(id.begin(), id.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
      return r.Error(p + "products", "a product id must have 1 to 256 characters, none a control character");
  }
  CONFIDE_RETURN_IF_ERROR(Day(r, t, p, "from", out.from));
  CONFIDE_RETURN_IF_ERROR(Day(r, t, p, "until", out.until));
  if (out.until < out.from) return r.Error(p + "until", "must not be before from");
  out.until += kMicrosPerDay;  // the last day is included
  CONFIDE_RETURN_IF_ERROR(r.Real(t, p, "share", out.share, 0.01, 0.5));
  CONFIDE_RETURN_IF_ERROR(r.Real(t, p, "boost", out.boost, 1.01, 100));
  if ((out.share > 0) == (out.boost > 0)) return r.Error(p + "share", "give either share or boost");
  CONFIDE_RETURN_IF_ERROR(r.StringList(t, p, "channels", out.channels));
  for (const std::string& c : out.channels) {
    if (!kChannels.count(c)) return r.Error(p + "channels", "\"" + c + "\" is not web, app, store or call_center");
  }
  CONFIDE_RETURN_IF_ERROR(r.StringList(t, p, "stores", out.stores));
  for (const std::string& s : out.stores) {
    if (s.empty()) return r.Error(p + "stores", "a store id must not be empty");
  }
  return {};
}

}  // namespace

Status ParsePromotions(const ConfigReader& r, const toml::node& node, const std::string& key,
                       std::vector<PromotionConfig>& out) {
  const toml::array* array = node.as_array();
  if (!array || array->size() > kMaxPromotions)
    return r.Error(key, "must be an array of at most " + std::to_string(kMaxPromotions) + " tables ([[" + key + "]])");
  out.clear();
  std::set<std::string> names;
  for (size_t i = 0; i < array->size(); ++i) {
    const std::string at = key + "[" + std::to_string(i) + "]";
    const toml::table* t = array->get(i)->as_table();
    if (!t) return r.Error(at, "must be a table {name, products, from, until, share or boost}");
    PromotionConfig promotion;
    CONFIDE_RETURN_IF_ERROR(ParsePromotion(r, *t, at + ".", promotion));
    if (!names.insert(promotion.name).second) return r.Error(at + ".name", "\"" + promotion.name + "\" is listed twice");
    out.push_back(std::move(promotion));
  }
  return {};
}

Result<std::vector<PromotionConfig>> ParsePromotionsFile(std::string_view text, const std::string& origin) {
  ConfigReader r(origin);
  auto parsed = ParseToml(text, origin);
  if (!parsed.ok()) return parsed.status();
  const toml::table& root = *parsed;
  CONFIDE_RETURN_IF_ERROR(r.OnlyKeys(root, "", {"promotions"}));
  const toml::node* node = root.get("promotions");
  if (!node) return r.Error("promotions", "required: an array of [[promotions]] tables");
  std::vector<PromotionConfig> out;
  CONFIDE_RETURN_IF_ERROR(ParsePromotions(r, *node, "promotions", out));
  if (out.empty()) return r.Error("promotions", "required: at least one promotion");
  return out;
}

Result<std::vector<PromotionConfig>> LoadPromotions(const std::string& path) {
  auto text = ReadConfigFile(path);
  if (!text.ok()) return text.status();
  return ParsePromotionsFile(*text, path);
}

}  // namespace confide
