#include "journeys/cart_recovery.h"

#include <sodium.h>

#include <algorithm>
#include <optional>
#include <unordered_map>

#include "core/bytes.h"
#include "core/json_writer.h"

namespace confide {
namespace {

constexpr int64_t kCent = 10'000;

// BLAKE2b-128 of the shopper's pseudonymous key and the cart's last change:
// stable for one cart state, unrelated across shoppers, and not the
// pseudonym itself.
std::string IdempotencyKey(std::string_view shopper_key, Micros updated) {
  unsigned char out[16];
  std::string in(shopper_key);
  PutFixed64BE(in, static_cast<uint64_t>(updated));
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(in.data()), in.size(), nullptr, 0);
  return "cr-" + HexEncode(std::string_view(reinterpret_cast<const char*>(out), sizeof out));
}

}  // namespace

Incentive IncentiveFor(const PricedCart& cart, const std::vector<IncentiveBand>& bands) {
  Incentive in;
  for (const IncentiveBand& b : bands)
    if (cart.value >= b.min_value) in.percent = b.percent;
  if (in.percent == 0) return in;
  for (const PricedLine& l : cart.lines) {
    int64_t line = l.unit_price * l.line.quantity;
    int64_t off = static_cast<int64_t>(static_cast<__int128>(line) * in.percent / 100);
    if (l.cost) {
      int64_t margin = std::max<int64_t>(0, (l.unit_price - *l.cost) * l.line.quantity);
      if (off > margin) {
        off = margin;
        in.capped_by_cost = true;
      }
    }
    in.amount += off;
  }
  in.amount = in.amount / kCent * kCent;
  return in;
}

namespace {

// Makes the offer for one granted shopper's history, if their cart is
// abandoned; reads the catalog once per product.
class OfferMaker {
 public:
  OfferMaker(Cell& cell, const CartRecoveryConfig& config, const RecoveryQuery& query, const PriceBook& book)
      : cell_(cell), config_(config), query_(query), book_(book),
        window_(int64_t{config.abandon_after_minutes} * 60 * kMicrosPerSecond),
        max_age_(int64_t{config.max_age_days} * kMicrosPerDay) {}

  // nullopt when there is no offer to make; errors from catalog reads.
  Result<std::optional<RecoveryOffer>> Make(const Grant& grant, const std::vector<Event>& history) {
    // Without purchases there is no knowing what a purchase has covered.
    if (!CartIsKnowable(grant)) return std::optional<RecoveryOffer>();
    const std::string_view variant = query_.experiment.VariantOf(grant);
    if (variant == kHoldoutVariant) return std::optional<RecoveryOffer>();
    Cart cart = DeriveCart(history, {query_.now, query_.line_ttl});
    if (cart.empty()) return std::optional<RecoveryOffer>();
    Micros age = query_.now - cart.updated;
    if (age < window_ || age > max_age_ || cart.updated + window_ < query_.since) return std::optional<RecoveryOffer>();
    RecoveryOffer offer;
    offer.to = AddresseeOf(history);
    if (offer.to.id.empty()) return std::optional<RecoveryOffer>();
    Status lookup;
    auto product_of = [&](std::string_view id) { return ProductOf(id, lookup); };
    offer.cart = PriceCart(cart, book_, {cart.channel, cart.store_id, query_.now}, product_of);
    CONFIDE_RETURN_IF_ERROR(lookup);  // a catalog read that failed stops the listing
    if (offer.cart.lines.empty()) return std::optional<RecoveryOffer>();
    offer.idempotency_key = IdempotencyKey(grant.subject(), cart.updated);
    offer.channel = cart.channel;
    offer.store_id = cart.store_id;
    offer.updated = cart.updated;
    offer.abandoned_at = cart.updated + window_;
    offer.incentive = IncentiveFor(offer.cart, config_.incentives);
    offer.variant = variant;
    return std::optional<RecoveryOffer>(std::move(offer));
  }

 private:
  const Product* ProductOf(std::string_view id, Status& lookup) {
    auto it = products_.find(std::string(id));
    if (it == products_.end()) {
      auto p = cell_.catalog().GetProduct(id);
      if (!p.ok()) {
        lookup = p.status();
        return nullptr;
      }
      it = products_.emplace(std::string(id), std::move(*p)).first;
    }
    return it->second ? &*it->second : nullptr;
  }

  Cell& cell_;
  const CartRecoveryConfig& config_;
  const RecoveryQuery& query_;
  const PriceBook& book_;
  const Micros window_, max_age_;
  std::unordered_map<std::string, std::optional<Product>> products_;
};

void SortOffers(std::vector<RecoveryOffer>& offers) {
  std::sort(offers.begin(), offers.end(), [](const RecoveryOffer& a, const RecoveryOffer& b) {
    return a.abandoned_at != b.abandoned_at ? a.abandoned_at > b.abandoned_at
                                            : a.idempotency_key < b.idempotency_key;
  });
}

}  // namespace

Result<std::vector<RecoveryOffer>> ListAbandonedCarts(Cell& cell, const CartRecoveryConfig& config,
                                                      const RecoveryQuery& query) {
  auto book = PriceBook::Load(cell.prices());
  if (!book.ok()) return book.status();
  OfferMaker maker(cell, config, query, *book);
  std::vector<RecoveryOffer> offers;
  Status s = cell.ForEachGrantedHistory(
      Purpose::kMarketing,
      [&](const Grant& grant, std::vector<Event>&& history) -> Status {
        auto offer = maker.Make(grant, history);
        if (!offer.ok()) return offer.status();
        if (*offer) offers.push_back(std::move(**offer));
        return Status();
      },
      /*with_links=*/true);
  CONFIDE_RETURN_IF_ERROR(s);
  SortOffers(offers);
  return offers;
}

Result<RecoveryPage> ListAbandonedCartsPage(Cell& cell, const CartRecoveryConfig& config, const RecoveryQuery& query,
                                            std::string_view cursor, size_t limit, size_t max_shoppers) {
  auto book = PriceBook::Load(cell.prices());
  if (!book.ok()) return book.status();
  OfferMaker maker(cell, config, query, *book);
  RecoveryPage page;
  auto next = cell.ForEachGrantedHistoryPage(
      Purpose::kMarketing, cursor, max_shoppers,
      [&](const Grant& grant, std::vector<Event>&& history, bool& stop) -> Status {
        auto offer = maker.Make(grant, history);
        if (!offer.ok()) return offer.status();
        if (*offer) page.offers.push_back(std::move(**offer));
        stop = page.offers.size() >= limit;
        return Status();
      },
      /*with_links=*/true);
  if (!next.ok()) return next.status();
  page.next_cursor = std::move(*next);
  SortOffers(page.offers);
  return page;
}

void WriteRecoveryOffer(JsonWriter& w, const RecoveryOffer& o, std::string_view currency) {
  // The key names the offer as a recommendation_id names an answer.
  w.BeginObject().Key("idempotency_key").String(o.idempotency_key).Key("recommendation_id").String(o.idempotency_key);
  if (!o.variant.empty()) w.Key("variant").String(o.variant);
  w.Key(IdKindField(o.to.kind)).String(o.to.id);
  WritePricedCart(w, o.cart);
  w.Key("currency").String(currency).Key("channel").String(ChannelName(o.channel));
  if (!o.store_id.empty()) w.Key("store_id").String(o.store_id);
  w.Key("updated_at").String(FormatRfc3339(o.updated)).Key("abandoned_at").String(FormatRfc3339(o.abandoned_at));
  w.Key("incentive").BeginObject().Key("percent").Uint(o.incentive.percent).Key("amount").Micros6(o.incentive.amount);
  w.Key("offer_value").Micros6(o.cart.value - o.incentive.amount).Key("capped_by_cost").Bool(o.incentive.capped_by_cost);
  w.EndObject().EndObject();
}

}  // namespace confide
