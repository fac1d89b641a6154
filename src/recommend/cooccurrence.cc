#include "recommend/cooccurrence.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "core/thread_pool.h"
#include "recommend/item_map.h"

namespace confide {

CoOccurrence::Relation CoOccurrence::Build(const std::vector<std::span<const uint32_t>>& transactions,
                                           const std::vector<uint32_t>& owner, uint32_t items,
                                           const CoOccurrenceOptions& options, bool added_value) {
  // Inverted index: item -> transactions holding it.
  std::vector<uint64_t> start(items + 1, 0);
  for (auto t : transactions) {
    for (uint32_t item : t) ++start[item + 1];
  }
  for (uint32_t i = 0; i < items; ++i) start[i + 1] += start[i];
  std::vector<uint32_t> holding(start.back());
  std::vector<uint64_t> next(start.begin(), start.end() - 1);
  for (uint32_t t = 0; t < transactions.size(); ++t) {
    for (uint32_t item : transactions[t]) holding[next[item]++] = t;
  }
  auto count = [&](uint32_t item) { return static_cast<double>(start[item + 1] - start[item]); };

  std::vector<std::vector<Scored>> neighbors(items);
  // Per thread: counts by item, cleared after each item through `touched`.
  struct Scratch {
    std::vector<float> together;
    std::vector<uint32_t> shoppers;  // different shoppers behind together[j]
    std::vector<uint32_t> last_owner;
    std::vector<uint32_t> touched;
  };
  ThreadPool pool(std::max(options.threads, 1u) - 1);  // and the calling thread
  std::vector<Scratch> scratch(pool.parallelism());
  pool.ParallelFor(items, [&](uint64_t task, uint32_t worker) {
    const auto i = static_cast<uint32_t>(task);
    Scratch& w = scratch[worker];
    if (w.together.empty()) {
      w.together.assign(items, 0.0f);
      w.shoppers.assign(items, 0);
      w.last_owner.assign(items, UINT32_MAX);
    }
    for (uint64_t k = start[i]; k < start[i + 1]; ++k) {
      uint32_t t = holding[k];
      for (uint32_t j : transactions[t]) {
        if (j == i) continue;
        if (w.together[j] == 0) w.touched.push_back(j);
        w.together[j] += 1;
        if (w.last_owner[j] != owner[t]) {
          w.last_owner[j] = owner[t];
          ++w.shoppers[j];
        }
      }
    }
    auto& out = neighbors[i];
    const double ni = std::pow(count(i), 1 - options.popularity_discount);
    const double all = static_cast<double>(transactions.size());
    for (uint32_t j : w.touched) {
      if (w.shoppers[j] >= options.min_support) {
        const double score = added_value ? w.together[j] / count(i) - count(j) / all
                                         : w.together[j] / (ni * std::pow(count(j), options.popularity_discount));
        if (score > 0) out.push_back({j, static_cast<float>(score)});
      }
      w.together[j] = 0;
      w.shoppers[j] = 0;
      w.last_owner[j] = UINT32_MAX;
    }
    w.touched.clear();
    KeepTop(out, options.neighbors);
  });

  Relation r;
  r.start.reserve(items + 1);
  r.start.push_back(0);
  for (auto& list : neighbors) {
    r.neighbors.insert(r.neighbors.end(), list.begin(), list.end());
    r.start.push_back(r.neighbors.size());
  }
  return r;
}

CoOccurrence CoOccurrence::Fit(const TrainingSet& set, const CoOccurrenceOptions& options) {
  std::vector<std::span<const uint32_t>> baskets, sessions;
  std::vector<uint32_t> basket_owner, session_owner;
  auto capped = [&](const std::vector<uint32_t>& t) {
    return std::span<const uint32_t>(t).first(std::min<size_t>(t.size(), options.max_transaction));
  };
  for (uint32_t u = 0; u < set.activities.size(); ++u) {
    const Activity& a = set.activities[u];
    for (const Basket& b : a.baskets) {
      if (b.items.size() > 1) {
        baskets.push_back(capped(b.items));
        basket_owner.push_back(u);
      }
    }
    for (const auto& s : a.sessions) {
      sessions.push_back(capped(s));
      session_owner.push_back(u);
    }
  }
  CoOccurrence c;
  c.bought_ = Build(baskets, basket_owner, set.items.size(), options, !options.bought_together_cosine);
  c.viewed_ = Build(sessions, session_owner, set.items.size(), options, /*added_value=*/false);
  return c;
}

std::vector<CoOccurrence::Candidate> CoOccurrence::FromSeeds(std::span<const uint32_t> seeds, size_t n,
                                                             bool exclude_seeds) const {
  struct Sum {
    Candidate candidate;
    float best = 0;  // the best single contribution
    bool seed = false;
  };
  ItemMap<Sum> acc;
  auto add = [&](uint32_t seed, std::span<const Scored> related, bool bought_with) {
    for (const Scored& s : related) {
      Sum& sum = acc[s.item];
      Candidate& c = sum.candidate;
      c.item = s.item;
      c.score += s.score;
      if (s.score > sum.best) {
        sum.best = s.score;
        c.because = seed;
        c.bought_with = bought_with;
      }
    }
  };
  for (uint32_t seed : seeds) {
    add(seed, BoughtWith(seed), true);
    add(seed, SimilarTo(seed), false);
  }
  if (exclude_seeds) {
    for (uint32_t seed : seeds)
      if (Sum* sum = acc.find(seed)) sum->seed = true;
  }
  std::vector<Candidate> out;
  out.reserve(acc.size());
  for (const auto& [item, sum] : acc)
    if (!sum.seed) out.push_back(sum.candidate);
  auto better = [](const Candidate& a, const Candidate& b) {
    return a.score > b.score || (a.score == b.score && a.item < b.item);
  };
  if (out.size() > n) {
    std::nth_element(out.begin(), out.begin() + static_cast<ptrdiff_t>(n), out.end(), better);
    out.resize(n);
  }
  std::sort(out.begin(), out.end(), better);
  return out;
}

void CoOccurrence::Serialize(std::string& out) const {
  ModelWriter w(out);
  w.Str("cooccurrence/1");
  for (const Relation* r : {&bought_, &viewed_}) {
    w.Array(std::span<const uint64_t>(r->start));
    w.Array(std::span<const Scored>(r->neighbors));
  }
}

Result<CoOccurrence> CoOccurrence::Deserialize(std::string_view in) {
  ModelReader r(in);
  CoOccurrence c;
  std::string tag;
  bool ok = r.Str(tag) && tag == "cooccurrence/1";
  for (Relation* rel : {&c.bought_, &c.viewed_}) {
    ok = ok && r.Array(rel->start) && r.Array(rel->neighbors) && !rel->start.empty() &&
         rel->start.back() == rel->neighbors.size() && std::is_sorted(rel->start.begin(), rel->start.end());
  }
  if (!ok || !r.done()) return Status(Code::kDataLoss, "co-occurrence model: malformed");
  return c;
}

size_t CoOccurrence::memory_bytes() const {
  return (bought_.start.size() + viewed_.start.size()) * sizeof(uint64_t) +
         (bought_.neighbors.size() + viewed_.neighbors.size()) * sizeof(Scored);
}

}  // namespace confide
