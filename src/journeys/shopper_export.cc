#include "journeys/shopper_export.h"

#include "cell/region_models.h"
#include "experiments/assignment.h"
#include "journeys/cart.h"
#include "journeys/replenishment.h"
#include "journeys/webhook.h"
#include "recommend/promotions.h"
#include "recommend/serving.h"

namespace confide {
namespace {

constexpr size_t kRecommendations = 10;  // as many as the recommendations route gives by default

Status DeriveRecommendations(Cell& cell, const ModelSet& models, const Config& config,
                             const std::vector<Event>& history, bool may_advertise, Micros now, DerivedData& d) {
  ServeQuery q;
  q.k = kRecommendations;
  q.now = now;
  q.max_per_category = config.recommend.max_per_category;
  // New products take their slots as on the recommendations route.
  auto fresh = FindNewProducts(cell.catalog(), models, now - Micros(config.recommend.new_product_days) * kMicrosPerDay);
  if (!fresh.ok()) return fresh.status();
  q.new_products = &*fresh;
  q.exploration_share = config.recommend.exploration_share;
  // And promotions, as on the recommendations route online on the web.
  if (may_advertise) q.promotions = ActivePromotions(config.recommend.promotions, now, "web", "");
  auto served = ServeRecommendations(&models, history, WeightsFrom(config.recommend), cell.catalog(), q);
  if (!served.ok()) return served.status();
  d.model_version = models.version;
  for (ServedItem& item : served->items)
    d.recommendations.push_back({std::move(item.product_id), std::move(item.reason), item.promoted});
  return {};
}

}  // namespace

Result<DerivedData> DeriveForExport(Cell& cell, const ModelSet* models, const Config& config, IdKind kind,
                                    std::string_view id, Micros now) {
  DerivedData d;
  const Grant marketing = cell.GrantFor(kind, id, Purpose::kMarketing);
  d.marketing_allowed = marketing.any() && !marketing.subject().empty();
  const Grant grant = cell.GrantFor(kind, id, Purpose::kPersonalization);
  d.personalization_allowed = grant.any() && !grant.subject().empty();
  if (!d.personalization_allowed) return d;
  auto history = cell.History(grant);
  if (!history.ok()) return history.status();
  if (CartIsKnowable(grant)) {
    Cart cart = DeriveCart(*history, {now, CartLineTtl(config.journeys)});
    for (CartLine& line : cart.lines)
      d.cart.push_back({std::move(line.product_id), line.quantity, line.channel, line.added});
    d.cart_updated = cart.updated;
  } else {
    d.cart_note = "the shopper opted out of browsing or purchases, without which no cart can be told";
  }
  const CyclePrior cycle = ItemCyclesOf(models);
  for (DueItem& due : PredictReplenishment(*history, now, cycle, config.replenishment))
    d.replenishment.push_back({std::move(due.product_id), due.last_purchase, due.due, due.interval_days,
                               due.confidence, due.quantity, due.occasions});
  if (models) {
    // As served: the holdout of the region's experiment gets the list of a
    // shopper nobody knows. (A guardrail's pause is the running server's
    // state, not known here.)
    const bool served = ExperimentAssignment::Personalizes(ExperimentAssignment(config.experiment).VariantOf(grant));
    CONFIDE_RETURN_IF_ERROR(DeriveRecommendations(cell, *models, config, served ? *history : std::vector<Event>(),
                                                  served && MayAdvertiseIn(grant, marketing), now, d));
  }
  return d;
}

std::vector<ConfiguredRecipient> ConfiguredRecipients(const Config& config) {
  std::vector<ConfiguredRecipient> out;
  if (auto target = ParseWebhookUrl(config.cart_recovery.webhook_url); target.ok())
    out.push_back({target->host,
                   "cart-recovery offers: the cart, its prices and incentive, and the id to address "
                   "the shopper by",
                   Purpose::kMarketing});
  if (!config.suggestions.out_dir.empty())
    out.push_back({"the suggestions file (suggestions.out_dir) for the retailer's e-mail and push messages",
                   "top suggestions and due replenishments, and the id to address the shopper by",
                   Purpose::kMarketing});
  return out;
}

// What the shopper's data was sent to (Cell::RecordDeliveries), as the
// export lists it. The offer's lines are not recorded: only its key.
Result<std::optional<std::vector<DeliveryRecord>>> DeliveriesOf(Cell& cell, IdKind kind, std::string_view id) {
  auto held = cell.DeliveriesOf(kind, id);
  if (!held.ok()) return held.status();
  std::vector<DeliveryRecord> out;
  for (const Cell::Delivery& d : *held) out.push_back({d.recipient, d.what, Purpose::kMarketing, d.at, d.reference, {}, d.outcome});
  return std::optional<std::vector<DeliveryRecord>>(std::move(out));
}

Result<std::optional<std::string>> ExportShopperDocument(Cell& cell, const ModelSet* models,
                                                         const Config& config, IdKind kind,
                                                         std::string_view id, Micros now) {
  ExportInputs inputs;
  inputs.retention = config.retention;
  auto derived = DeriveForExport(cell, models, config, kind, id, now);
  if (!derived.ok()) return derived.status();
  inputs.derived = std::move(*derived);
  auto deliveries = DeliveriesOf(cell, kind, id);
  if (!deliveries.ok()) return deliveries.status();
  inputs.deliveries = std::move(*deliveries);
  inputs.configured_recipients = ConfiguredRecipients(config);
  return ExportShopper(cell, kind, id, inputs, now);
}

}  // namespace confide
