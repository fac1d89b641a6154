#include "recommend/popularity.h"

#include <cmath>

namespace confide {
namespace {

std::vector<Scored> Ranked(const std::vector<float>& counts) {
  std::vector<Scored> ranked;
  for (uint32_t i = 0; i < counts.size(); ++i) {
    if (counts[i] > 0) ranked.push_back({i, counts[i]});
  }
  KeepTop(ranked, ranked.size());
  return ranked;
}

void WriteRanked(ModelWriter& w, const std::vector<Scored>& ranked) { w.Array(std::span<const Scored>(ranked)); }

}  // namespace

Popularity Popularity::Fit(const TrainingSet& set, const PopularityOptions& options) {
  uint32_t n = set.items.size();
  std::vector<float> region(n), trending(n);
  std::map<std::string, std::vector<float>, std::less<>> stores;
  for (const Activity& a : set.activities) {
    for (const Basket& b : a.baskets) {
      double age_days = static_cast<double>(std::max<Micros>(set.as_of - b.time, 0)) / kMicrosPerDay;
      float decay = static_cast<float>(std::exp2(-age_days / options.trending_half_life_days));
      std::vector<float>* store = nullptr;
      if (!b.store_id.empty()) {
        store = &stores[b.store_id];
        store->resize(n);
      }
      for (uint32_t item : b.items) {
        region[item] += 1;
        trending[item] += decay;
        if (store) (*store)[item] += 1;
      }
    }
  }
  Popularity p;
  p.region_ = Ranked(region);
  p.trending_ = Ranked(trending);
  for (auto& [id, counts] : stores) p.stores_.emplace(id, Ranked(counts));
  p.share_.assign(n, 0.0f);
  float best = p.region_.empty() ? 1.0f : p.region_.front().score;
  for (const Scored& s : p.region_) p.share_[s.item] = s.score / best;
  p.ShareTrending();
  return p;
}

void Popularity::ShareTrending() {
  trending_share_.assign(share_.size(), 0.0f);
  for (const Scored& s : trending_) {
    if (s.item < trending_share_.size()) trending_share_[s.item] = s.score / trending_.front().score;
  }
}

const std::vector<Scored>& Popularity::InStore(std::string_view store_id) const {
  static const std::vector<Scored> kNone;
  auto it = stores_.find(store_id);
  return it == stores_.end() ? kNone : it->second;
}

void Popularity::Serialize(std::string& out) const {
  ModelWriter w(out);
  w.Str("popularity/1");
  WriteRanked(w, region_);
  WriteRanked(w, trending_);
  w.Array(std::span<const float>(share_));
  w.U64(stores_.size());
  for (const auto& [id, ranked] : stores_) {
    w.Str(id);
    WriteRanked(w, ranked);
  }
}

Result<Popularity> Popularity::Deserialize(std::string_view in) {
  ModelReader r(in);
  Popularity p;
  std::string tag;
  uint64_t stores = 0;
  if (r.Str(tag) && tag == "popularity/1" && r.Array(p.region_) && r.Array(p.trending_) && r.Array(p.share_) &&
      r.U64(stores)) {
    for (uint64_t i = 0; i < stores && r.ok(); ++i) {
      std::string id;
      std::vector<Scored> ranked;
      if (r.Str(id) && r.Array(ranked)) p.stores_.emplace(std::move(id), std::move(ranked));
    }
  }
  if (!r.done() || tag != "popularity/1") return Status(Code::kDataLoss, "popularity model: malformed");
  p.ShareTrending();
  return p;
}

}  // namespace confide
