// The simulation of one shopper over the whole window: traits drawn once (channel profile,
// loyalty card, engagement, favourite categories, staples and their cycles), then day by day
// the sessions that follow from them (browsing, staples running out, store trips), each
// appending its events to the region's list.
//
// Internal to synth/. The methods live in three files: shopper_sim.cc (traits, the day loop
// and the draws), orders.cc (events, orders, pickups and returns) and sessions.cc (store
// visits, call-center orders and online sessions). A ShopperSim is used by one thread; the
// RegionModel it reads may be shared.
#pragma once

#include <cstdint>
#include <vector>

#include "synth/random.h"
#include "synth/raw_event.h"
#include "synth/region_model.h"
#include "synth/world.h"

namespace confide::synth {

enum class Profile : uint8_t { kStoreOnly, kWebHeavy, kAppHeavy, kOmni };

// Channel weights (store, web, app) per profile.
constexpr double kProfileChannels[4][3] = {
    {1.0, 0.0, 0.0}, {0.15, 0.8, 0.05}, {0.2, 0.1, 0.7}, {0.45, 0.3, 0.25}};

struct Staple {
  uint32_t product;
  uint32_t cycle;  // days
  int32_t next_due;
};

struct Line {
  uint32_t product;
  uint8_t quantity;
};

// The seed of shopper `shopper` of options.regions[region_index]: the same for every reader
// of the generated retailer (Generate, ReadResponseRegion).
uint64_t ShopperSeed(const Options& options, size_t region_index, uint32_t shopper);

// Simulates one shopper from day 0 to the end, appending events to `out`. Every draw comes
// from the shopper's own stream `seed`, in a fixed order, so the events depend only on the
// model, the shopper index and the seed.
class ShopperSim {
 public:
  // `model` and `out` must outlive the object.
  ShopperSim(const RegionModel& model, uint32_t shopper, uint64_t seed, std::vector<RawEvent>& out)
      : model_(model), world_(*model.world), rng_(seed), shopper_(shopper), out_(out) {}

  uint32_t orders() const { return orders_; }
  // The favourite categories Setup drew (indices into World::categories).
  const std::vector<uint16_t>& favourites() const { return favourite_ids_; }

  // Draws the shopper's traits. Returns whether the shopper holds a loyalty card (the
  // caller numbers the cards). Call once, before Run.
  bool Setup();

  // Appends the shopper's events over the whole window, in the order they happen within each
  // session (returns and pickups are appended when their order is placed). Call once.
  void Run();

 private:
  // An online session in progress: its clock, channel and device (0 web, 1 app), and the
  // identifiers its events carry.
  struct Visit {
    uint32_t t;
    Channel channel;
    int device;
    uint8_t ids;
  };

  // --- traits and draws (shopper_sim.cc) -------------------------------------------------
  void PickFavourites();
  void PickStaples();
  int32_t MinDue() const;
  int32_t Jitter(uint32_t cycle);
  // 0..2 days: today is favoured, otherwise the busier day (the weekend) wins.
  int32_t PlanDelay(uint32_t d);
  Channel PickChannel();
  uint32_t SecondOfDay(Channel channel);
  uint32_t PickCategory();
  uint32_t PickProductIn(uint32_t category);
  uint32_t PickAnyProduct();
  uint8_t QuantityFor(uint32_t product);
  uint32_t SellingPrice(uint32_t product);

  // --- events and orders (orders.cc) -----------------------------------------------------
  RawEvent& Emit(EventType type, uint32_t second, Channel channel, uint8_t ids);
  uint8_t StoreIds() const { return has_loyalty_ ? kLoyaltyId : kCustomerId; }
  // Emits an identify linking the device (and maybe the loyalty card) to the customer.
  void Identify(uint32_t second, Channel channel, int device);
  // Purchase lines of one order, then maybe returns and a pickup.
  void Purchase(uint32_t second, Channel channel, uint8_t ids, uint16_t store,
                const std::vector<Line>& lines, bool online_pickup);
  void SchedulePickup(uint32_t second, uint8_t ids, uint32_t order);
  // Later events (pickups, returns) happen while the store is open, local time.
  uint32_t ClampToOpeningHours(uint32_t second);
  // Store purchases go back to the store; online orders half the time too, else through the
  // channel (and so the identity) they were bought with.
  void ScheduleReturn(const RawEvent& bought);
  void MarkStapleBought(uint32_t product);
  // Staples due within `lookahead` days, as basket lines.
  void AddDueStaples(int32_t lookahead, std::vector<Line>& lines);
  void AddImpulse(int count, std::vector<Line>& lines);

  // --- sessions (sessions.cc) ------------------------------------------------------------
  void StoreVisit(uint32_t t, bool replenish);
  void CallCenterOrder(uint32_t t);
  void OnlineSession(uint32_t t, Channel channel, bool replenish);
  void View(Visit& visit, uint32_t product);
  void AddToCart(Visit& visit, uint32_t product);
  void RemoveFromCart(Visit& visit);
  // The two ways an online session fills the cart; each returns the chance of checking out.
  double BuyAgain(Visit& visit);
  double BrowseCategory(Visit& visit);
  void Checkout(Visit& visit, bool replenish);

  const RegionModel& model_;
  const World& world_;
  Rng rng_;
  const uint32_t shopper_;
  std::vector<RawEvent>& out_;

  Profile profile_ = Profile::kOmni;
  bool has_loyalty_ = false;
  bool guest_ = false;
  bool links_loyalty_online_ = false;
  bool loyalty_linked_ = false;
  bool identified_[2] = {false, false};  // web, app
  bool seen_[2] = {false, false};
  uint16_t home_store_ = 0;
  double engagement_ = 1;
  double browse_rate_per_day_ = 0;
  double staple_share_ = 0;
  double cycle_scale_ = 1;
  std::vector<uint16_t> favourite_ids_;
  std::vector<double> favourite_weights_;
  WeightedPicker favourites_;
  std::vector<Staple> staples_;
  std::vector<Line> lines_;
  std::vector<Line> cart_;
  uint32_t orders_ = 0;
  uint32_t busy_until_ = 0;
  int32_t day_ = 0;
};

}  // namespace confide::synth
