#include "audiences/audience.h"

#include <simdjson.h>

#include <cmath>
#include <set>

#include "catalog/catalog.h"
#include "core/json_writer.h"
#include "store/store.h"

namespace confide {

namespace {

constexpr std::string_view kKeyPrefix = "audience/";

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '-' && c != '_'))) return false;
  }
  return true;
}

Result<uint32_t> Days(simdjson::dom::element value, const char* field, uint32_t most) {
  int64_t n = 0;
  if (value.get_int64().get(n) || n < 1 || n > most)
    return InvalidArgument(field, "must be an integer from 1 to " + std::to_string(most));
  return static_cast<uint32_t>(n);
}

Result<std::string> Id(simdjson::dom::element value, const char* field) {
  std::string_view text;
  if (value.get_string().get(text)) return InvalidArgument(field, "must be a string");
  if (text.empty() || text.size() > kMaxIdLength) return InvalidArgument(field, "must be 1 to 128 bytes");
  return std::string(text);
}

Status ReadAffinity(simdjson::dom::element value, AudienceDefinition& a) {
  simdjson::dom::object affinity;
  if (value.get_object().get(affinity))
    return InvalidArgument("affinity", "must be an object: {\"product_id\":..,\"min_score\":..}");
  bool have_score = false;
  std::set<std::string_view> seen;
  for (auto [key, member] : affinity) {
    if (!seen.insert(key).second) return InvalidArgument("affinity." + std::string(key), "is given twice");
    if (key == "product_id") {
      auto id = Id(member, "affinity.product_id");
      if (!id.ok()) return id.status();
      a.affinity_product = std::move(*id);
    } else if (key == "min_score") {
      if (member.get_double().get(a.min_affinity) || !std::isfinite(a.min_affinity) || a.min_affinity <= 0 ||
          a.min_affinity > 1)
        return InvalidArgument("affinity.min_score", "must be a number above 0 and at most 1");
      have_score = true;
    } else {
      return InvalidArgument("affinity." + std::string(key), "unknown field");
    }
  }
  if (a.affinity_product.empty()) return InvalidArgument("affinity.product_id", "is required");
  if (!have_score) return InvalidArgument("affinity.min_score", "is required");
  return Status::Ok();
}

Status ReadMember(std::string_view key, simdjson::dom::element value, AudienceDefinition& a) {
  if (key == "name") {
    std::string_view text;
    if (value.get_string().get(text) || !ValidName(text))
      return InvalidArgument("name", "must be 1 to 64 of a-z, 0-9, '-' and '_', starting with a letter or digit");
    a.name = std::string(text);
  } else if (key == "window_days") {
    auto days = Days(value, "window_days", kMaxAudienceWindowDays);
    if (!days.ok()) return days.status();
    a.window_days = *days;
  } else if (key == "lapsed_days") {
    auto days = Days(value, "lapsed_days", kMaxAudienceWindowDays);
    if (!days.ok()) return days.status();
    a.lapsed_days = *days;
  } else if (key == "category" || key == "store_id") {
    auto id = Id(value, key == "category" ? "category" : "store_id");
    if (!id.ok()) return id.status();
    (key == "category" ? a.category : a.store_id) = std::move(*id);
  } else if (key == "channel") {
    std::string_view text;
    std::optional<Channel> channel;
    if (value.get_string().get(text) || !(channel = ParseChannel(text)))
      return InvalidArgument("channel", "must be web, app, store or call_center");
    a.channel = channel;
  } else if (key == "affinity") {
    return ReadAffinity(value, a);
  } else {
    return InvalidArgument(std::string(key), "unknown field");
  }
  return Status::Ok();
}

std::string KeyOf(std::string_view name) { return std::string(kKeyPrefix) + std::string(name); }

Result<AudienceDefinition> Decode(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::object body;
  if (parser.parse(json.data(), json.size()).get_object().get(body))
    return Status(Code::kDataLoss, "an audience definition does not parse");
  AudienceDefinition a;
  for (auto [key, value] : body) {
    if (key == "created_at") {
      std::string_view text;
      std::optional<Micros> at;
      if (value.get_string().get(text) || !(at = ParseRfc3339(text)))
        return Status(Code::kDataLoss, "an audience definition's created_at does not parse");
      a.created_at = *at;
    } else if (Status read = ReadMember(key, value, a); !read.ok()) {
      return Status(Code::kDataLoss, "an audience definition does not parse: " + read.field());
    }
  }
  return a;
}

}  // namespace

Result<AudienceDefinition> ParseAudience(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::object body;
  if (parser.parse(json.data(), json.size()).get_object().get(body)) return InvalidArgument("body", "must be a JSON object");
  AudienceDefinition a;
  std::set<std::string_view> seen;
  for (auto [key, value] : body) {
    if (!seen.insert(key).second) return InvalidArgument(std::string(key), "is given twice");
    CONFIDE_RETURN_IF_ERROR(ReadMember(key, value, a));
  }
  if (a.name.empty()) return InvalidArgument("name", "is required");
  if (a.category.empty() && !a.lapsed_days && a.affinity_product.empty() && a.store_id.empty() && !a.channel)
    return InvalidArgument("body", "needs at least one rule: category, lapsed_days, affinity, store_id or channel");
  if (a.lapsed_days >= a.window_days)
    return InvalidArgument("lapsed_days", "must be less than window_days (" + std::to_string(a.window_days) + ")");
  return a;
}

Status CheckAudienceReferences(const AudienceDefinition& a, Catalog& catalog) {
  if (!a.store_id.empty()) CONFIDE_RETURN_IF_ERROR(catalog.CheckStore(a.store_id, "store_id"));
  if (!a.affinity_product.empty()) CONFIDE_RETURN_IF_ERROR(catalog.CheckProduct(a.affinity_product, "affinity.product_id"));
  if (a.category.empty()) return Status::Ok();
  bool found = false;
  CONFIDE_RETURN_IF_ERROR(catalog.ForEachProduct([&](const Product& p) {
    found = p.category == a.category;
    return !found;
  }));
  if (!found) return InvalidArgument("category", "no product of the catalog has this category");
  return Status::Ok();
}

std::string AudienceToJson(const AudienceDefinition& a) {
  JsonWriter w;
  w.BeginObject().Key("name").String(a.name).Key("window_days").Uint(a.window_days);
  if (!a.category.empty()) w.Key("category").String(a.category);
  if (a.lapsed_days) w.Key("lapsed_days").Uint(a.lapsed_days);
  if (!a.affinity_product.empty())
    w.Key("affinity").BeginObject().Key("product_id").String(a.affinity_product).Key("min_score").Double(a.min_affinity).EndObject();
  if (!a.store_id.empty()) w.Key("store_id").String(a.store_id);
  if (a.channel) w.Key("channel").String(ChannelName(*a.channel));
  if (a.created_at) w.Key("created_at").String(FormatRfc3339(a.created_at));
  return w.EndObject().Take();
}

Result<AudienceDefinition> PutAudience(Store& store, AudienceDefinition audience, Micros now, bool* created) {
  auto held = GetAudience(store, audience.name);
  if (!held.ok()) return held.status();
  *created = false;
  if (!held->has_value()) {
    auto all = ListAudiences(store);
    if (!all.ok()) return all.status();
    if (all->size() >= kMaxAudiences)
      return Status(Code::kFailedPrecondition,
                    "the region holds " + std::to_string(kMaxAudiences) + " audiences, the most it may: delete one first",
                    "name");
  }
  if (held->has_value()) {
    AudienceDefinition same = audience;
    same.created_at = (*held)->created_at;
    if (same == **held) return std::move(**held);
    return Status(Code::kAlreadyExists, "an audience of this name is defined otherwise; delete it first", "name");
  }
  audience.created_at = now;
  WriteBatch batch;
  batch.Put(Family::kMeta, KeyOf(audience.name), AudienceToJson(audience));
  CONFIDE_RETURN_IF_ERROR(store.Write(batch));
  *created = true;
  return audience;
}

Result<std::optional<AudienceDefinition>> GetAudience(Store& store, std::string_view name) {
  auto held = store.Get(Family::kMeta, KeyOf(name));
  if (!held.ok()) return held.status();
  if (!held->has_value()) return std::optional<AudienceDefinition>();
  auto a = Decode(**held);
  if (!a.ok()) return a.status();
  return std::optional<AudienceDefinition>(std::move(*a));
}

Result<std::vector<AudienceDefinition>> ListAudiences(Store& store) {
  std::vector<AudienceDefinition> out;
  CONFIDE_RETURN_IF_ERROR(store.ScanPrefix(Family::kMeta, kKeyPrefix, [&](std::string_view, std::string_view v) -> Result<bool> {
    auto a = Decode(v);
    if (!a.ok()) return a.status();
    out.push_back(std::move(*a));
    return true;
  }));
  return out;
}

Result<bool> DeleteAudience(Store& store, std::string_view name) {
  auto held = store.Get(Family::kMeta, KeyOf(name));
  if (!held.ok()) return held.status();
  if (!held->has_value()) return false;
  WriteBatch batch;
  batch.Delete(Family::kMeta, KeyOf(name));
  CONFIDE_RETURN_IF_ERROR(store.Write(batch));
  return true;
}

}  // namespace confide
