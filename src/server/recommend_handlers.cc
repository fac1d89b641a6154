// Recommendation routes: a shopper's recommendations and a supplied list
// re-ranked for them (through a personalization grant), similar and
// bought-together items, and the region's models (training, state).
#include "server/handlers.h"

#include <simdjson.h>

#include <charconv>
#include <optional>

#include "catalog/availability.h"
#include "recommend/promotions.h"
#include "recommend/rerank.h"
#include "recommend/serving.h"
#include "server/handler_util.h"
#include "server/http_error.h"

namespace confide {

using namespace handler_util;

namespace {

// The query parameters every recommendation route shares, checked; errors
// name the parameter.
Result<ServeQuery> ServeQueryFrom(const QueryParams& query, Catalog& catalog, uint32_t max_per_category, Micros now) {
  ServeQuery q;
  q.now = now;
  q.max_per_category = max_per_category;
  std::string_view k = query.Get("k", "10");
  uint64_t parsed = 0;
  auto [end, ec] = std::from_chars(k.data(), k.data() + k.size(), parsed);
  if (ec != std::errc() || end != k.data() + k.size() || parsed < 1 || parsed > 100)
    return Status(Code::kInvalidArgument, "must be an integer from 1 to 100", "k");
  q.k = parsed;
  if (auto context = query.Get("context", "home"); auto c = ParseRecommendContext(context)) {
    q.context = *c;
  } else {
    return Status(Code::kInvalidArgument, "must be home, cart or product", "context");
  }
  q.product_id = std::string(query.Get("product_id"));
  if (q.context == RecommendContext::kProduct && q.product_id.empty())
    return Status(Code::kInvalidArgument, "required with context=product", "product_id");
  if (!q.product_id.empty()) CONFIDE_RETURN_IF_ERROR(catalog.CheckProduct(q.product_id, "product_id"));
  if (auto channel = query.Get("channel"); !channel.empty() && !ParseChannel(channel))
    return Status(Code::kInvalidArgument, "must be web, app, store or call_center", "channel");
  auto store_id = StoreParam(query, catalog);
  if (!store_id.ok()) return store_id.status();
  q.store_id = std::move(*store_id);
  std::string_view exclude = query.Get("exclude");
  while (!exclude.empty()) {
    size_t comma = exclude.find(',');
    if (comma != 0) q.exclude.emplace_back(exclude.substr(0, comma));
    exclude = comma == std::string_view::npos ? std::string_view() : exclude.substr(comma + 1);
  }
  return q;
}

// Quotes each served item at the effective price for the channel and store,
// lists how it can be had and names it.
Status AnnotateServed(Cell& cell, Served& served, Channel channel, const std::string& store_id) {
  PriceList& prices = cell.prices();
  PriceContext context{channel, store_id, cell.clock().Now()};
  for (ServedItem& item : served.items) {
    auto product = cell.catalog().GetProduct(item.product_id);
    if (!product.ok()) return product.status();
    if (*product) {
      auto quote = prices.QuoteFor(**product, context);
      if (!quote.ok()) return quote.status();
      item.price = quote->price;
      item.title = std::move((*product)->title);
    }
    auto options = FulfilmentOptions(cell.catalog(), item.product_id, store_id, channel == Channel::kStore);
    if (!options.ok()) return options.status();
    item.fulfilment = std::move(*options);
  }
  return {};
}

// The shopper's history through a personalization grant; none without one.
Result<std::vector<Event>> HistoryThrough(Cell& cell, const Grant& grant) {
  if (!grant.any() || grant.subject().empty()) return std::vector<Event>();
  return cell.History(grant);
}

// The request's ranking: from the region's cache while nothing it depends
// on has changed, else ranked afresh. Purpose-bound: the history is read
// only through the personalization grant (none without one).
Result<std::shared_ptr<const Ranking>> RankingFor(Cell& cell, RegionModels& region, const ModelSet& models,
                                                  const Grant& grant, const ServeQuery& query) {
  bool personal = grant.any() && !grant.subject().empty();
  // The version is read before the history: see Cell::HistoryVersion.
  std::string key = RankingCache::Key(personal ? grant.subject() : "", personal ? grant.categories().bits() : 0,
                                      personal ? cell.HistoryVersion(grant) : 0, models.version, query);
  if (auto cached = region.rankings().Find(key, query.now)) return cached;
  auto history = HistoryThrough(cell, grant);
  if (!history.ok()) return history.status();
  auto ranking =
      std::make_shared<const Ranking>(RankForShopper(models, *history, WeightsFrom(region.config()), query));
  region.rankings().Put(key, ranking, query.now);
  return ranking;
}

// Why a list asked for a shopper is not personalized.
const char* WhyNotPersonalized(bool asked, std::string_view variant, const Grant& grant, const ModelSet* models,
                               bool paused) {
  return !asked                       ? "not_asked"
         : variant == kHoldoutVariant ? "holdout"
         : !grant.any()               ? "no_grant"
         : paused                     ? "guardrail_paused"
         : !models                    ? "no_model"
         : !models->personalizes()    ? "model_below_popularity"
                                      : "nothing_learned";
}

// The product ids of a re-rank body, {"product_ids":[...]}: 1 to
// kMaxRerankItems non-empty strings. Errors name the member.
Result<std::vector<std::string>> RerankIds(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::object body;
  if (parser.parse(json.data(), json.size()).get_object().get(body))
    return Status(Code::kInvalidArgument, "body must be a JSON object", "body");
  std::optional<std::vector<std::string>> ids;
  const std::string must = "must be an array of 1 to " + std::to_string(kMaxRerankItems) + " product ids";
  for (auto [key, value] : body) {
    if (key != "product_ids") return Status(Code::kInvalidArgument, "unknown field", std::string(key));
    if (ids) return Status(Code::kInvalidArgument, "given twice", "product_ids");
    simdjson::dom::array array;
    if (value.get_array().get(array) || array.size() == 0 || array.size() > kMaxRerankItems)
      return Status(Code::kInvalidArgument, must, "product_ids");
    ids.emplace();
    for (simdjson::dom::element item : array) {
      std::string_view id;
      if (item.get_string().get(id) || id.empty()) return Status(Code::kInvalidArgument, must, "product_ids");
      ids->emplace_back(id);
    }
  }
  if (!ids) return Status(Code::kInvalidArgument, "required: " + must, "product_ids");
  return std::move(*ids);
}

// A shopper's list, labelled: its own id and their variant.
void Label(Served& served, std::string id, std::string_view variant) {
  served.recommendation_id = std::move(id);
  served.variant = variant;
}

std::vector<std::string> ProductsOf(const Served& served) {
  std::vector<std::string> products;
  for (const ServedItem& item : served.items) products.push_back(item.product_id);
  return products;
}

}  // namespace



Result<std::shared_ptr<const NewProducts>> Api::NewProductsOf(Call& call, const ModelSet& models, Micros now) {
  const RecommendConfig& rc = config_.recommend;
  if (rc.exploration_share <= 0) return std::shared_ptr<const NewProducts>();
  const uint64_t products = call.cell->catalog().products_version();
  const Micros day = now - now % kMicrosPerDay;
  {
    absl::MutexLock lock(&new_products_mu_);
    auto it = new_products_.find(call.region);
    if (it != new_products_.end() && it->second.model_version == models.version &&
        it->second.products_version == products && it->second.day == day)
      return it->second.products;
  }
  auto found = FindNewProducts(call.cell->catalog(), models, now - Micros(rc.new_product_days) * kMicrosPerDay);
  if (!found.ok()) return found.status();
  auto shared = std::make_shared<const NewProducts>(std::move(*found));
  absl::MutexLock lock(&new_products_mu_);
  new_products_[std::string(call.region)] = {models.version, products, day, shared};
  return shared;
}

std::vector<const PromotionConfig*> Api::PromotionsFor(Call& call, IdKind kind, std::string_view id,
                                                      const Grant& personalization, bool gpc, Channel channel,
                                                      const ServeQuery& query) {
  std::vector<const PromotionConfig*> active =
      ActivePromotions(config_.recommend.promotions, query.now, ChannelName(channel), query.store_id);
  if (active.empty() || !MayAdvertiseIn(personalization, call.cell->GrantFor(kind, id, Purpose::kMarketing, gpc)))
    return {};
  return active;
}

HttpResponse Api::GetRecommendations(Call& call) {
  auto kind = IdKindParam(call.query);
  if (!kind) return BadIdKind();
  auto query = ServeQueryFrom(call.query, call.cell->catalog(), config_.recommend.max_per_category, clock_.Now());
  if (!query.ok()) return ErrorResponse(query.status());
  auto channel = ChannelParam(call.query);
  if (!channel.ok()) return ErrorResponse(channel.status());
  const std::string_view personalize = call.query.Get("personalize", "true");
  if (personalize != "true" && personalize != "false")
    return ErrorResponse(400, CodeName(Code::kInvalidArgument), "must be true or false", "personalize");
  std::shared_ptr<const ModelSet> models = LiveModelsOf(call);
  bool gpc = GpcSignal(call.request);  // it refuses marketing, not personalization
  std::string_view id = call.params.Get("id");
  if (Status heard = RecordGpcIfHeard(call, *kind, id); !heard.ok()) return Failure(call.log_fields, heard);
  // A merchandiser previews a signed-in customer by their customer id, as
  // the shopper's own token must: the audit then names that customer.
  if (call.staff && *kind != IdKind::kCustomer) {
    auto linked = call.cell->VerifyShopperToken(call.cell->MintShopperToken(*kind, id, clock_.Now() + kMicrosPerSecond,
                                                                           static_cast<uint8_t>(TokenReach::kExport)),
                                                clock_.Now());
    if (linked.status().code() == Code::kPermissionDenied)
      return ErrorResponse(403, CodeName(Code::kPermissionDenied),
                           "this identifier belongs to a signed-in customer: preview their customer id", "id");
  }
  // personalize=false: the same request as a shopper nobody knows (a
  // merchandiser's side-by-side list), reading nothing of theirs.
  const bool asked = personalize == "true";
  Grant grant = asked ? call.cell->GrantFor(*kind, id, Purpose::kPersonalization, gpc) : NoGrant(query->now);
  const std::string_view variant = asked ? experiments_.VariantOf(grant) : "";
  const bool paused = GuardrailPaused(call.region);
  Result<Served> served = Served();
  if (models) {
    auto ranking =
        RankingFor(*call.cell, *ModelsOf(call), *models, ServedThrough(grant, variant, paused, query->now), *query);
    if (!ranking.ok()) return Failure(call.log_fields, ranking.status());
    auto new_products = NewProductsOf(call, *models, query->now);
    if (!new_products.ok()) return Failure(call.log_fields, new_products.status());
    query->new_products = new_products->get();
    query->exploration_share = config_.recommend.exploration_share;
    query->promotions = PromotionsFor(call, *kind, id, grant, gpc, *channel, *query);
    served = ServeRanking(models.get(), **ranking, call.cell->catalog(), *query);
  }
  if (!served.ok()) return Failure(call.log_fields, served.status());
  if (Status s = AnnotateServed(*call.cell, *served, *channel, query->store_id); !s.ok()) return Failure(call.log_fields, s);
  if (!served->personalized)
    served->why_not_personalized = WhyNotPersonalized(asked, variant, grant, models.get(), paused);
  if (asked) {
    Label(*served, experiments_.ListId(*call.cell), variant);
    LogServed(call, *kind, id, *channel, served->recommendation_id, variant, "recommendations", ProductsOf(*served));
  }
  // A merchandiser's preview reads a shopper's data on nobody's behalf
  // but the retailer's: the DPO sees each one.
  if (call.staff && asked)
    if (Status audited = Audit(call, AuditAction::kProfileRead, call.cell->AuditSubject(*kind, id), "recommendation preview");
        !audited.ok())
      return Failure(call.log_fields, audited);
  return Json(200, ServedToJson(*served));
}

HttpResponse Api::PostRerank(Call& call) {
  auto kind = IdKindParam(call.query);
  if (!kind) return BadIdKind();
  auto store_id = StoreParam(call.query, call.cell->catalog());
  if (!store_id.ok()) return ErrorResponse(store_id.status());
  auto ids = RerankIds(call.request.body);
  if (!ids.ok()) return ErrorResponse(ids.status());
  std::string_view id = call.params.Get("id");
  if (Status heard = RecordGpcIfHeard(call, *kind, id); !heard.ok()) return Failure(call.log_fields, heard);
  // Purpose-bound: the history is read only through the personalization grant.
  Grant grant = call.cell->GrantFor(*kind, id, Purpose::kPersonalization, GpcSignal(call.request));
  const std::string_view variant = experiments_.VariantOf(grant);
  const bool paused = GuardrailPaused(call.region);
  auto history = HistoryThrough(*call.cell, ServedThrough(grant, variant, paused, clock_.Now()));
  if (!history.ok()) return Failure(call.log_fields, history.status());
  std::shared_ptr<const ModelSet> models = LiveModelsOf(call);
  RegionModels* region = ModelsOf(call);
  ServeQuery query;
  query.now = clock_.Now();
  query.store_id = std::move(*store_id);
  auto served = Rerank(models.get(), *history, region ? WeightsFrom(region->config()) : InteractionWeights{},
                       call.cell->catalog(), query, *ids);
  if (!served.ok()) return Failure(call.log_fields, served.status());
  if (!served->personalized)
    served->why_not_personalized = WhyNotPersonalized(true, variant, grant, models.get(), paused);
  Label(*served, experiments_.ListId(*call.cell), variant);
  LogServed(call, *kind, id, Channel::kWeb, served->recommendation_id, variant, "rerank", ProductsOf(*served));
  return Json(200, ServedToJson(*served));
}

HttpResponse Api::GetSimilar(Call& call) { return GetRelated(call, false); }
HttpResponse Api::GetBoughtTogether(Call& call) { return GetRelated(call, true); }

HttpResponse Api::GetRelated(Call& call, bool bought_together) {
  auto query = ServeQueryFrom(call.query, call.cell->catalog(), config_.recommend.max_per_category, clock_.Now());
  if (!query.ok()) return ErrorResponse(query.status());
  auto channel = ChannelParam(call.query);
  if (!channel.ok()) return ErrorResponse(channel.status());
  query->min_similarity = static_cast<float>(config_.recommend.min_similarity);
  std::shared_ptr<const ModelSet> models = LiveModelsOf(call);
  auto served = ServeRelated(models.get(), call.params.Get("id"), bought_together, call.cell->catalog(), *query);
  if (!served.ok()) {
    if (served.status().code() == Code::kNotFound) return ErrorResponse(404, CodeName(Code::kNotFound), "no product with this id", "id");
    return Failure(call.log_fields, served.status());
  }
  if (Status s = AnnotateServed(*call.cell, *served, *channel, query->store_id); !s.ok()) return Failure(call.log_fields, s);
  served->recommendation_id = NewRecommendationId();  // a list of no shopper: no variant
  return Json(200, ServedToJson(*served));
}

HttpResponse Api::PostTrain(Call& call) {
  RegionModels* region = ModelsOf(call);
  if (!region) return ErrorResponse(503, CodeName(Code::kUnavailable), "models are not enabled on this node", "region");
  if (!region->StartTraining())
    return ErrorResponse(409, CodeName(Code::kFailedPrecondition), "a training is already running", "models");
  // Who asked for a training that reads every model_improvement grant.
  Audit(call, AuditAction::kModelTraining, "", "train now");
  return Json(202, region->ToJson());
}

HttpResponse Api::GetModels(Call& call) {
  RegionModels* region = ModelsOf(call);
  if (!region) return ErrorResponse(503, CodeName(Code::kUnavailable), "models are not enabled on this node", "region");
  std::string body = region->ToJson();
  if (auto guardrail = guardrails_.find(call.region); guardrail != guardrails_.end()) {
    JsonWriter w;
    guardrail->second->AppendJson(w);
    body.insert(body.size() - 1, ",\"guardrail\":" + w.Take());  // a member more of the models' object
  }
  return Json(200, std::move(body));
}

HttpResponse Api::GetModelHistory(Call& call) {
  RegionModels* region = ModelsOf(call);
  if (!region) return ErrorResponse(503, CodeName(Code::kUnavailable), "models are not enabled on this node", "region");
  uint64_t limit = 20;
  if (auto bad = IntegerParam(call.query, "limit", 1, 50, limit)) return *bad;
  auto history = region->HistoryJson(limit);
  if (!history.ok()) return Failure(call.log_fields, history.status());
  return Json(200, std::move(*history));
}

}  // namespace confide
