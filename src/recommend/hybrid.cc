#include "recommend/hybrid.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "recommend/item_map.h"

namespace confide {
namespace {

constexpr uint32_t kUnexplained = UINT32_MAX;

size_t F(Feature f) { return static_cast<size_t>(f); }

double Objective(const std::vector<ValidationCase>& cases, const BlendWeights& w, size_t k) {
  double total = 0;
  std::vector<std::pair<float, uint32_t>> scored;
  std::vector<uint32_t> top;
  for (const auto& c : cases) {
    scored.clear();
    for (const auto& cand : c.candidates) {
      float s = 0;
      for (size_t f = 0; f < kFeatureCount; ++f) s += w[f] * cand.features[f];
      scored.emplace_back(-s, cand.item);
    }
    size_t n = std::min(k, scored.size());
    std::partial_sort(scored.begin(), scored.begin() + static_cast<ptrdiff_t>(n), scored.end());
    top.clear();
    for (size_t i = 0; i < n; ++i) top.push_back(scored[i].second);
    auto [recall, ndcg] = RecallAndNdcg(top, c.truth);
    total += (recall + ndcg) / 2;
  }
  return cases.empty() ? 0 : total / static_cast<double>(cases.size());
}

// The candidates gathered so far, each item once, in first-gathered order.
struct CandidateSet {
  std::vector<Candidate> out;
  ItemMap<uint32_t> at;  // item -> 1 + its index in out

  // The item's candidate; a new one with this reason and explanation when
  // the item is not there yet (the first model to name an item explains it;
  // an item only listed to be scored is explained by the first that does).
  Candidate& Slot(uint32_t item, Reason reason, uint32_t because) {
    uint32_t& index = at[item];
    if (index == 0) {
      out.push_back(Candidate{item, {}, reason, because});
      index = static_cast<uint32_t>(out.size());
    } else if (out[index - 1].reason == Reason::kInList) {
      out[index - 1].reason = reason;
      out[index - 1].because = because;
    }
    return out[index - 1];
  }
};

// The shopper's own repeatable items, with the repurchase features.
void AddBoughtBefore(const std::vector<RepurchaseSignal>& signals, CandidateSet& set) {
  for (const auto& s : signals) {
    if (!s.repeatable) continue;
    Candidate& c = set.Slot(s.item, Reason::kBoughtBefore, 0);
    c.features[F(Feature::kFrequency)] = s.frequency;
    c.features[F(Feature::kRecent)] = s.recent;
    c.features[F(Feature::kShare)] = s.share;
    c.features[F(Feature::kInLast)] = s.in_last ? 1.0f : 0.0f;
    c.features[F(Feature::kLogCount)] = std::log1p(static_cast<float>(s.count));
    c.features[F(Feature::kShareRepeat)] = s.share * s.repeat_rate;
    c.features[F(Feature::kDueFrequency)] = s.frequency * s.due;
    c.features[F(Feature::kRepeatRate)] = s.repeat_rate;
    c.features[F(Feature::kBoughtBefore)] = 1;
  }
}

// Items related to the request's seeds, or else to the shopper's latest
// basket, session and cart (co-occurrence).
void AddRelatedToSeeds(const ModelRefs& models, const Activity& shopper, const RankRequest& request,
                       CandidateSet& set) {
  std::vector<uint32_t> seeds = request.seeds;
  if (seeds.empty()) {
    if (!shopper.baskets.empty()) seeds = shopper.baskets.back().items;
    if (!shopper.sessions.empty()) seeds.insert(seeds.end(), shopper.sessions.back().begin(), shopper.sessions.back().end());
    seeds.insert(seeds.end(), shopper.cart.begin(), shopper.cart.end());
  }
  auto related = models.cooccurrence->FromSeeds(seeds, request.candidates_per_model, /*exclude_seeds=*/false);
  float best_related = related.empty() ? 1.0f : related.front().score;
  for (const auto& r : related) {
    Candidate& c = set.Slot(r.item, r.bought_with ? Reason::kBoughtWith : Reason::kSimilarTo, r.because);
    c.features[F(Feature::kRelated)] = r.score / best_related;
  }
}

// Item kNN: what goes with the shopper's items, by how often they buy
// them; their 64 most frequent, so that a long history costs no more.
// Sets the neighbors feature of every candidate so far.
void AddNeighbors(const ModelRefs& models, const std::vector<RepurchaseSignal>& signals, size_t n,
                  CandidateSet& set) {
  struct Neighbor {
    float score = 0, strongest = 0;
    uint32_t because = 0;  // the shopper's item contributing most
  };
  constexpr size_t kKnnSeeds = 64;
  std::vector<const RepurchaseSignal*> frequent;
  frequent.reserve(signals.size());
  for (const auto& s : signals) frequent.push_back(&s);
  if (frequent.size() > kKnnSeeds) {
    std::partial_sort(frequent.begin(), frequent.begin() + kKnnSeeds, frequent.end(), [](const auto* a, const auto* b) {
      return a->frequency > b->frequency || (a->frequency == b->frequency && a->item < b->item);
    });
    frequent.resize(kKnnSeeds);
  }
  ItemMap<Neighbor> knn;
  knn.reserve(frequent.size() * 16);
  for (const RepurchaseSignal* seed : frequent) {
    const auto& s = *seed;
    for (const Scored& r : models.cooccurrence->BoughtWith(s.item)) {
      Neighbor& nb = knn[r.item];
      float contribution = s.frequency * r.score;
      nb.score += contribution;
      if (contribution > nb.strongest) {
        nb.strongest = contribution;
        nb.because = s.item;
      }
    }
  }
  std::vector<Scored> top;
  top.reserve(knn.size());
  for (const auto& [item, nb] : knn) top.push_back({item, nb.score});
  KeepTop(top, n);
  for (const Scored& s : top) set.Slot(s.item, Reason::kBoughtWith, knn[s.item].because);
  float best = top.empty() ? 1.0f : top.front().score;
  for (auto& c : set.out) {
    if (const Neighbor* nb = knn.find(c.item)) c.features[F(Feature::kNeighbors)] = nb->score / best;
  }
}

// The best ALS scores for the shopper folded in from their preferences
// (explained later); sets the ALS feature of every candidate so far.
void AddAlsPicks(const AlsModel& als, const Activity& shopper, size_t n, CandidateSet& set) {
  std::vector<float> user = als.FoldIn(shopper.preferences);
  std::vector<Scored> top = als.TopItems(user, n);
  float best = top.empty() || top.front().score <= 0 ? 1.0f : top.front().score;
  for (const Scored& s : top) set.Slot(s.item, Reason::kSimilarTo, kUnexplained);
  for (auto& c : set.out) {
    if (c.item < als.items()) c.features[F(Feature::kAls)] = std::max(als.Score(user, c.item), 0.0f) / best;
  }
}

// Best sellers in the request's store, if any, and trending in the region;
// sets the popularity feature of every candidate.
void AddPopular(const ModelRefs& models, const RankRequest& request, size_t n, CandidateSet& set) {
  if (!request.store_id.empty()) {
    const auto& in_store = models.popularity->InStore(request.store_id);
    for (size_t i = 0; i < std::min(n, in_store.size()); ++i) set.Slot(in_store[i].item, Reason::kPopularInStore, 0);
  }
  const auto& trending = models.popularity->Trending();
  for (size_t i = 0; i < std::min(n, trending.size()); ++i) set.Slot(trending[i].item, Reason::kTrending, 0);
  for (auto& c : set.out) c.features[F(Feature::kPopularity)] = models.popularity->Share(c.item);
}

// An ALS pick is explained by the one of the shopper's strongest items
// closest to it in the factor space (ALS picks exist only for shoppers
// with preferences). The strongest 16: a long history costs no more.
void ExplainAlsPicks(const AlsModel& als, const Activity& shopper, CandidateSet& set) {
  std::vector<std::pair<uint32_t, float>> strongest(shopper.preferences.begin(), shopper.preferences.end());
  constexpr size_t kExplainers = 16;
  if (strongest.size() > kExplainers) {
    std::partial_sort(strongest.begin(), strongest.begin() + kExplainers, strongest.end(),
                      [](const auto& a, const auto& b) { return a.second > b.second || (a.second == b.second && a.first < b.first); });
    strongest.resize(kExplainers);
  }
  for (auto& c : set.out) {
    if (c.because != kUnexplained) continue;
    // An item the shopper has looked at is explained by that, not by its likeness to itself.
    auto own = std::lower_bound(shopper.preferences.begin(), shopper.preferences.end(), c.item,
                                [](const auto& p, uint32_t item) { return p.first < item; });
    if (own != shopper.preferences.end() && own->first == c.item) {
      c.reason = Reason::kViewedBefore;
      c.because = 0;
      continue;
    }
    c.because = strongest.front().first;
    float best = -INFINITY;
    for (const auto& [item, weight] : strongest) {
      float sim = als.Score(als.item(item), c.item);
      if (sim > best) {
        best = sim;
        c.because = item;
      }
    }
  }
}

}  // namespace

std::pair<double, double> RecallAndNdcg(const std::vector<uint32_t>& top, const std::vector<uint32_t>& truth) {
  std::unordered_set<uint32_t> relevant(truth.begin(), truth.end());
  double hits = 0, dcg = 0, ideal = 0;
  for (size_t i = 0; i < top.size(); ++i) {
    if (relevant.count(top[i])) {
      hits += 1;
      dcg += 1.0 / std::log2(static_cast<double>(i) + 2);
    }
  }
  for (size_t i = 0; i < std::min(top.size(), relevant.size()); ++i) ideal += 1.0 / std::log2(static_cast<double>(i) + 2);
  if (relevant.empty()) return {0, 0};
  return {hits / static_cast<double>(relevant.size()), ideal > 0 ? dcg / ideal : 0};
}

const char* FeatureName(Feature f) {
  static const char* kNames[] = {"frequency", "recent", "share", "in_last", "log_count", "share_repeat", "due_frequency", "repeat_rate", "bought_before", "als", "related", "neighbors", "popularity"};
  return kNames[F(f)];
}

const char* ReasonName(Reason r) {
  static const char* kNames[] = {"bought_before", "similar_to",    "bought_with", "popular_in_store",
                                 "trending",      "viewed_before", "in_list"};
  return kNames[static_cast<size_t>(r)];
}

BlendWeights DefaultBlend() {
  BlendWeights w{};
  w[F(Feature::kFrequency)] = 1;
  w[F(Feature::kAls)] = 0.1f;
  w[F(Feature::kRelated)] = 0.1f;
  w[F(Feature::kPopularity)] = 0.03f;
  return w;
}

std::vector<Candidate> GatherCandidates(const ModelRefs& models, const Activity& shopper, const RankRequest& request) {
  CandidateSet set;
  const size_t n = request.candidates_per_model;
  const std::vector<RepurchaseSignal> signals = models.repurchase->Signals(shopper, request.now);
  AddBoughtBefore(signals, set);
  AddRelatedToSeeds(models, shopper, request, set);
  for (uint32_t item : request.score_also) set.Slot(item, Reason::kInList, 0);
  AddNeighbors(models, signals, n, set);
  if (models.als && !shopper.preferences.empty()) AddAlsPicks(*models.als, shopper, n, set);
  AddPopular(models, request, n, set);
  if (models.als) ExplainAlsPicks(*models.als, shopper, set);
  // A durable good the shopper already owns is no suggestion, whichever
  // model brought it.
  std::erase_if(set.out, [&](const Candidate& c) {
    auto own = std::lower_bound(signals.begin(), signals.end(), c.item,
                                [](const RepurchaseSignal& s, uint32_t item) { return s.item < item; });
    return own != signals.end() && own->item == c.item && !own->repeatable;
  });
  return std::move(set.out);
}

std::vector<Ranked> RankCandidates(const std::vector<Candidate>& candidates, const BlendWeights& weights) {
  std::vector<Ranked> ranked;
  ranked.reserve(candidates.size());
  for (const auto& c : candidates) {
    float s = 0;
    for (size_t f = 0; f < kFeatureCount; ++f) s += weights[f] * c.features[f];
    ranked.push_back({c.item, s, c.reason, c.because});
  }
  std::sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
    return a.score > b.score || (a.score == b.score && a.item < b.item);
  });
  return ranked;
}

BlendFit FitBlend(const std::vector<ValidationCase>& cases, size_t k) {
  static const float kGrid[] = {0, 0.003f, 0.01f, 0.02f, 0.03f, 0.05f, 0.1f, 0.2f, 0.3f, 0.5f, 1, 2, 3, 5, 10};
  BlendFit fit;
  fit.cases = static_cast<uint32_t>(cases.size());
  fit.weights = DefaultBlend();
  fit.objective = Objective(cases, fit.weights, k);
  for (int round = 0; round < 8; ++round) {
    bool improved = false;
    for (size_t f = 0; f < kFeatureCount; ++f) {
      for (float g : kGrid) {
        BlendWeights w = fit.weights;
        w[f] = g;
        double o = Objective(cases, w, k);
        if (o > fit.objective + 1e-9) {
          fit.objective = o;
          fit.weights = w;
          improved = true;
        }
      }
    }
    if (!improved) break;
  }
  BlendWeights popularity{};
  popularity[F(Feature::kPopularity)] = 1;
  fit.popularity_objective = Objective(cases, popularity, k);
  return fit;
}

}  // namespace confide
