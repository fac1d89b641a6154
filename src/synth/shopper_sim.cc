// The shopper's traits, the day-by-day loop that turns them into sessions, and the draws the
// sessions are made of.
#include "synth/shopper_sim.h"

#include <algorithm>
#include <climits>
#include <cmath>

namespace confide::synth {

uint64_t ShopperSeed(const Options& options, size_t region_index, uint32_t shopper) {
  return DeriveSeed(DeriveSeed(options.seed, 300 + region_index), shopper);
}

bool ShopperSim::Setup() {
  const double profile_draw = rng_.Uniform();
  profile_ = profile_draw < 0.30   ? Profile::kStoreOnly
             : profile_draw < 0.52 ? Profile::kWebHeavy
             : profile_draw < 0.70 ? Profile::kAppHeavy
                                   : Profile::kOmni;
  static constexpr double kLoyaltyRate[4] = {0.72, 0.42, 0.55, 0.68};
  has_loyalty_ = rng_.Chance(kLoyaltyRate[static_cast<size_t>(profile_)]);
  guest_ = profile_ != Profile::kStoreOnly && rng_.Chance(0.12);
  links_loyalty_online_ = rng_.Chance(0.7);
  home_store_ = static_cast<uint16_t>(model_.stores.Pick(rng_));

  // Heavy-tailed engagement (mean 1): a few shoppers are very active.
  engagement_ = std::min(rng_.UnitLogNormal(1.0), 25.0);
  browse_rate_per_day_ = std::min(8.0 * engagement_, 300.0) / 365.0;
  staple_share_ = std::min(0.9, 0.03 + 0.1 * engagement_);
  cycle_scale_ = rng_.Uniform(0.9, 2.2);

  PickFavourites();
  PickStaples();
  return has_loyalty_;
}

// Favourite categories, weighted.
void ShopperSim::PickFavourites() {
  const int favourites = rng_.Between(2, 5);
  for (int i = 0; i < favourites; ++i) {
    const uint32_t c = model_.categories.Pick(rng_);
    if (std::find(favourite_ids_.begin(), favourite_ids_.end(), c) != favourite_ids_.end())
      continue;
    favourite_ids_.push_back(static_cast<uint16_t>(c));
    favourite_weights_.push_back(rng_.Uniform(0.3, 1.0));
  }
  favourites_.Reset(favourite_weights_);
}

// Staples: favourite staple categories first, else the popular ones.
void ShopperSim::PickStaples() {
  if (!model_.staple_category_ids.empty() && rng_.Chance(0.8)) {
    const int staple_count = 1 + rng_.Geometric(0.4, 6);
    for (int i = 0; i < staple_count; ++i) {
      uint32_t c = model_.staple_category_ids[model_.staple_categories.Pick(rng_)];
      const uint16_t favourite = favourite_ids_[favourites_.Pick(rng_)];
      if (world_.categories[favourite].staple() && rng_.Chance(0.6)) c = favourite;
      const uint32_t product = PickProductIn(c);
      bool duplicate = false;
      for (const Staple& staple : staples_) duplicate |= staple.product == product;
      if (duplicate) continue;
      const double base = world_.categories[c].spec->cycle_days * cycle_scale_;
      const auto cycle =
          static_cast<uint32_t>(std::max(3.0, std::round(base * rng_.Uniform(0.85, 1.2))));
      // First need somewhere in the first cycle, so the population is not in lockstep.
      staples_.push_back({product, cycle, static_cast<int32_t>(rng_.Below(cycle))});
    }
  }
}

void ShopperSim::Run() {
  struct Session {
    uint32_t second_of_day;
    Channel channel;
    bool replenish;
  };
  int32_t pending_trip = -1;
  for (uint32_t d = 0; d < model_.days; ++d) {
    const Day& day = world_.days[d];
    const int32_t today = static_cast<int32_t>(d);
    // Staples: when one runs out the shopper either plans a trip here within a couple of
    // days (favouring the weekend) or buys it elsewhere and the cycle restarts.
    if (pending_trip < 0 && MinDue() <= today) {
      if (rng_.Chance(staple_share_)) {
        pending_trip = today + PlanDelay(d);
      } else {
        for (Staple& staple : staples_)
          if (staple.next_due <= today) staple.next_due = today + Jitter(staple.cycle);
      }
    }
    Session sessions[4];
    int count = 0;
    double expected = browse_rate_per_day_ * day.activity;
    while (expected > 0 && count < 3) {
      if (expected >= 1 || rng_.Chance(expected)) {
        sessions[count++] = {0, PickChannel(), false};
      }
      expected -= 1;
    }
    if (pending_trip == today) {
      // Groceries are mostly bought in store by those who shop there at all.
      const bool uses_store = kProfileChannels[static_cast<size_t>(profile_)][0] > 0;
      sessions[count++] = {0, uses_store && rng_.Chance(0.5) ? Channel::kStore : PickChannel(),
                           true};
      pending_trip = -1;
    }
    if (count == 0) continue;
    for (int i = 0; i < count; ++i) {
      Channel channel = sessions[i].channel;
      if (channel != Channel::kStore && !guest_ && !sessions[i].replenish && rng_.Chance(0.012)) {
        channel = Channel::kCallCenter;
        sessions[i].channel = channel;
      }
      sessions[i].second_of_day = SecondOfDay(channel);
    }
    std::sort(sessions, sessions + count, [](const Session& a, const Session& b) {
      return a.second_of_day < b.second_of_day;
    });
    for (int i = 0; i < count; ++i) {
      uint32_t start = d * 86400 + sessions[i].second_of_day;
      start = std::max(start, busy_until_ + 120);  // one session at a time
      // Sessions last well under two hours; keep them inside the window.
      if (start + 7200 > model_.days * 86400u) continue;
      day_ = today;
      switch (sessions[i].channel) {
        case Channel::kStore: StoreVisit(start, sessions[i].replenish); break;
        case Channel::kCallCenter: CallCenterOrder(start); break;
        default: OnlineSession(start, sessions[i].channel, sessions[i].replenish); break;
      }
    }
  }
}

int32_t ShopperSim::MinDue() const {
  int32_t min_due = INT32_MAX;
  for (const Staple& staple : staples_) min_due = std::min(min_due, staple.next_due);
  return min_due;
}

int32_t ShopperSim::Jitter(uint32_t cycle) {
  return std::max<int32_t>(1, static_cast<int32_t>(std::lround(cycle * rng_.Uniform(0.8, 1.25))));
}

int32_t ShopperSim::PlanDelay(uint32_t d) {
  double weights[3];
  for (uint32_t k = 0; k < 3; ++k)
    weights[k] = d + k < model_.days ? world_.days[d + k].activity * (k == 0 ? 1.5 : 1.0) : 0.0;
  double draw = rng_.Uniform() * (weights[0] + weights[1] + weights[2]);
  for (int32_t k = 0; k < 3; ++k) {
    if (draw < weights[k]) return k;
    draw -= weights[k];
  }
  return 0;
}

Channel ShopperSim::PickChannel() {
  const double* weights = kProfileChannels[static_cast<size_t>(profile_)];
  double draw = rng_.Uniform();
  if (draw < weights[0]) return Channel::kStore;
  if (draw < weights[0] + weights[1]) return Channel::kWeb;
  return Channel::kApp;
}

uint32_t ShopperSim::SecondOfDay(Channel channel) {
  const uint32_t hour = world_.hour_pickers[static_cast<size_t>(channel)].Pick(rng_);
  const int64_t local = hour * 3600 + rng_.Below(3600);
  const int64_t utc = local - model_.plan->spec->utc_offset_seconds;
  return static_cast<uint32_t>(((utc % 86400) + 86400) % 86400);
}

uint32_t ShopperSim::PickCategory() {
  if (!favourite_ids_.empty() && rng_.Chance(0.7)) return favourite_ids_[favourites_.Pick(rng_)];
  return world_.days[day_].gift_season ? model_.gift_categories.Pick(rng_)
                                       : model_.categories.Pick(rng_);
}

uint32_t ShopperSim::PickProductIn(uint32_t category) {
  const std::vector<uint32_t>& products = world_.categories[category].products;
  return products[model_.category_products[category].Pick(rng_)];
}

uint32_t ShopperSim::PickAnyProduct() { return PickProductIn(PickCategory()); }

uint8_t ShopperSim::QuantityFor(uint32_t product) {
  const Category& category = world_.categories[world_.products[product].category];
  if (category.staple()) return static_cast<uint8_t>(1 + rng_.Geometric(0.6, 5));
  return static_cast<uint8_t>(rng_.Chance(0.1) ? 2 : 1);
}

uint32_t ShopperSim::SellingPrice(uint32_t product) {
  const uint32_t list = model_.price_cents[product];
  if (!rng_.Chance(0.08)) return list;  // occasional promotion
  return std::max<uint32_t>(1, static_cast<uint32_t>(std::lround(list * rng_.Uniform(0.7, 0.9))));
}

}  // namespace confide::synth
