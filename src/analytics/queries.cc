#include "analytics/queries.h"

#include <algorithm>

#include "analytics/query_parts.h"
#include "analytics/shopper_floor.h"

namespace confide::analytics {

namespace internal {

bool OrderPasses(const QuerySpec& spec, const Order& order) {
  if (!spec.store_id.empty() && order.store_id != spec.store_id) return false;
  if (spec.channel && order.channel != *spec.channel) return false;
  if (spec.category.empty()) return true;
  return std::any_of(order.lines.begin(), order.lines.end(),
                     [&](const OrderLine& l) { return l.category == spec.category; });
}

bool LinePasses(const QuerySpec& spec, const OrderLine& line) {
  return spec.category.empty() || line.category == spec.category;
}

std::vector<const Order*> SampledOrders(const QuerySpec& spec, const ShopperOrders& shopper, int64_t max,
                                        RandomSource& source) {
  std::vector<const Order*> passing;
  for (const Order& o : shopper.orders) {
    if (OrderPasses(spec, o)) passing.push_back(&o);
  }
  const size_t k = static_cast<size_t>(max);
  if (passing.size() > k) {
    for (size_t i = 0; i < k; ++i) {
      std::swap(passing[i], passing[i + static_cast<size_t>(UniformBelow(source, passing.size() - i))]);
    }
    passing.resize(k);
  }
  return passing;
}

int64_t Share(const QuerySpec& spec, int parts) { return spec.nano_rho / parts; }

std::string L2Text(unsigned __int128 l2_squared, const std::string& bounds) {
  return "L2=sqrt(" + std::to_string(static_cast<uint64_t>(l2_squared)) + ") (" + bounds + ")";
}

}  // namespace internal

Status CheckFilters(const QuerySpec& spec, const PublicDomain& domain) {
  if (!spec.store_id.empty() &&
      !std::binary_search(domain.stores.begin(), domain.stores.end(), spec.store_id)) {
    return InvalidArgument("store_id", "no store with this id");
  }
  if (!spec.category.empty() &&
      !std::binary_search(domain.categories.begin(), domain.categories.end(), spec.category)) {
    return InvalidArgument("category", "no product of the catalog has this category");
  }
  return Status::Ok();
}

int64_t QueryPicoDelta(const QuerySpec& spec) {
  // bought_together's partition selection: 1e-8; the others' shopper floor.
  return spec.kind == QueryKind::kBoughtTogether ? 10'000 : kPublicPicoDelta;
}

Result<Answer> RunQuery(const QuerySpec& spec, const Dataset& data, const PublicDomain& domain,
                        RandomSource& source) {
  Result<Answer> answer = Status(Code::kInternal, "unknown query");
  switch (spec.kind) {
    case QueryKind::kTopProducts: answer = internal::TopProducts(spec, data, domain, source); break;
    case QueryKind::kCategoryTrends: answer = internal::CategoryTrends(spec, data, domain, source); break;
    case QueryKind::kBasketSize: answer = internal::BasketSize(spec, data, domain, source); break;
    case QueryKind::kSpend: answer = internal::Spend(spec, data, domain, source); break;
    case QueryKind::kChannelMix: answer = internal::ChannelMix(spec, data, domain, source); break;
    case QueryKind::kRepeatRate: answer = internal::RepeatRate(spec, data, domain, source); break;
    case QueryKind::kBoughtTogether: answer = internal::BoughtTogether(spec, data, domain, source); break;
  }
  if (!answer.ok()) return answer;
  answer->query = CanonicalQuery(spec);
  answer->nano_rho = spec.nano_rho;
  answer->pico_delta = QueryPicoDelta(spec);
  answer->notes.push_back(
      "Only shoppers whose analytics consent allows purchases are counted; each shopper's contribution is bounded "
      "as noted, so that the answer is differentially private for the shopper. A noised count may be below zero "
      "or past the truth by its noise: its 95% interval says how far.");
  return answer;
}

}  // namespace confide::analytics
