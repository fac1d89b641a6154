#include "analytics/shopper_floor.h"

#include <algorithm>
#include <cmath>

#include "analytics/budget_ledger.h"

namespace confide::analytics {

ShopperFloor::ShopperFloor(int64_t per_shopper, double sigma, size_t partitions) {
  const double tail = double(kPublicPicoDelta) / double(kPicoDeltaPerDelta) / double(std::max<size_t>(partitions, 1));
  threshold_ = kMinShoppers * per_shopper + int64_t(std::ceil(sigma * std::sqrt(2 * std::log(1 / tail))));
}

ReleasedNumber ShopperFloor::Apply(bool shown, ReleasedNumber n) {
  if (shown) return n;
  n.withheld = true;
  n.value = n.low = n.high = 0;
  return n;
}

std::string ShopperFloor::Note(const std::string& count) const {
  return "A partition's numbers are shown only when at least " + std::to_string(kMinShoppers) +
         " shoppers contributed and its noised " + count + " reached " + std::to_string(threshold_) +
         " (the floor at this cost: a higher rho lowers it); the others are withheld (null).";
}

}  // namespace confide::analytics
