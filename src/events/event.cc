#include "events/event.h"

#include <algorithm>
#include <charconv>
#include <vector>

#include "core/bytes.h"
#include "core/money.h"
#include "events/properties.h"

namespace confide {
namespace {

constexpr const char* kTypeNames[kEventTypeCount] = {
    "view", "search", "add_to_cart", "remove_from_cart", "purchase", "return", "store_visit", "pickup", "identify",
    "impression", "click", "served"};
constexpr const char* kChannelNames[kChannelCount] = {"web", "app", "store", "call_center"};
constexpr const char* kIdFields[kIdKindCount] = {"customer_id", "anonymous_id", "loyalty_id"};
constexpr const char* kIdNames[kIdKindCount] = {"customer", "anonymous", "loyalty"};
constexpr const char* kSourceNames[kEventSourceCount] = {"unrecorded", "api", "import", "confide"};

template <typename E, size_t N>
std::optional<E> Lookup(const char* const (&names)[N], std::string_view s) {
  for (size_t i = 0; i < N; ++i)
    if (s == names[i]) return static_cast<E>(i);
  return std::nullopt;
}

Status Invalid(const char* field, std::string reason) { return InvalidArgument(field, std::move(reason)); }

// A printable identifier: no control characters, bounded length, not
// only spaces (which would name no one, or everyone who sent spaces), not
// a dot segment.
Status CheckText(const char* field, std::string_view v, size_t max) {
  if (v.size() > max) return Invalid(field, "longer than " + std::to_string(max) + " bytes");
  for (unsigned char c : v)
    if (c < 0x20 || c == 0x7f) return Invalid(field, "contains a control character");
  if (!v.empty() && v.find_first_not_of(' ') == std::string_view::npos) return Invalid(field, "is blank");
  // A browser resolves these in any address (encoded too): such an id could never be named in a route.
  if (v == "." || v == "..") return Invalid(field, "cannot be \".\" or \"..\"");
  return {};
}

// Edits (insert, delete, replace) between two short names.
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// A JSON member that is no event field is a mistake to name (a misspelt
// "quantiy" must not leave the quantity at its default unnoticed).
Status CheckKnownFields(const Record& r) {
  auto known = [](std::string_view name) {
    return std::any_of(std::begin(kEventFields), std::end(kEventFields),
                       [&](const ExpectedType& e) { return e.name == name; });
  };
  for (const Field& f : r.fields()) {
    if (f.type == Field::Type::kText || known(f.name)) continue;
    std::string_view nearest;
    size_t best = 3;  // suggest only names within two edits
    for (const ExpectedType& e : kEventFields)
      if (size_t d = EditDistance(f.name, e.name); d < best) best = d, nearest = e.name;
    std::string reason = "is not an event field";
    if (!nearest.empty()) reason += " (did you mean \"" + std::string(nearest) + "\"?)";
    // An empty member name is still named: as the JSON it was, "".
    return InvalidArgument(f.name.empty() ? std::string("\"\"") : std::string(f.name),
                           reason + "; free-form attributes go in \"properties\"");
  }
  return {};
}

}  // namespace

std::string_view CanonicalId(std::string_view v) {
  size_t dot = v.find('.');
  if (dot == std::string_view::npos || dot == 0) return v;
  std::string_view tail = v.substr(dot + 1);
  if (tail.empty() || tail.find_first_not_of('0') != std::string_view::npos) return v;
  std::string_view head = v.substr(0, dot);
  if (head.find_first_not_of("0123456789") != std::string_view::npos) return v;
  return head;
}

namespace {

bool RequiresProduct(EventType t) {
  return t == EventType::kView || t == EventType::kAddToCart || t == EventType::kRemoveFromCart ||
         t == EventType::kPurchase || t == EventType::kReturn || IsFeedback(t);
}

bool HasQuantity(EventType t) {
  return t == EventType::kAddToCart || t == EventType::kRemoveFromCart || t == EventType::kPurchase ||
         t == EventType::kReturn || t == EventType::kPickup;
}

}  // namespace

const char* EventTypeName(EventType t) { return kTypeNames[static_cast<size_t>(t)]; }
const char* ChannelName(Channel c) { return kChannelNames[static_cast<size_t>(c)]; }
const char* IdKindField(IdKind k) { return kIdFields[static_cast<size_t>(k)]; }
const char* IdKindName(IdKind k) { return kIdNames[static_cast<size_t>(k)]; }
const char* EventSourceName(EventSource s) { return kSourceNames[static_cast<size_t>(s)]; }
std::optional<EventType> ParseEventType(std::string_view s) { return Lookup<EventType>(kTypeNames, s); }
std::optional<Channel> ParseChannel(std::string_view s) { return Lookup<Channel>(kChannelNames, s); }
std::optional<IdKind> ParseIdKind(std::string_view s) { return Lookup<IdKind>(kIdNames, s); }

IdKind Event::primary_id_kind() const {
  if (!id(IdKind::kCustomer).empty()) return IdKind::kCustomer;
  if (!id(IdKind::kLoyalty).empty()) return IdKind::kLoyalty;
  return IdKind::kAnonymous;
}

namespace {

// The named steps of EventFromRecord, in the order it checks fields: each
// reads its fields of `r` into `e` or names the first bad one.

Status ReadType(const Record& r, const EventDefaults& defaults, Event& e) {
  std::string_view v = r.Get("type");
  if (v.empty()) {
    if (!defaults.type) return Invalid("type", "is required");
    e.type = *defaults.type;
  } else if (auto t = ParseEventType(v)) {
    e.type = *t;
  } else {
    return Invalid("type", "must be one of view, search, add_to_cart, remove_from_cart, purchase, "
                           "return, store_visit, pickup, identify, impression, click");
  }
  if (e.type == EventType::kServed)
    return Invalid("type", "served events are recorded by Confide as it serves a list; report impression and click");
  return {};
}

Status ReadTimestamp(const Record& r, const EventDefaults& defaults, Event& e) {
  std::string_view v = r.Get("timestamp");
  if (v.empty()) return Invalid("timestamp", "is required");
  auto ts = defaults.loose_timestamps ? ParseLooseDateTime(v) : ParseRfc3339(v);
  if (!ts && IsLeapSecond(v))
    return Invalid("timestamp", "is a leap second (:60), which Confide does not store: send the second before or after");
  if (!ts) return Invalid("timestamp", "not RFC 3339");
  e.timestamp = *ts;
  if (e.timestamp > NowMicros() + kMicrosPerDay) return Invalid("timestamp", "is more than a day in the future");
  return {};
}

// The shopper ids and order_id: at least one id (a guest order's id when
// allowed), and what identify links.
Status ReadIds(const Record& r, const EventDefaults& defaults, Event& e) {
  bool any_id = false;
  for (size_t k = 0; k < kIdKindCount; ++k) {
    std::string_view id = CanonicalId(r.Get(kIdFields[k]));
    CONFIDE_RETURN_IF_ERROR(CheckText(kIdFields[k], id, kMaxIdLength));
    e.ids[k] = id;
    any_id |= !id.empty();
  }
  e.order_id = r.Get("order_id");
  CONFIDE_RETURN_IF_ERROR(CheckText("order_id", e.order_id, kMaxIdLength));
  if (!any_id && defaults.guest_per_order && !e.order_id.empty()) {
    e.id(IdKind::kAnonymous) = "guest-" + e.order_id;
    any_id = true;
  }
  if (!any_id) return Invalid("customer_id", "one of customer_id, anonymous_id or loyalty_id is required");
  if (e.type == EventType::kIdentify) {
    if (e.id(IdKind::kCustomer).empty()) return Invalid("customer_id", "is required for identify");
    if (e.id(IdKind::kAnonymous).empty() && e.id(IdKind::kLoyalty).empty())
      return Invalid("anonymous_id", "identify needs anonymous_id or loyalty_id to link to customer_id");
  }
  return {};
}

Status ReadChannel(const Record& r, const EventDefaults& defaults, Event& e) {
  std::string_view v = r.Get("channel");
  if (v.empty()) {
    if (!defaults.channel) return Invalid("channel", "is required");
    e.channel = *defaults.channel;
  } else if (auto c = ParseChannel(v)) {
    e.channel = *c;
  } else {
    return Invalid("channel", "must be one of web, app, store, call_center");
  }
  return {};
}

// A negative purchase may turn the event into a return.
Status ReadQuantity(const Record& r, const EventDefaults& defaults, Event& e) {
  std::string_view v = r.Get("quantity");
  if (v.empty()) {
    if (HasQuantity(e.type)) e.quantity = 1;
    return {};
  }
  std::string_view q = CanonicalId(v);
  int64_t n = 0;
  auto [end, ec] = std::from_chars(q.data(), q.data() + q.size(), n);
  if (ec == std::errc::result_out_of_range && end == q.data() + q.size())
    return Invalid("quantity", "is out of range: at most " + std::to_string(kMaxQuantity));
  if (ec != std::errc() || end != q.data() + q.size()) return Invalid("quantity", "must be an integer");
  if (n < 0 && e.type == EventType::kPurchase && defaults.negative_purchase_is_return) {
    e.type = EventType::kReturn;
    n = -n;
  }
  if (n <= 0) return Invalid("quantity", "must be positive");
  if (n > kMaxQuantity) return Invalid("quantity", "must be at most " + std::to_string(kMaxQuantity));
  e.quantity = n;
  return {};
}

// Digits with at most six decimals: what ParseMicros reads, if it fits.
bool IsPlainDecimal(std::string_view v) {
  const size_t dot = v.find('.');
  const std::string_view whole = v.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos ? std::string_view() : v.substr(dot + 1);
  auto digits = [](std::string_view s) { return s.find_first_not_of("0123456789") == std::string_view::npos; };
  return !whole.empty() && digits(whole) && digits(fraction) && fraction.size() <= 6 &&
         (dot == std::string_view::npos || !fraction.empty());
}

// Feedback names the answer that showed the product; no other event does,
// and it has nothing of a sale.
Status ReadRecommendationId(const Record& r, Event& e) {
  std::string_view v = r.Get("recommendation_id");
  if (!IsFeedback(e.type))
    return v.empty() ? Status() : Invalid("recommendation_id", "applies to impression and click events only");
  for (const char* field : {"quantity", "unit_price", "currency", "order_id", "query"})
    if (!r.Get(field).empty()) return Invalid(field, std::string("does not apply to ") + EventTypeName(e.type) + " events");
  if (v.empty()) return Invalid("recommendation_id", std::string("is required for ") + EventTypeName(e.type));
  if (v.size() > kMaxRecommendationIdLength ||
      v.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != std::string_view::npos)
    return Invalid("recommendation_id", "must be the recommendation_id of an answer (letters, digits, _ and -, at most " +
                                            std::to_string(kMaxRecommendationIdLength) + ")");
  e.recommendation_id = v;
  return {};
}

// unit_price, then currency (the default applies only to a priced event).
Status ReadPrice(const Record& r, const EventDefaults& defaults, Event& e) {
  std::string_view v = r.Get("unit_price");
  if (!v.empty()) {
    auto p = ParseMicros(v);
    if (!p && IsPlainDecimal(v)) return Invalid("unit_price", "is out of range");
    if (!p) return Invalid("unit_price", "must be a decimal number with at most 6 decimals");
    if (*p <= 0) return Invalid("unit_price", "must be positive");
    e.unit_price = *p;
  }
  v = r.Get("currency");
  if (v.empty() && e.unit_price) v = defaults.currency;  // a view has no price, hence no currency
  if (!v.empty()) {
    if (v.size() != 3 || v.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string_view::npos)
      return Invalid("currency", "must be a three-letter ISO 4217 code such as EUR");
    e.currency = v;
  }
  return {};
}

}  // namespace

Result<Event> EventFromRecord(const Record& r, const EventDefaults& defaults) {
  CONFIDE_RETURN_IF_ERROR(CheckKnownFields(r));
  CONFIDE_RETURN_IF_ERROR(CheckJsonTypes(r, kEventFields));
  Event e;
  std::string_view v = r.Get("event_id");
  if (v.empty()) return Invalid("event_id", "is required");
  CONFIDE_RETURN_IF_ERROR(CheckText("event_id", v, kMaxIdLength));
  // Taken first by a client, it would keep a list served out of the shopper's history.
  if (v.starts_with(kServedEventIdPrefix))
    return Invalid("event_id", std::string("ids starting with ") + kServedEventIdPrefix + " are Confide's own");
  e.event_id = v;
  CONFIDE_RETURN_IF_ERROR(ReadType(r, defaults, e));
  CONFIDE_RETURN_IF_ERROR(ReadTimestamp(r, defaults, e));
  CONFIDE_RETURN_IF_ERROR(ReadIds(r, defaults, e));
  CONFIDE_RETURN_IF_ERROR(ReadChannel(r, defaults, e));

  e.product_id = r.Get("product_id");
  CONFIDE_RETURN_IF_ERROR(CheckText("product_id", e.product_id, kMaxIdLength));
  if (e.product_id.empty() && RequiresProduct(e.type))
    return Invalid("product_id", std::string("is required for ") + EventTypeName(e.type));
  CONFIDE_RETURN_IF_ERROR(ReadQuantity(r, defaults, e));
  CONFIDE_RETURN_IF_ERROR(ReadPrice(r, defaults, e));

  e.store_id = r.Get("store_id");
  CONFIDE_RETURN_IF_ERROR(CheckText("store_id", e.store_id, kMaxIdLength));
  if (e.store_id.empty() && (e.type == EventType::kStoreVisit || e.type == EventType::kPickup))
    return Invalid("store_id", std::string("is required for ") + EventTypeName(e.type));

  e.query = r.Get("query");
  CONFIDE_RETURN_IF_ERROR(CheckText("query", e.query, kMaxQueryLength));
  if (e.query.empty() && e.type == EventType::kSearch) return Invalid("query", "is required for search");
  CONFIDE_RETURN_IF_ERROR(ReadRecommendationId(r, e));
  v = r.Get("consent_confirmed");
  if (!v.empty()) {
    if (v != "true" && v != "false") return Invalid("consent_confirmed", "must be true or false");
    if (v == "true" && e.type != EventType::kIdentify)
      return Invalid("consent_confirmed", "applies to identify events only");
    e.consent_confirmed = v == "true";
  }
  if (const Field* f = r.Find("properties")) {
    auto properties = CanonicalProperties(f->value);
    if (!properties.ok()) return properties.status();
    if (*properties != "{}") e.properties = std::move(*properties);
  }
  return e;
}

void WriteEventJson(JsonWriter& w, const Event& e) {
  w.BeginObject();
  WriteEventFields(w, e);
  w.EndObject();
}

void WriteEventFields(JsonWriter& w, const Event& e) {
  w.Key("event_id").String(e.event_id).Key("type").String(EventTypeName(e.type));
  w.Key("timestamp").String(FormatRfc3339(e.timestamp)).Key("channel").String(ChannelName(e.channel));
  for (size_t k = 0; k < kIdKindCount; ++k)
    if (!e.ids[k].empty()) w.Key(kIdFields[k]).String(e.ids[k]);
  auto text = [&](const char* name, const std::string& v) {
    if (!v.empty()) w.Key(name).String(v);
  };
  text("product_id", e.product_id);
  if (e.quantity) w.Key("quantity").Int(e.quantity);
  if (e.unit_price) w.Key("unit_price").Micros6(*e.unit_price);
  text("currency", e.currency);
  text("order_id", e.order_id);
  text("store_id", e.store_id);
  text("query", e.query);
  text("recommendation_id", e.recommendation_id);
  if (!e.properties.empty()) w.Key("properties").Raw(e.properties);
}

namespace {

// Version 1 ends with the query; version 2 adds the properties and the
// source byte after it; version 3 the recommendation id after that.
// All decode (events stored before the source was kept read as
// unrecorded); only version 3 is written, so a record cut before its last
// byte never reads as another valid record.
constexpr char kCodecVersion1 = 1;
constexpr char kCodecVersion2 = 2;
constexpr char kCodecVersion = 3;

// GetVarint64 that also refuses what PutVarint64 never writes: a number
// in more bytes than it needs (a trailing 0x00 group), or bits past the
// 64th. DecodeEvent must not accept two spellings of one event.
bool GetCanonicalVarint64(std::string_view& in, uint64_t& v) {
  const std::string_view start = in;
  if (!GetVarint64(in, v)) return false;
  const size_t used = start.size() - in.size();
  const auto last = static_cast<uint8_t>(start[used - 1]);
  return used == 1 || (last != 0 && (used < 10 || last == 1));
}

bool GetCanonicalString(std::string_view& in, std::string& out) {
  uint64_t n;
  if (!GetCanonicalVarint64(in, n) || n > in.size()) return false;
  out = in.substr(0, n);
  in.remove_prefix(n);
  return true;
}

}  // namespace

void EncodeEvent(const Event& e, std::string& out) {
  out.push_back(kCodecVersion);
  out.push_back(static_cast<char>(e.type));
  out.push_back(static_cast<char>(e.channel));
  PutFixed64BE(out, OrderedInt64(e.timestamp));
  PutLengthPrefixed(out, e.event_id);
  for (const auto& id : e.ids) PutLengthPrefixed(out, id);
  PutLengthPrefixed(out, e.product_id);
  PutVarint64(out, static_cast<uint64_t>(e.quantity));
  out.push_back(e.unit_price ? 1 : 0);
  if (e.unit_price) PutVarint64(out, static_cast<uint64_t>(*e.unit_price));
  PutLengthPrefixed(out, e.currency);
  PutLengthPrefixed(out, e.order_id);
  PutLengthPrefixed(out, e.store_id);
  PutLengthPrefixed(out, e.query);
  PutLengthPrefixed(out, e.properties);
  out.push_back(static_cast<char>(e.source));
  PutLengthPrefixed(out, e.recommendation_id);
}

Result<StoredEventHeader> PeekEvent(std::string_view in) {
  if (in.size() < 11 || in[0] < kCodecVersion1 || in[0] > kCodecVersion ||
      static_cast<uint8_t>(in[1]) >= kEventTypeCount)
    return Status(Code::kDataLoss, "stored event is malformed");
  return StoredEventHeader{static_cast<EventType>(in[1]), FromOrderedInt64(GetFixed64BE(in.substr(3)))};
}

Status DecodeEvent(std::string_view in, Event& e) {
  const Status bad(Code::kDataLoss, "stored event is malformed");
  auto header = PeekEvent(in);
  if (!header.ok() || static_cast<uint8_t>(in[2]) >= kChannelCount) return bad;
  e.type = header->type;
  e.timestamp = header->timestamp;
  e.channel = static_cast<Channel>(in[2]);
  const char version = in[0];
  in.remove_prefix(11);
  uint64_t n;
  if (!GetCanonicalString(in, e.event_id)) return bad;
  for (auto& id : e.ids)
    if (!GetCanonicalString(in, id)) return bad;
  if (!GetCanonicalString(in, e.product_id) || !GetCanonicalVarint64(in, n) || in.empty()) return bad;
  e.quantity = static_cast<int64_t>(n);
  const auto has_price = static_cast<uint8_t>(in[0]);
  if (has_price > 1) return bad;
  in.remove_prefix(1);
  e.unit_price.reset();
  if (has_price) {
    if (!GetCanonicalVarint64(in, n)) return bad;
    e.unit_price = static_cast<int64_t>(n);
  }
  if (!GetCanonicalString(in, e.currency) || !GetCanonicalString(in, e.order_id) ||
      !GetCanonicalString(in, e.store_id) || !GetCanonicalString(in, e.query))
    return bad;
  e.properties.clear();
  e.source = EventSource::kUnrecorded;
  e.recommendation_id.clear();
  if (version >= kCodecVersion2) {
    if (!GetCanonicalString(in, e.properties) || in.empty() || static_cast<uint8_t>(in[0]) >= kEventSourceCount)
      return bad;
    e.source = static_cast<EventSource>(in[0]);
    in.remove_prefix(1);
  }
  if (version >= kCodecVersion && !GetCanonicalString(in, e.recommendation_id)) return bad;
  return in.empty() ? Status() : bad;
}

Result<Event> DecodeEvent(std::string_view in) {
  Event e;
  CONFIDE_RETURN_IF_ERROR(DecodeEvent(in, e));
  return e;
}

}  // namespace confide
