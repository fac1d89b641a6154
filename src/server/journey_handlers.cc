// Journeys: one price across channels and stores, availability across
// stores, the cross-channel cart and its recovery offers, replenishment
// and outbound suggestions (docs/api.md, Journeys).
#include "server/handlers.h"

#include <absl/cleanup/cleanup.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>

#include "catalog/availability.h"
#include "core/json_writer.h"
#include "journeys/cart_recovery.h"
#include "journeys/replenishment.h"
#include "journeys/suggestions.h"
#include "journeys/webhook.h"
#include "recommend/serving.h"
#include "server/handler_util.h"
#include "server/http_error.h"

namespace confide {

using namespace handler_util;

HttpResponse Api::PutPrices(Call& call) {
  Catalog& catalog = call.cell->catalog();
  PriceList& prices = call.cell->prices();
  Status lookup;
  auto references = [&](const PriceRule& rule) {
    if (!rule.store_id.empty()) CONFIDE_RETURN_IF_ERROR(catalog.CheckStore(rule.store_id, "store_id"));
    return catalog.CheckProduct(rule.product_id, "product_id");
  };
  HttpResponse r = PutCatalogItems(
      call.request, config_.limits, "price rules", CheckedBy(PriceRuleFromRecord, references, lookup),
      [&](const std::vector<PriceRule>& v) { return prices.Put(v, clock_.Now()); }, call.log_fields);
  if (!lookup.ok()) return Failure(call.log_fields, lookup);
  return r;
}

HttpResponse Api::GetPrice(Call& call) {
  auto channel = ChannelParam(call.query);
  if (!channel.ok()) return ErrorResponse(channel.status());
  auto store_id = StoreParam(call.query, call.cell->catalog());
  if (!store_id.ok()) return Failure(call.log_fields, store_id.status());
  if (*channel == Channel::kStore && store_id->empty())
    return ErrorResponse(400, CodeName(Code::kInvalidArgument), "required with channel=store", "store_id");
  PriceContext context{*channel, *store_id, clock_.Now()};
  PriceList& prices = call.cell->prices();
  auto quote = prices.QuoteFor(call.cell->catalog(), call.params.Get("id"), context);
  if (!quote.ok()) {
    if (quote.status().code() == Code::kNotFound)
      return ErrorResponse(404, CodeName(Code::kNotFound), "no product with this id", "id");
    return Failure(call.log_fields, quote.status());
  }
  return Json(200, QuoteToJson(call.params.Get("id"), context, *quote));
}

HttpResponse Api::GetPriceConsistency(Call& call) {
  PriceList& prices = call.cell->prices();
  auto report = PriceConsistencyReport(call.cell->catalog(), prices, clock_.Now());
  if (!report.ok()) return Failure(call.log_fields, report.status());
  return Json(200, PriceConsistencyToJson(*report));
}

Result<std::shared_ptr<const StoreDirectory>> Api::DirectoryOf(Call& call) {
  uint64_t version = call.cell->catalog().stores_version();
  {
    absl::MutexLock lock(&directories_mu_);
    auto it = directories_.find(call.region);
    if (it != directories_.end() && it->second.version == version) return it->second.stores;
  }
  auto loaded = StoreDirectory::Load(call.cell->catalog());
  if (!loaded.ok()) return loaded.status();
  auto stores = std::make_shared<const StoreDirectory>(std::move(*loaded));
  absl::MutexLock lock(&directories_mu_);
  directories_[std::string(call.region)] = {version, stores};
  return stores;
}

namespace {

Result<std::optional<double>> CoordinateParam(const QueryParams& query, const char* name, double limit) {
  std::string_view v = query.Get(name);
  if (v.empty()) return std::optional<double>();
  double out = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || end != v.data() + v.size() || !std::isfinite(out) || out < -limit || out > limit)
    return Status(Code::kInvalidArgument,
                  "must be a number from " + std::to_string(static_cast<int>(-limit)) + " to " +
                      std::to_string(static_cast<int>(limit)),
                  name);
  return std::optional<double>(out);
}

}  // namespace

HttpResponse Api::GetAvailability(Call& call) {
  AvailabilityQuery q;
  q.product_id = std::string(call.params.Get("id"));
  q.store_id = std::string(call.query.Get("store_id"));
  auto lat = CoordinateParam(call.query, "lat", 90);
  if (!lat.ok()) return ErrorResponse(lat.status());
  auto lon = CoordinateParam(call.query, "lon", 180);
  if (!lon.ok()) return ErrorResponse(lon.status());
  if (lat->has_value() != lon->has_value())
    return ErrorResponse(400, CodeName(Code::kInvalidArgument), "lat and lon go together", lat->has_value() ? "lon" : "lat");
  q.latitude = *lat;
  q.longitude = *lon;
  std::string_view k = call.query.Get("k", "5");
  auto [end, ec] = std::from_chars(k.data(), k.data() + k.size(), q.nearest);
  if (ec != std::errc() || end != k.data() + k.size() || q.nearest < 1 || q.nearest > 50)
    return ErrorResponse(400, CodeName(Code::kInvalidArgument), "must be an integer from 1 to 50", "k");
  auto stores = DirectoryOf(call);
  if (!stores.ok()) return Failure(call.log_fields, stores.status());
  auto a = LookupAvailability(call.cell->catalog(), **stores, q);
  if (!a.ok()) {
    if (a.status().code() == Code::kNotFound) return ErrorResponse(404, CodeName(Code::kNotFound), "no product with this id", "id");
    return ErrorResponse(a.status());
  }
  // In-stock substitutes at the store (or online): the similar-items model
  // under the serving rules.
  Served substitutes;
  if (std::shared_ptr<const ModelSet> models = LiveModelsOf(call)) {
    ServeQuery sq;
    sq.store_id = q.store_id;
    sq.k = q.nearest;
    sq.now = clock_.Now();
    sq.max_per_category = 0;
    sq.min_similarity = static_cast<float>(config_.recommend.min_similarity);
    auto related = ServeRelated(models.get(), q.product_id, false, call.cell->catalog(), sq);
    if (!related.ok()) return Failure(call.log_fields, related.status());
    substitutes = std::move(*related);
  }
  JsonWriter w;
  w.BeginObject().Key("product_id").String(a->product_id);
  if (!q.store_id.empty()) w.Key("store").BeginObject().Key("store_id").String(q.store_id).Key("quantity").Int(a->in_store.value_or(0)).EndObject();
  w.Key("nearest").BeginArray();
  for (const StoreStock& s : a->nearest) {
    w.BeginObject().Key("store_id").String(s.store_id).Key("quantity").Int(s.quantity);
    if (s.distance_km) w.Key("distance_km").Double(std::round(*s.distance_km * 1000) / 1000);
    w.EndObject();
  }
  w.EndArray();
  w.Key("online").BeginObject().Key("quantity").Int(a->online).Key("ship_to_home").Bool(a->ship_to_home).EndObject();
  w.Key("pickup").BeginArray();
  for (const std::string& s : a->pickup) w.BeginObject().Key("store_id").String(s).EndObject();
  w.EndArray();
  w.Key("substitutes").BeginArray();
  for (const ServedItem& item : substitutes.items)
    w.BeginObject().Key("product_id").String(item.product_id).Key("score").Double(item.score).EndObject();
  w.EndArray().EndObject();
  return Json(200, w.Take());
}

// ---- Journeys: carts ----

HttpResponse Api::GetCart(Call& call) {
  auto kind = IdKindParam(call.query);
  if (!kind) return BadIdKind();
  auto channel = ChannelParam(call.query);
  if (!channel.ok()) return ErrorResponse(channel.status());
  auto store_id = StoreParam(call.query, call.cell->catalog());
  if (!store_id.ok()) return Failure(call.log_fields, store_id.status());
  if (Status heard = RecordGpcIfHeard(call, *kind, call.params.Get("id")); !heard.ok())
    return Failure(call.log_fields, heard);
  // In-app use of the shopper's data: a personalization grant.
  Grant grant = call.cell->GrantFor(*kind, call.params.Get("id"), Purpose::kPersonalization, GpcSignal(call.request));
  auto history = call.cell->History(grant);
  if (!history.ok()) return Failure(call.log_fields, history.status());
  const Micros now = clock_.Now();
  Cart cart = CartIsKnowable(grant) ? DeriveCart(*history, {now, CartLineTtl(config_.journeys)}) : Cart{};
  PriceList& prices = call.cell->prices();
  PriceContext context{*channel, *store_id, now};
  PricedCart priced;
  for (const CartLine& line : cart.lines) {
    auto product = call.cell->catalog().GetProduct(line.product_id);
    if (!product.ok()) return Failure(call.log_fields, product.status());
    if (!product->has_value() || !(*product)->active) continue;
    auto quote = prices.QuoteFor(call.cell->catalog(), line.product_id, context);
    if (!quote.ok()) return Failure(call.log_fields, quote.status());
    priced.lines.push_back({line, (*product)->title, quote->price, (*product)->cost});
    priced.value += quote->price * line.quantity;
  }
  JsonWriter w;
  w.BeginObject();
  WritePricedCart(w, priced);
  w.Key("currency").String(call.cell->region().currency);
  if (cart.updated) w.Key("updated_at").String(FormatRfc3339(cart.updated));
  w.Key("personalized").Bool(grant.any() && !grant.subject().empty()).EndObject();
  return Json(200, w.Take());
}

namespace {

constexpr size_t kDefaultRecoveryPage = 100, kMaxRecoveryPage = 1000;
// Shoppers considered per call, per offer asked for: bounds a call's
// decryption whatever the region's size.
constexpr size_t kShoppersPerOffer = 10;

// Once per offer: moves out of `offers` those `recipient` has not
// acknowledged (its key names the cart's state), counting the others in
// `already`.
Result<std::vector<RecoveryOffer>> NotYetDelivered(Cell& cell, std::vector<RecoveryOffer>& offers,
                                                   const std::string& recipient, uint64_t& already) {
  std::vector<RecoveryOffer> unsent;
  for (RecoveryOffer& offer : offers) {
    auto held = cell.DeliveriesOf(offer.to.kind, offer.to.id);
    if (!held.ok()) return held.status();
    if (std::any_of(held->begin(), held->end(), [&](const Cell::Delivery& d) {
          return d.what == "cart_recovery_offer" && d.reference == offer.idempotency_key &&
                 d.recipient == recipient && d.outcome == "delivered";
        })) {
      ++already;
      continue;
    }
    unsent.push_back(std::move(offer));
  }
  return unsent;
}

// Sends each recorded offer, asking just before whether its shopper is
// still held and still allows marketing (an erasure or a withdrawal since
// the listing sends nothing: outcome "withdrawn"), and whether `hold` is
// still held: once it is lost (`lost`), another node may take it, and this
// run sends nothing more (outcome "withdrawn" too). Returns each recorded
// delivery with its outcome; `report` sums what was sent.
std::vector<Cell::Delivery> SendRecorded(Cell& cell, const WebhookTarget& target,
                                         const WebhookOptions& options,
                                         const std::vector<RecoveryOffer>& offers,
                                         const std::vector<Cell::Delivery>& deliveries,
                                         const std::vector<bool>& recorded, Store::Hold& hold,
                                         DeliveryReport& report, bool& lost) {
  const BodySigner sign = [&cell](std::string_view body, int64_t t) { return cell.SignWebhook(body, t); };
  std::vector<Cell::Delivery> settled;
  for (size_t i = 0; i < offers.size(); ++i) {
    if (!recorded[i]) continue;
    const RecoveryOffer& offer = offers[i];
    Cell::Delivery d = deliveries[i];
    bool send = !lost && cell.Holds(offer.to.kind, offer.to.id) &&
                cell.GrantFor(offer.to.kind, offer.to.id, Purpose::kMarketing).any();
    if (send && !hold.Held()) send = false, lost = true;
    if (!send) {
      d.outcome = "withdrawn";
    } else {
      const DeliveryReport one = DeliverOffer(target, options, offer, cell.region().currency, sign);
      report += one;
      d.outcome = one.delivered ? "delivered" : "failed";
      d.attempts = static_cast<uint32_t>(one.attempts);
    }
    settled.push_back(std::move(d));
  }
  return settled;
}

// The 409 of a delivery while another runs, through this node or another.
HttpResponse DeliveryUnderWay(bool here) {
  return ErrorResponse(409, CodeName(Code::kFailedPrecondition),
                       std::string("a delivery of this region's offers is under way") +
                           (here ? "" : " on another node") + "; try again when it has finished");
}

// The 503 of a delivery that stopped when its lock was lost with its
// database connection: the offers left may be another node's to send now.
HttpResponse DeliveryLockLost() {
  HttpResponse r = ErrorResponse(503, CodeName(Code::kUnavailable),
                                 "the delivery's lock was lost with its database connection; try again");
  r.headers.emplace_back("Retry-After", "5");
  return r;
}

}  // namespace

HttpResponse Api::GetCartRecovery(Call& call) {
  RecoveryQuery q;
  q.now = clock_.Now();
  q.line_ttl = CartLineTtl(config_.journeys);
  q.experiment = experiments_;
  if (std::string_view since = call.query.Get("since"); !since.empty()) {
    auto t = ParseRfc3339(since);
    if (!t) return ErrorResponse(400, CodeName(Code::kInvalidArgument), "not RFC 3339", "since");
    q.since = *t;
  }
  size_t limit = kDefaultRecoveryPage;
  if (std::string_view v = call.query.Get("limit"); !v.empty()) {
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), limit);
    if (ec != std::errc() || end != v.data() + v.size() || limit < 1 || limit > kMaxRecoveryPage)
      return ErrorResponse(400, CodeName(Code::kInvalidArgument), "must be an integer from 1 to 1000", "limit");
  }
  std::string_view cursor = call.query.Get("cursor");
  if (!cursor.empty() && !ValidCursor(cursor))
    return ErrorResponse(400, CodeName(Code::kInvalidArgument), "must be a next_cursor this route returned", "cursor");
  auto page = ListAbandonedCartsPage(*call.cell, config_.cart_recovery, q, cursor, limit, limit * kShoppersPerOffer);
  if (!page.ok()) return Failure(call.log_fields, page.status());
  call.log_fields = ",\"carts\":" + std::to_string(page->offers.size());
  JsonWriter w;
  w.BeginObject().Key("carts").BeginArray();
  for (const RecoveryOffer& offer : page->offers) WriteRecoveryOffer(w, offer, call.cell->region().currency);
  w.EndArray().Key("count").Uint(page->offers.size());
  if (page->next_cursor.empty())
    w.Key("next_cursor").Null();
  else
    w.Key("next_cursor").String(page->next_cursor);
  w.Key("as_of").String(FormatRfc3339(q.now / kMicrosPerSecond * kMicrosPerSecond)).EndObject();
  return Json(200, w.Take());
}

HttpResponse Api::DeliverCartRecovery(Call& call) {
  const CartRecoveryConfig& cr = config_.cart_recovery;
  RecoveryQuery q;  // the request's own mistakes first, then the server's configuration
  q.now = clock_.Now();
  q.line_ttl = CartLineTtl(config_.journeys);
  q.experiment = experiments_;
  if (std::string_view since = call.query.Get("since"); !since.empty()) {
    auto t = ParseRfc3339(since);
    if (!t) return ErrorResponse(400, CodeName(Code::kInvalidArgument), "not RFC 3339", "since");
    q.since = *t;
  }
  if (cr.webhook_url.empty())
    return ErrorResponse(409, CodeName(Code::kFailedPrecondition), "no cart_recovery.webhook_url is configured",
                         "webhook_url");
  auto target = ParseWebhookUrl(cr.webhook_url);
  if (!target.ok()) return ErrorResponse(409, CodeName(Code::kFailedPrecondition), target.status().message(), "webhook_url");
  // One delivery per region at a time, on this node and over the region's
  // nodes (a lock in its database): two would both find an offer unsent.
  {
    absl::MutexLock lock(&delivering_mu_);
    if (!delivering_.insert(std::string(call.region)).second) return DeliveryUnderWay(true);
  }
  absl::Cleanup done = [&] {
    absl::MutexLock lock(&delivering_mu_);
    delivering_.erase(std::string(call.region));
  };
  auto hold = call.cell->store().TryHold("cart recovery delivery");
  if (!hold.ok()) return Failure(call.log_fields, hold.status());
  if (!*hold) return DeliveryUnderWay(false);
  auto offers = ListAbandonedCarts(*call.cell, cr, q);
  if (!offers.ok()) return Failure(call.log_fields, offers.status());
  const std::string recipient = RecipientName(*target);
  uint64_t already = 0;
  auto unsent = NotYetDelivered(*call.cell, *offers, recipient, already);
  if (!unsent.ok()) return Failure(call.log_fields, unsent.status());
  std::vector<Cell::Delivery> deliveries;
  for (const RecoveryOffer& offer : *unsent)
    deliveries.push_back({recipient, cr.webhook_url, "cart_recovery_offer", offer.idempotency_key, offer.to.kind,
                          offer.to.id, q.now});
  // Each shopper's record of the delivery is written before it is sent, so
  // that their erasure reaches this recipient (journeys/erasure_notices.h);
  // a shopper erased since the listing is sent nothing. The outcome then
  // replaces the record, and is audited under the shopper's subject.
  auto recorded = call.cell->RecordDeliveries(deliveries);
  if (!recorded.ok()) return Failure(call.log_fields, recorded.status());
  DeliveryReport report;
  bool lost = false;
  std::vector<Cell::Delivery> settled = SendRecorded(*call.cell, *target, WebhookOptionsFrom(cr), *unsent,
                                                     deliveries, *recorded, **hold, report, lost);
  JsonWriter results;
  results.BeginArray();
  for (const Cell::Delivery& d : settled) {
    results.BeginObject().Key("idempotency_key").String(d.reference).Key("outcome").String(d.outcome);
    results.Key("attempts").Uint(d.attempts).EndObject();
    if (d.outcome != "withdrawn")
      Audit(call, AuditAction::kExport, call.cell->AuditSubject(d.to_kind, d.to_id),
            "cart_recovery_offer recipient=" + recipient.substr(0, 200) + ",outcome=" + d.outcome +
                ",attempts=" + std::to_string(d.attempts));
  }
  results.EndArray();
  if (auto written = call.cell->RecordDeliveries(settled); !written.ok())
    return Failure(call.log_fields, written.status());
  call.log_fields = ",\"delivered\":" + std::to_string(report.delivered) + ",\"failed\":" + std::to_string(report.failed);
  CountWebhook(metrics_, std::string(call.region), "cart_recovery_offer", report.attempts,
               {{"delivered", report.delivered}, {"failed", report.failed}});
  Audit(call, AuditAction::kExport, "",
        "cart recovery offers recipient=" + recipient.substr(0, 200) + ",offers=" + std::to_string(settled.size()) +
            ",delivered=" + std::to_string(report.delivered) + ",failed=" + std::to_string(report.failed) +
            ",already_delivered=" + std::to_string(already));
  if (lost) return DeliveryLockLost();
  JsonWriter w;
  w.BeginObject().Key("offers").Uint(offers->size()).Key("delivered").Uint(report.delivered);
  w.Key("failed").Uint(report.failed).Key("attempts").Uint(report.attempts).Key("already_delivered").Uint(already);
  w.Key("results").Raw(results.Take()).EndObject();
  return Json(200, w.Take());
}

// ---- Journeys: replenishment ----

HttpResponse Api::GetReplenishment(Call& call) {
  auto kind = IdKindParam(call.query);
  if (!kind) return BadIdKind();
  auto horizon = ParseHorizon(call.query.Get("horizon", "7d"));
  if (!horizon) return ErrorResponse(400, CodeName(Code::kInvalidArgument), "must be like 7d, 36h or 2w (1h to 365d)", "horizon");
  std::string_view auto_text = call.query.Get("auto_order", "false");
  if (auto_text != "true" && auto_text != "false")
    return ErrorResponse(400, CodeName(Code::kInvalidArgument), "must be true or false", "auto_order");
  bool auto_order = auto_text == "true";
  auto channel = ChannelParam(call.query);
  if (!channel.ok()) return ErrorResponse(channel.status());
  auto store_id = StoreParam(call.query, call.cell->catalog());
  if (!store_id.ok()) return Failure(call.log_fields, store_id.status());
  Micros now = clock_.Now();
  if (Status heard = RecordGpcIfHeard(call, *kind, call.params.Get("id")); !heard.ok())
    return Failure(call.log_fields, heard);
  // In-app use: a personalization grant; the holdout is served as a
  // shopper nobody knows (nothing is due).
  const Grant granted = call.cell->GrantFor(*kind, call.params.Get("id"), Purpose::kPersonalization, GpcSignal(call.request));
  const std::string_view variant = experiments_.VariantOf(granted);
  const Grant grant = ServedThrough(granted, variant, GuardrailPaused(call.region), now);
  auto history = call.cell->History(grant);
  if (!history.ok()) return Failure(call.log_fields, history.status());
  const std::shared_ptr<const ModelSet> models = LiveModelsOf(call);
  std::vector<DueItem> due = DueWithin(*history, now, *horizon, ItemCyclesOf(models.get()), config_.replenishment);
  PriceList& prices = call.cell->prices();
  PriceContext context{*channel, *store_id, now};
  JsonWriter w;
  w.BeginObject().Key("items").BeginArray();
  struct BasketLine {
    std::string product_id;
    int64_t quantity, unit_price;
    std::vector<std::string> fulfilment;
  };
  std::vector<BasketLine> basket;
  for (const DueItem& d : due) {
    auto product = call.cell->catalog().GetProduct(d.product_id);
    if (!product.ok()) return Failure(call.log_fields, product.status());
    if (!product->has_value() || !(*product)->active) continue;
    auto quote = prices.QuoteFor(call.cell->catalog(), d.product_id, context);
    if (!quote.ok()) return Failure(call.log_fields, quote.status());
    int64_t unit_price = quote->price;
    w.BeginObject().Key("product_id").String(d.product_id).Key("title").String((*product)->title);
    w.Key("due").String(FormatRfc3339(d.due).substr(0, 10)).Key("confidence").Double(std::round(d.confidence * 1000) / 1000);
    w.Key("quantity").Int(d.quantity).Key("interval_days").Double(std::round(d.interval_days * 10) / 10);
    w.Key("last_purchase").String(FormatRfc3339(d.last_purchase)).Key("unit_price").Micros6(unit_price).EndObject();
    if (auto_order && d.confidence >= config_.replenishment.auto_order_confidence) {
      auto options = FulfilmentOptions(call.cell->catalog(), d.product_id, *store_id, *channel == Channel::kStore);
      if (!options.ok()) return Failure(call.log_fields, options.status());
      if (!options->empty()) basket.push_back({d.product_id, d.quantity, unit_price, std::move(*options)});
    }
  }
  w.EndArray();
  w.Key("horizon_days").Double(static_cast<double>(*horizon) / static_cast<double>(kMicrosPerDay));
  if (auto_order) {
    int64_t value = 0;
    w.Key("auto_order").BeginObject().Key("items").BeginArray();
    for (const BasketLine& l : basket) {
      w.BeginObject().Key("product_id").String(l.product_id).Key("quantity").Int(l.quantity).Key("unit_price").Micros6(l.unit_price);
      w.Key("fulfilment").BeginArray();
      for (const auto& f : l.fulfilment) w.String(f);
      w.EndArray().EndObject();
      value += l.quantity * l.unit_price;
    }
    w.EndArray().Key("value").Micros6(value).Key("currency").String(call.cell->region().currency);
    w.Key("channel").String(ChannelName(*channel)).EndObject();
  }
  w.Key("personalized").Bool(grant.any() && !grant.subject().empty());
  std::string recommendation_id = experiments_.ListId(*call.cell);
  w.Key("recommendation_id").String(recommendation_id).Key("variant").String(variant).EndObject();
  std::vector<std::string> products;
  for (const DueItem& d : due) products.push_back(d.product_id);
  LogServed(call, *kind, call.params.Get("id"), *channel, std::move(recommendation_id), variant, "replenishment",
            std::move(products));
  return Json(200, w.Take());
}

// ---- Journeys: outbound suggestions ----

HttpResponse Api::GetSuggestions(Call& call) {
  auto kind = IdKindParam(call.query);
  if (!kind) return BadIdKind();
  Micros now = clock_.Now();
  // Outbound use: a marketing grant, never under GPC. The holdout is sent
  // nothing personal: it is what the others are compared with; while the
  // guardrail pauses personalization, no one is.
  Grant grant = call.cell->GrantFor(*kind, call.params.Get("id"), Purpose::kMarketing, GpcSignal(call.request));
  const std::string_view variant = experiments_.VariantOf(grant);
  const char* why_not = !grant.any() || grant.subject().empty() ? "no_grant"
                        : variant == kHoldoutVariant             ? "holdout"
                        : GuardrailPaused(call.region)           ? "guardrail_paused"
                                                                 : nullptr;
  const bool allowed = why_not == nullptr;
  SuggestionEntry entry;
  if (allowed) {
    auto history = call.cell->History(grant, /*with_links=*/true);
    if (!history.ok()) return Failure(call.log_fields, history.status());
    PriceList& list = call.cell->prices();
    auto prices = PriceBook::Load(list);
    if (!prices.ok()) return Failure(call.log_fields, prices.status());
    std::shared_ptr<const ModelSet> models = LiveModelsOf(call);
    auto built = SuggestionsFor(std::move(*history), models.get(), call.cell->catalog(), *prices, SuggestionOptionsFrom(config_, now));
    if (!built.ok()) return Failure(call.log_fields, built.status());
    entry = std::move(*built);
  }
  JsonWriter w;
  w.BeginObject().Key("allowed").Bool(allowed);
  if (why_not) w.Key("why_not_allowed").String(why_not);
  w.Key("suggestions").BeginArray();
  for (const auto& s : entry.suggestions)
    w.BeginObject().Key("product_id").String(s.product_id).Key("reason").String(s.reason).Key("price").Micros6(s.price).EndObject();
  w.EndArray().Key("replenishment").BeginArray();
  for (const auto& r : entry.replenishment) {
    w.BeginObject().Key("product_id").String(r.item.product_id).Key("due").String(FormatRfc3339(r.item.due).substr(0, 10));
    w.Key("confidence").Double(std::round(r.item.confidence * 1000) / 1000).Key("quantity").Int(r.item.quantity);
    w.Key("price").Micros6(r.price).EndObject();
  }
  std::string recommendation_id = experiments_.ListId(*call.cell);
  w.EndArray().Key("recommendation_id").String(recommendation_id).Key("variant").String(variant).EndObject();
  if (!entry.suggestions.empty()) {
    std::vector<std::string> products;
    for (const auto& s : entry.suggestions) products.push_back(s.product_id);
    LogServed(call, *kind, call.params.Get("id"), Channel::kWeb, std::move(recommendation_id), variant, "suggestions",
              std::move(products));
  }
  return Json(200, w.Take());
}

}  // namespace confide
