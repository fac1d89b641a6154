#include "journeys/cart.h"

#include <algorithm>

#include "core/json_writer.h"

namespace confide {

Cart DeriveCart(std::span<const Event> history, const CartAging& aging) {
  Cart cart;
  auto find = [&](const std::string& product) {
    return std::find_if(cart.lines.begin(), cart.lines.end(),
                        [&](const CartLine& l) { return l.product_id == product; });
  };
  // Lines that aged out by `t` are gone before anything at `t` happens.
  auto age_to = [&](Micros t) {
    if (aging.line_ttl <= 0) return;
    std::erase_if(cart.lines, [&](const CartLine& l) { return t - l.added >= aging.line_ttl; });
  };
  for (const Event& e : history) {
    age_to(e.timestamp);
    switch (e.type) {
      case EventType::kAddToCart: {
        if (e.product_id.empty()) break;
        auto it = find(e.product_id);
        if (it == cart.lines.end()) {
          cart.lines.push_back({e.product_id, 0, e.channel, e.timestamp});
          it = cart.lines.end() - 1;
        }
        it->quantity += std::max<int64_t>(e.quantity, 1);
        it->channel = e.channel;
        it->added = e.timestamp;
        cart.updated = e.timestamp;
        cart.channel = e.channel;
        cart.store_id = e.store_id;
        break;
      }
      case EventType::kRemoveFromCart: {
        auto it = find(e.product_id);
        if (it == cart.lines.end()) break;
        if (e.quantity <= 0 || e.quantity >= it->quantity) cart.lines.erase(it);
        else it->quantity -= e.quantity;
        cart.updated = e.timestamp;
        cart.channel = e.channel;
        cart.store_id = e.store_id;
        break;
      }
      case EventType::kPurchase: {
        auto it = find(e.product_id);
        if (it == cart.lines.end() || e.quantity < 0) break;  // negative: a return
        if (e.quantity == 0 || e.quantity >= it->quantity) cart.lines.erase(it);
        else it->quantity -= e.quantity;
        break;
      }
      default:
        break;
    }
  }
  age_to(aging.now);
  if (cart.lines.empty()) cart = Cart();
  return cart;
}

bool CartIsKnowable(const Grant& grant) {
  return grant.Allows(DataCategory::kBrowsing) && grant.Allows(DataCategory::kPurchases);
}

Addressee AddresseeOf(std::span<const Event> history) {
  for (IdKind kind : {IdKind::kCustomer, IdKind::kLoyalty, IdKind::kAnonymous}) {
    for (auto it = history.rbegin(); it != history.rend(); ++it)
      if (!it->id(kind).empty()) return {kind, it->id(kind)};
  }
  return {};
}

PricedCart PriceCart(const Cart& cart, const PriceBook& prices, const PriceContext& context,
                     const std::function<const Product*(std::string_view)>& product_of) {
  PricedCart priced;
  for (const CartLine& line : cart.lines) {
    const Product* p = product_of(line.product_id);
    if (!p || !p->active) continue;
    Quote q = prices.For(*p, context);
    priced.lines.push_back({line, p->title, q.price, p->cost});
    priced.value += q.price * line.quantity;
  }
  return priced;
}

void WritePricedCart(JsonWriter& w, const PricedCart& cart) {
  w.Key("items").BeginArray();
  for (const PricedLine& l : cart.lines) {
    w.BeginObject().Key("product_id").String(l.line.product_id).Key("title").String(l.title);
    w.Key("quantity").Int(l.line.quantity).Key("unit_price").Micros6(l.unit_price);
    w.Key("channel").String(ChannelName(l.line.channel)).Key("added_at").String(FormatRfc3339(l.line.added));
    w.EndObject();
  }
  w.EndArray();
  w.Key("value").Micros6(cart.value);
}

}  // namespace confide
