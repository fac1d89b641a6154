#include "audiences/audience_members.h"

#include <algorithm>

#include "analytics/release.h"
#include "analytics/shopper_floor.h"
#include "catalog/catalog.h"
#include "cell/cell.h"
#include "consent/purpose.h"
#include "core/json_writer.h"

namespace confide {

Result<AudienceMatcher> AudienceMatcher::Make(const AudienceDefinition& audience, Catalog& catalog,
                                              std::shared_ptr<const ModelSet> models, const InteractionWeights& weights,
                                              Micros now) {
  AudienceMatcher m;
  m.audience_ = audience;
  m.weights_ = weights;
  m.now_ = now;
  if (!audience.category.empty())
    CONFIDE_RETURN_IF_ERROR(catalog.ForEachProduct([&](const Product& p) {
      if (p.category == audience.category) m.category_products_.insert(p.id);
      return true;
    }));
  if (!audience.affinity_product.empty()) {
    if (!models || !models->als)
      return Status(Code::kFailedPrecondition, "the affinity rule needs a trained model: train the region first",
                    "affinity");
    m.affinity_item_ = models->items.Find(audience.affinity_product);
    m.models_ = std::move(models);
  }
  return m;
}

bool AudienceMatcher::Matches(std::span<const Event> history) const {
  const AudienceDefinition& a = audience_;
  const Micros from = now_ - Micros(a.window_days) * kMicrosPerDay;
  auto first = std::lower_bound(history.begin(), history.end(), from,
                                [](const Event& e, Micros t) { return e.timestamp < t; });
  const std::span<const Event> window(first, history.end());
  bool bought = false, at_store = a.store_id.empty(), on_channel = !a.channel;
  Micros last_purchase = 0;
  for (const Event& e : window) {
    if (e.timestamp > now_ || !CategoryOf(e.type)) continue;  // identify events carry no behaviour
    if (e.type == EventType::kPurchase && (a.category.empty() || category_products_.contains(e.product_id))) {
      bought = true;
      last_purchase = std::max(last_purchase, e.timestamp);
    }
    at_store = at_store || e.store_id == a.store_id;
    on_channel = on_channel || e.channel == *a.channel;
  }
  if ((!a.category.empty() || a.lapsed_days) && !bought) return false;
  if (a.lapsed_days && now_ - last_purchase < Micros(a.lapsed_days) * kMicrosPerDay) return false;
  if (!at_store || !on_channel) return false;
  return a.affinity_product.empty() || Affinity(window) >= a.min_affinity;
}

double AudienceMatcher::Affinity(std::span<const Event> window) const {
  if (!affinity_item_) return 0;  // a product the model has not learned yet
  const ModelSet& models = *models_;
  const Activity shopper =
      BuildActivity(window, weights_, now_, [&](std::string_view id) { return models.items.Find(id); });
  if (shopper.preferences.empty()) return 0;
  const std::vector<float> user = models.als->FoldIn(shopper.preferences);
  return models.als->Score(user, *affinity_item_);
}

namespace {

bool Eligible(const Grant& grant) { return grant.any() && !grant.gpc_on_record(); }

}  // namespace

Result<MembersPage> ListMembersPage(Cell& cell, const AudienceMatcher& matcher, std::string_view cursor,
                                    size_t limit, size_t max_shoppers) {
  MembersPage page;
  auto next = cell.ForEachGrantedHistoryPage(
      Purpose::kMarketing, cursor, max_shoppers,
      [&](const Grant& grant, std::vector<Event>&& history, bool& stop) -> Status {
        if (!Eligible(grant) || !matcher.Matches(history)) return Status::Ok();
        Addressee to = AddresseeOf(history);
        if (to.id.empty()) return Status::Ok();
        page.members.push_back(std::move(to));
        stop = page.members.size() >= limit;
        return Status::Ok();
      },
      /*with_links=*/true);
  if (!next.ok()) return next.status();
  page.next_cursor = std::move(*next);
  return page;
}

Result<uint64_t> CountMembers(Cell& cell, const AudienceMatcher& matcher, bool counted_by_analytics) {
  uint64_t count = 0;
  CONFIDE_RETURN_IF_ERROR(cell.ForEachGrantedHistory(
      Purpose::kMarketing,
      [&](const Grant& grant, std::vector<Event>&& history) {
        if (!Eligible(grant) || !matcher.Matches(history)) return Status::Ok();
        if (counted_by_analytics) {
          const Addressee to = AddresseeOf(history);
          if (to.id.empty() || !cell.GrantFor(to.kind, to.id, Purpose::kAnalytics).any()) return Status::Ok();
        }
        ++count;
        return Status::Ok();
      },
      /*with_links=*/counted_by_analytics));
  return count;
}

Result<analytics::Released> ReleaseAudienceSize(Cell& cell, analytics::RegionInsights& insights,
                                                const AudienceMatcher& matcher, int64_t nano_rho, Micros now,
                                                const std::string& key_id) {
  const AudienceDefinition& a = matcher.audience();
  const Micros to = now - now % kMicrosPerDay + kMicrosPerDay;
  const Micros from = to - Micros(a.window_days + 1) * kMicrosPerDay;
  AudienceDefinition rules = a;
  rules.created_at = 0;  // the same rules under a name defined again are the same query
  JsonWriter q;
  q.BeginObject().Key("query").String("audience_size").Key("audience").Raw(AudienceToJson(rules));
  q.Key("rho").Double(double(nano_rho) / double(analytics::kNanoRhoPerRho)).EndObject();
  const std::string query = q.Take();
  return insights.RunRelease(query, from, to, nano_rho, now, key_id,
                             [&](analytics::RandomSource& source) -> Result<std::string> {
                               auto count = CountMembers(cell, matcher, /*counted_by_analytics=*/true);
                               if (!count.ok()) return count.status();
                               analytics::Sensitivity one{1, 1, 1};  // a shopper is a member or not
                               auto release = analytics::Release::Gaussian(one, "L2=1 (a shopper is a member or not)", nano_rho);
                               if (!release.ok()) return release.status();
                               const analytics::ShopperFloor floor(1, analytics::MechanismParameter(release->mechanism()), 1);
                               const analytics::NoisedInt n = release->Noise(int64_t(*count), source);
                               analytics::Answer answer;
                               answer.query = query;
                               answer.nano_rho = nano_rho;
                               answer.pico_delta = analytics::kPublicPicoDelta;
                               answer.numbers.push_back(analytics::ShopperFloor::Apply(
                                   floor.Shows(int64_t(*count), n.value), release->Number("audience=" + a.name, "members", n)));
                               answer.notes.push_back(
                                   "Counted: the members (the shoppers the audience's rules select whose marketing "
                                   "consent holds now and who never sent Global Privacy Control, as GET .../members "
                                   "lists them) whose analytics consent holds too.");
                               if (!a.affinity_product.empty())
                                 answer.notes.push_back(
                                     "The affinity rule reads the trained model as given: the noise protects each "
                                     "member's own data, not what the model learned from every shopper it was "
                                     "trained on.");
                               answer.notes.push_back(floor.Note("members"));
                               return analytics::AnswerToJson(answer);
                             });
}

}  // namespace confide
