#include "recommend/promotions.h"

#include <algorithm>
#include <unordered_map>

namespace confide {

std::vector<const PromotionConfig*> ActivePromotions(const std::vector<PromotionConfig>& all, Micros now,
                                                     std::string_view channel, std::string_view store_id) {
  std::vector<const PromotionConfig*> active;
  for (const PromotionConfig& p : all) {
    if (now < p.from || now >= p.until) continue;
    if (!p.channels.empty() && std::find(p.channels.begin(), p.channels.end(), channel) == p.channels.end()) continue;
    if (!p.stores.empty() && std::find(p.stores.begin(), p.stores.end(), store_id) == p.stores.end()) continue;
    active.push_back(&p);
  }
  return active;
}

size_t PromotedSlots(const std::vector<const PromotionConfig*>& active, size_t k) {
  size_t slots = 0;
  for (const PromotionConfig* p : active) {
    if (p->share > 0) slots += std::max<size_t>(1, static_cast<size_t>(static_cast<double>(k) * p->share + 1e-9));
  }
  return std::min(slots, k / 2);
}

std::vector<Ranked> Boost(const std::vector<Ranked>& ranked, const ItemVocabulary& items,
                          const std::vector<const PromotionConfig*>& active, std::unordered_set<uint32_t>& boosted) {
  std::unordered_map<uint32_t, float> factor;
  for (const PromotionConfig* p : active) {
    if (p->boost <= 0) continue;
    for (const std::string& id : p->products) {
      if (auto item = items.Find(id)) {
        float& f = factor[*item];
        f = std::max(f, static_cast<float>(p->boost));
      }
    }
  }
  std::vector<Ranked> out = ranked;
  if (factor.empty()) return out;
  for (Ranked& r : out) {
    auto it = factor.find(r.item);
    if (it == factor.end()) continue;
    r.score *= it->second;
    boosted.insert(r.item);
  }
  std::stable_sort(out.begin(), out.end(), [](const Ranked& a, const Ranked& b) { return a.score > b.score; });
  return out;
}

std::vector<std::string> SlotCandidates(const std::vector<const PromotionConfig*>& active, const std::vector<Ranked>& ranked,
                                        const ModelSet& models) {
  struct Offer {
    std::string id;
    size_t rank = SIZE_MAX;  // in the ranking; SIZE_MAX: not there
    float share = 0;         // of the region's sales
  };
  std::unordered_map<uint32_t, size_t> rank_of;
  for (size_t i = 0; i < ranked.size(); ++i) rank_of.emplace(ranked[i].item, i);
  std::vector<Offer> offers;
  std::unordered_set<std::string> seen;
  for (const PromotionConfig* p : active) {
    if (p->share <= 0) continue;
    for (const std::string& id : p->products) {
      if (!seen.insert(id).second) continue;
      Offer o{id};
      if (auto item = models.items.Find(id)) {
        if (auto r = rank_of.find(*item); r != rank_of.end()) o.rank = r->second;
        o.share = models.popularity.Share(*item);
      }
      offers.push_back(std::move(o));
    }
  }
  std::stable_sort(offers.begin(), offers.end(), [](const Offer& a, const Offer& b) {
    return a.rank != b.rank ? a.rank < b.rank : a.share > b.share;
  });
  std::vector<std::string> ids;
  for (Offer& o : offers) ids.push_back(std::move(o.id));
  return ids;
}

}  // namespace confide
