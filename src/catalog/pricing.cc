#include "catalog/pricing.h"

#include <algorithm>
#include <charconv>

#include "core/bytes.h"
#include "core/json_writer.h"
#include "core/money.h"

namespace confide {
namespace {

constexpr size_t kMaxId = 128;
constexpr uint8_t kNoChannel = 0xff;

std::string RuleKey(std::string_view product, std::string_view id) {
  std::string key(product);
  key.push_back('\0');
  key.append(id);
  return key;
}

std::string EncodeRule(const PriceRule& r) {
  std::string out;
  out.push_back(static_cast<char>(r.kind));
  PutLengthPrefixed(out, r.store_id);
  out.push_back(static_cast<char>(r.channel ? static_cast<uint8_t>(*r.channel) : kNoChannel));
  PutVarint64(out, static_cast<uint64_t>(r.price));
  PutVarint64(out, r.percent_off);
  PutFixed64BE(out, OrderedInt64(r.starts));
  PutFixed64BE(out, OrderedInt64(r.ends));
  PutFixed64BE(out, OrderedInt64(r.recorded));
  return out;
}

Result<PriceRule> DecodeRule(std::string_view key, std::string_view in) {
  const Status bad(Code::kDataLoss, "stored price rule is malformed");
  size_t zero = key.find('\0');
  if (zero == std::string_view::npos || in.size() < 2) return bad;
  PriceRule r;
  r.product_id = key.substr(0, zero);
  r.id = key.substr(zero + 1);
  uint8_t kind = static_cast<uint8_t>(in[0]);
  if (kind > 1) return bad;
  r.kind = static_cast<PriceRule::Kind>(kind);
  in.remove_prefix(1);
  std::string_view store;
  if (!GetLengthPrefixed(in, store) || in.empty()) return bad;
  r.store_id = store;
  uint8_t channel = static_cast<uint8_t>(in[0]);
  in.remove_prefix(1);
  if (channel != kNoChannel) {
    if (channel >= kChannelCount) return bad;
    r.channel = static_cast<Channel>(channel);
  }
  uint64_t price, percent;
  if (!GetVarint64(in, price) || !GetVarint64(in, percent) || in.size() != 24) return bad;
  if (price > static_cast<uint64_t>(INT64_MAX) || percent > 100) return bad;  // never written so
  r.price = static_cast<int64_t>(price);
  r.percent_off = static_cast<uint32_t>(percent);
  r.starts = FromOrderedInt64(GetFixed64BE(in));
  r.ends = FromOrderedInt64(GetFixed64BE(in.substr(8)));
  r.recorded = FromOrderedInt64(GetFixed64BE(in.substr(16)));
  return r;
}

// Whether a rule's scope covers the context.
bool Covers(const PriceRule& r, const PriceContext& c) {
  if (r.channel && *r.channel != c.channel) return false;
  if (!r.store_id.empty() && (c.channel != Channel::kStore || r.store_id != c.store_id)) return false;
  return true;
}

int Specificity(const PriceRule& r) { return (r.store_id.empty() ? 0 : 2) + (r.channel ? 1 : 0); }

// A percentage off, rounded to the nearest cent (10,000 micro-units).
int64_t PercentOff(int64_t price, uint32_t percent) {
  __int128 p = static_cast<__int128>(price) * (100 - percent);
  int64_t micros = static_cast<int64_t>((p + 50) / 100);
  return std::max<int64_t>((micros + 5'000) / 10'000 * 10'000, 0);
}

void WriteQuoteMembers(JsonWriter& w, const Quote& q) {
  w.Key("price").Micros6(q.price);
  if (!q.price_rule.empty()) w.Key("price_rule").String(q.price_rule);
  if (!q.promotion.empty()) w.Key("promotion").String(q.promotion);
  if (q.since) w.Key("since").String(FormatRfc3339(q.since));
}

}  // namespace

Result<PriceRule> PriceRuleFromRecord(const Record& rec) {
  static constexpr ExpectedType kFields[] = {{"id", Field::Type::kString},
                                               {"product_id", Field::Type::kString},
                                               {"store_id", Field::Type::kString},
                                               {"kind", Field::Type::kString},
                                               {"channel", Field::Type::kString},
                                               {"starts", Field::Type::kString},
                                               {"ends", Field::Type::kString},
                                               {"price", Field::Type::kNumber},
                                               {"percent_off", Field::Type::kNumber}};
  CONFIDE_RETURN_IF_ERROR(CheckJsonTypes(rec, kFields));
  PriceRule r;
  auto text = [&](const char* field, bool required, std::string& out) -> Status {
    std::string_view v = rec.Get(field);
    if (required && v.empty()) return InvalidArgument(field, "is required");
    if (v.size() > kMaxId) return InvalidArgument(field, "longer than 128 bytes");
    out = v;
    return {};
  };
  CONFIDE_RETURN_IF_ERROR(text("id", true, r.id));
  CONFIDE_RETURN_IF_ERROR(text("product_id", true, r.product_id));
  CONFIDE_RETURN_IF_ERROR(text("store_id", false, r.store_id));
  if (r.id.find('\0') != std::string::npos) return InvalidArgument("id", "must not contain NUL");
  if (r.product_id.find('\0') != std::string::npos) return InvalidArgument("product_id", "must not contain NUL");
  std::string_view kind = rec.Get("kind");
  if (kind.empty() || kind == "price") r.kind = PriceRule::Kind::kPrice;
  else if (kind == "promotion") r.kind = PriceRule::Kind::kPromotion;
  else return InvalidArgument("kind", "must be price or promotion");
  if (std::string_view c = rec.Get("channel"); !c.empty()) {
    r.channel = ParseChannel(c);
    if (!r.channel) return InvalidArgument("channel", "must be web, app, store or call_center");
  }
  if (!r.store_id.empty() && r.channel && *r.channel != Channel::kStore)
    return InvalidArgument("channel", "a rule for a store applies to the store channel only");
  if (std::string_view v = rec.Get("price"); !v.empty()) {
    auto p = ParseMicros(v);
    if (!p || *p <= 0) return InvalidArgument("price", "must be a positive decimal number with at most 6 decimals");
    r.price = *p;
  }
  if (std::string_view v = rec.Get("percent_off"); !v.empty()) {
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), r.percent_off);
    if (ec != std::errc() || end != v.data() + v.size() || r.percent_off < 1 || r.percent_off > 99)
      return InvalidArgument("percent_off", "must be an integer from 1 to 99");
  }
  if (r.kind == PriceRule::Kind::kPrice) {
    if (r.price == 0) return InvalidArgument("price", "is required");
    if (r.percent_off) return InvalidArgument("percent_off", "only for promotions");
  } else if ((r.price == 0) == (r.percent_off == 0)) {
    return InvalidArgument("percent_off", "a promotion needs exactly one of price and percent_off");
  }
  for (auto [field, out] : {std::pair<const char*, Micros*>{"starts", &r.starts}, {"ends", &r.ends}}) {
    std::string_view v = rec.Get(field);
    if (v.empty()) continue;
    auto t = ParseRfc3339(v);
    if (!t) return InvalidArgument(field, "not RFC 3339");
    *out = *t;
  }
  if (r.ends && r.starts && r.ends <= r.starts) return InvalidArgument("ends", "must be after starts");
  return r;
}

std::string PriceRuleToJson(const PriceRule& r) {
  JsonWriter w;
  w.BeginObject().Key("id").String(r.id).Key("product_id").String(r.product_id);
  w.Key("kind").String(r.kind == PriceRule::Kind::kPrice ? "price" : "promotion");
  if (!r.store_id.empty()) w.Key("store_id").String(r.store_id);
  if (r.channel) w.Key("channel").String(ChannelName(*r.channel));
  if (r.price) w.Key("price").Micros6(r.price);
  if (r.percent_off) w.Key("percent_off").Uint(r.percent_off);
  w.Key("since").String(FormatRfc3339(r.since()));
  if (r.ends) w.Key("ends").String(FormatRfc3339(r.ends));
  w.EndObject();
  return w.Take();
}

Quote QuotePrice(const Product& product, std::span<const PriceRule> rules, const PriceContext& context) {
  Quote q;
  q.list_price = q.price = product.price;
  const PriceRule* scoped = nullptr;
  for (const PriceRule& r : rules) {
    if (r.product_id != product.id || r.kind != PriceRule::Kind::kPrice || !r.InEffect(context.now) ||
        !Covers(r, context))
      continue;
    if (!scoped || Specificity(r) > Specificity(*scoped) ||
        (Specificity(r) == Specificity(*scoped) && r.since() > scoped->since()))
      scoped = &r;
  }
  if (scoped) {
    q.price = scoped->price;
    q.price_rule = scoped->id;
    q.since = scoped->since();
  }
  const PriceRule* promotion = nullptr;
  int64_t promoted = q.price;
  for (const PriceRule& r : rules) {
    if (r.product_id != product.id || r.kind != PriceRule::Kind::kPromotion || !r.InEffect(context.now) ||
        !Covers(r, context))
      continue;
    int64_t p = r.percent_off ? PercentOff(q.price, r.percent_off) : std::min(r.price, q.price);
    if (p < promoted || (p == promoted && promotion && r.since() < promotion->since())) {
      promoted = p;
      promotion = &r;
    }
  }
  if (promotion) {
    q.price = promoted;
    q.promotion = promotion->id;
    q.since = std::max(q.since, promotion->since());
  }
  return q;
}

Status PriceList::Put(std::vector<PriceRule> rules, Micros now) {
  WriteBatch b;
  for (PriceRule& r : rules) {
    r.recorded = now;
    b.Put(Family::kPrices, RuleKey(r.product_id, r.id), EncodeRule(r));
  }
  absl::MutexLock lock(&write_mu_);
  CONFIDE_RETURN_IF_ERROR(store_.Write(b));
  if (mirrored_.load(std::memory_order_relaxed)) {
    absl::MutexLock mirror(&mu_);
    for (const PriceRule& r : rules) Mirror(by_product_, r);
  }
  return {};
}

Status PriceList::DeleteRulesOf(std::string_view product_id) {
  WriteBatch b;
  std::string end(product_id);
  end.push_back('\1');  // past every "<product>\0<rule>" key
  b.DeleteRange(Family::kPrices, RuleKey(product_id, ""), end);
  absl::MutexLock lock(&write_mu_);
  CONFIDE_RETURN_IF_ERROR(store_.Write(b));
  if (mirrored_.load(std::memory_order_relaxed)) {
    absl::MutexLock mirror(&mu_);
    if (auto it = by_product_.find(product_id); it != by_product_.end()) by_product_.erase(it);
  }
  return {};
}

void PriceList::Mirror(RuleMap& by_product, const PriceRule& rule) {
  std::vector<PriceRule>& rules = by_product[rule.product_id];
  auto at = std::lower_bound(rules.begin(), rules.end(), rule.id, [](const PriceRule& r, const std::string& id) { return r.id < id; });
  if (at != rules.end() && at->id == rule.id) *at = rule;
  else rules.insert(at, rule);
}

Status PriceList::LoadMirror() {
  if (mirrored_.load(std::memory_order_acquire)) return {};
  absl::MutexLock lock(&write_mu_);
  if (mirrored_.load(std::memory_order_relaxed)) return {};
  absl::MutexLock mirror(&mu_);
  CONFIDE_RETURN_IF_ERROR(ForEach([&](const PriceRule& r) {
    mu_.AssertHeld();  // held around the scan
    return Mirror(by_product_, r), true;
  }));
  mirrored_.store(true, std::memory_order_release);
  return {};
}

Status PriceList::Reload() {
  absl::MutexLock lock(&write_mu_);
  if (!mirrored_.load(std::memory_order_relaxed)) return {};  // the load reads them all
  RuleMap fresh;
  CONFIDE_RETURN_IF_ERROR(ForEach([&](const PriceRule& r) { return Mirror(fresh, r), true; }));
  absl::MutexLock mirror(&mu_);
  by_product_.swap(fresh);
  return {};
}

Result<std::vector<PriceRule>> PriceList::RulesOf(std::string_view product_id) {
  CONFIDE_RETURN_IF_ERROR(LoadMirror());
  absl::ReaderMutexLock lock(&mu_);
  auto it = by_product_.find(product_id);
  if (it == by_product_.end()) return std::vector<PriceRule>();
  return it->second;
}

Status PriceList::ForEach(const std::function<Result<bool>(const PriceRule&)>& fn) {
  return store_.ScanPrefix(Family::kPrices, "", [&](std::string_view k, std::string_view v) -> Result<bool> {
    auto r = DecodeRule(k, v);
    if (!r.ok()) return r.status();
    return fn(*r);
  });
}

Result<Quote> PriceList::QuoteFor(Catalog& catalog, std::string_view product_id, const PriceContext& context) {
  auto product = catalog.GetProduct(product_id);
  if (!product.ok()) return product.status();
  if (!product->has_value()) return Status(Code::kNotFound, "no product with this id", "product_id");
  return QuoteFor(**product, context);
}

Result<Quote> PriceList::QuoteFor(const Product& product, const PriceContext& context) {
  auto rules = RulesOf(product.id);
  if (!rules.ok()) return rules.status();
  return QuotePrice(product, *rules, context);
}

Result<PriceBook> PriceBook::Load(PriceList& prices) {
  PriceBook book;
  CONFIDE_RETURN_IF_ERROR(prices.ForEach([&](const PriceRule& r) {
    book.by_product_[r.product_id].push_back(r);
    return true;
  }));
  return book;
}

Quote PriceBook::For(const Product& product, const PriceContext& context) const {
  auto it = by_product_.find(product.id);
  if (it == by_product_.end()) return QuotePrice(product, {}, context);
  return QuotePrice(product, it->second, context);
}

Result<std::vector<PriceInconsistency>> PriceConsistencyReport(Catalog& catalog, PriceList& prices, Micros now) {
  std::vector<PriceInconsistency> report;
  std::vector<PriceRule> rules;
  auto flush = [&]() -> Status {
    if (rules.empty()) return {};
    auto product = catalog.GetProduct(rules.front().product_id);
    if (!product.ok()) return product.status();
    if (!product->has_value()) {  // rules for a product the catalog lacks quote nothing
      rules.clear();
      return {};
    }
    const Product& p = **product;
    std::vector<PriceVariant> variants;
    for (Channel c : {Channel::kWeb, Channel::kApp, Channel::kCallCenter, Channel::kStore})
      variants.push_back({c, "", QuotePrice(p, rules, {c, "", now})});
    std::vector<std::string> stores;
    for (const PriceRule& r : rules)
      if (!r.store_id.empty() && r.InEffect(now)) stores.push_back(r.store_id);
    std::sort(stores.begin(), stores.end());
    stores.erase(std::unique(stores.begin(), stores.end()), stores.end());
    for (const std::string& s : stores) variants.push_back({Channel::kStore, s, QuotePrice(p, rules, {Channel::kStore, s, now})});
    PriceInconsistency item;
    item.product_id = p.id;
    item.list_price = p.price;
    item.min_price = item.max_price = variants.front().quote.price;
    for (const PriceVariant& v : variants) {
      item.min_price = std::min(item.min_price, v.quote.price);
      item.max_price = std::max(item.max_price, v.quote.price);
      if (v.quote.price != p.price && (item.since == 0 || v.quote.since < item.since)) item.since = v.quote.since;
    }
    if (item.min_price != item.max_price) {
      item.variants = std::move(variants);
      report.push_back(std::move(item));
    }
    rules.clear();
    return {};
  };
  CONFIDE_RETURN_IF_ERROR(prices.ForEach([&](const PriceRule& r) -> Result<bool> {
    if (!rules.empty() && rules.front().product_id != r.product_id) CONFIDE_RETURN_IF_ERROR(flush());
    rules.push_back(r);
    return true;
  }));
  CONFIDE_RETURN_IF_ERROR(flush());
  return report;
}

std::string PriceConsistencyToJson(const std::vector<PriceInconsistency>& report) {
  JsonWriter w;
  w.BeginObject().Key("products").BeginArray();
  for (const PriceInconsistency& item : report) {
    w.BeginObject().Key("product_id").String(item.product_id).Key("list_price").Micros6(item.list_price);
    w.Key("min_price").Micros6(item.min_price).Key("max_price").Micros6(item.max_price);
    w.Key("difference").Micros6(item.max_price - item.min_price);
    if (item.since) w.Key("since").String(FormatRfc3339(item.since));
    w.Key("prices").BeginArray();
    for (const PriceVariant& v : item.variants) {
      w.BeginObject().Key("channel").String(ChannelName(v.channel));
      if (!v.store_id.empty()) w.Key("store_id").String(v.store_id);
      WriteQuoteMembers(w, v.quote);
      w.EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray().Key("count").Uint(report.size()).EndObject();
  return w.Take();
}

std::string QuoteToJson(std::string_view product_id, const PriceContext& context, const Quote& quote) {
  JsonWriter w;
  w.BeginObject().Key("product_id").String(product_id).Key("channel").String(ChannelName(context.channel));
  if (context.channel == Channel::kStore && !context.store_id.empty()) w.Key("store_id").String(context.store_id);
  w.Key("list_price").Micros6(quote.list_price);
  WriteQuoteMembers(w, quote);
  w.EndObject();
  return w.Take();
}

}  // namespace confide
