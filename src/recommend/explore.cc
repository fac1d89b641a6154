#include "recommend/explore.h"

#include <algorithm>
#include <unordered_set>

namespace confide {
namespace {

float Blended(const BlendWeights& w, const Candidate& c) {
  float s = 0;
  for (size_t f = 0; f < kFeatureCount; ++f) s += w[f] * c.features[f];
  return s;
}

// One side's candidates by its blend, best first.
std::vector<Ranked> RankSide(const std::vector<Candidate>& candidates, bool repeat, const BlendWeights& w) {
  std::vector<Ranked> side;
  for (const Candidate& c : candidates) {
    if (IsRepeat(c) == repeat) side.push_back({c.item, Blended(w, c), c.reason, c.because});
  }
  std::sort(side.begin(), side.end(), [](const Ranked& a, const Ranked& b) {
    return a.score > b.score || (a.score == b.score && a.item < b.item);
  });
  return side;
}

// Both sides merged by rate, the first `limit`; ties go to the shopper's own.
std::vector<Ranked> Merge(const std::vector<Ranked>& repeat, const std::vector<Ranked>& fresh, const ExploreFit& fit,
                          size_t limit) {
  std::vector<Ranked> out;
  out.reserve(std::min(limit, repeat.size() + fresh.size()));
  size_t i = 0, j = 0;
  while (out.size() < limit && (i < repeat.size() || j < fresh.size())) {
    float r = i < repeat.size() ? fit.repeat.Rate(repeat[i].score) : -1;
    float e = j < fresh.size() ? fit.explore_bias * fit.explore.Rate(fresh[j].score) : -1;
    Ranked next = r >= e ? repeat[i++] : fresh[j++];
    next.score = std::max(r, e);
    out.push_back(next);
  }
  return out;
}

struct SplitCase {
  std::vector<Ranked> repeat, fresh;  // each side by its blend
  std::vector<uint32_t> truth, new_truth;
};

std::vector<uint32_t> Items(const std::vector<Ranked>& ranked) {
  std::vector<uint32_t> items;
  for (const Ranked& r : ranked) items.push_back(r.item);
  return items;
}

// (Recall+NDCG)/2 of the merged lists, and the recall of new items over
// the cases with any.
std::pair<double, double> Measure(const std::vector<SplitCase>& cases, const ExploreFit& fit, size_t k) {
  double objective = 0, explore = 0;
  size_t with_new = 0;
  for (const SplitCase& c : cases) {
    std::vector<uint32_t> top = Items(Merge(c.repeat, c.fresh, fit, k));
    auto [recall, ndcg] = RecallAndNdcg(top, c.truth);
    objective += (recall + ndcg) / 2;
    if (!c.new_truth.empty()) {
      explore += RecallAndNdcg(top, c.new_truth).first;
      ++with_new;
    }
  }
  return {cases.empty() ? 0 : objective / static_cast<double>(cases.size()),
          with_new ? explore / static_cast<double>(with_new) : 0};
}

// The top 2k of one side of every case, as (score, hit) pairs.
HitCalibration CalibrateSide(const std::vector<SplitCase>& cases, bool repeat, size_t k) {
  std::vector<std::pair<float, bool>> scored;
  for (const SplitCase& c : cases) {
    const std::vector<Ranked>& side = repeat ? c.repeat : c.fresh;
    const std::unordered_set<uint32_t> truth(c.truth.begin(), c.truth.end());
    for (size_t i = 0; i < std::min(side.size(), 2 * k); ++i) scored.emplace_back(side[i].score, truth.count(side[i].item) > 0);
  }
  const size_t bins = std::clamp<size_t>(scored.size() / 100, 1, 20);
  return Calibrate(std::move(scored), bins);
}

}  // namespace

bool IsRepeat(const Candidate& c) { return c.features[static_cast<size_t>(Feature::kBoughtBefore)] > 0; }

float HitCalibration::Rate(float score) const {
  if (rate.empty()) return 0;
  size_t bin = static_cast<size_t>(std::lower_bound(upper.begin(), upper.end(), score) - upper.begin());
  return rate[std::min(bin, rate.size() - 1)];
}

HitCalibration Calibrate(std::vector<std::pair<float, bool>> scored, size_t bins) {
  HitCalibration out;
  if (scored.empty()) return out;
  std::sort(scored.begin(), scored.end());
  struct Pool {
    double hits = 0, count = 0;
    float upper = 0;
  };
  std::vector<Pool> pools;
  const size_t per_bin = (scored.size() + bins - 1) / std::max<size_t>(bins, 1);
  for (size_t begin = 0, end = 0; begin < scored.size(); begin = end) {
    // Equal scores share a bin: a rate is a function of the score.
    end = std::min(scored.size(), begin + per_bin);
    while (end < scored.size() && scored[end].first == scored[end - 1].first) ++end;
    Pool p;
    for (size_t i = begin; i < end; ++i) {
      p.hits += scored[i].second ? 1 : 0;
      p.count += 1;
      p.upper = scored[i].first;
    }
    pools.push_back(p);
    // Pool adjacent violators: a higher score never rates lower.
    while (pools.size() >= 2 && pools[pools.size() - 2].hits / pools[pools.size() - 2].count >= pools.back().hits / pools.back().count) {
      Pool last = pools.back();
      pools.pop_back();
      pools.back().hits += last.hits;
      pools.back().count += last.count;
      pools.back().upper = last.upper;
    }
  }
  for (const Pool& p : pools) {
    out.upper.push_back(p.upper);
    out.rate.push_back(static_cast<float>(p.hits / p.count));
  }
  return out;
}

ExploreFit FitExplore(const std::vector<ValidationCase>& cases, const BlendWeights& blend, double blend_objective,
                      size_t k, double max_loss) {
  ExploreFit fit;
  // The new items' blend, fitted on the new side of every case with one.
  std::vector<ValidationCase> fresh_cases;
  for (const ValidationCase& c : cases) {
    std::unordered_set<uint32_t> own;
    ValidationCase fresh;
    for (const Candidate& cand : c.candidates) {
      if (IsRepeat(cand)) own.insert(cand.item);
      else fresh.candidates.push_back(cand);
    }
    for (uint32_t item : c.truth) {
      if (!own.count(item)) fresh.truth.push_back(item);
    }
    if (!fresh.truth.empty() && !fresh.candidates.empty()) fresh_cases.push_back(std::move(fresh));
  }
  if (fresh_cases.empty()) return fit;
  fit.weights = FitBlend(fresh_cases, k).weights;

  std::vector<SplitCase> split;
  split.reserve(cases.size());
  for (const ValidationCase& c : cases) {
    SplitCase s{RankSide(c.candidates, true, blend), RankSide(c.candidates, false, fit.weights), c.truth, {}};
    std::unordered_set<uint32_t> own;
    for (const Ranked& r : s.repeat) own.insert(r.item);
    for (uint32_t item : c.truth) {
      if (!own.count(item)) s.new_truth.push_back(item);
    }
    split.push_back(std::move(s));
  }
  fit.repeat = CalibrateSide(split, true, k);
  fit.explore = CalibrateSide(split, false, k);

  // The blend alone's recall of new items, for the record.
  double explore_alone = 0;
  size_t with_new = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    if (split[i].new_truth.empty()) continue;
    std::vector<Ranked> ranked = RankCandidates(cases[i].candidates, blend);
    ranked.resize(std::min(k, ranked.size()));
    explore_alone += RecallAndNdcg(Items(ranked), split[i].new_truth).first;
    ++with_new;
  }
  fit.blend_explore_recall = with_new ? explore_alone / static_cast<double>(with_new) : 0;

  // The largest bias within max_loss of the best ranking, the blend's or a merge's.
  static const float kBiases[] = {1, 1.25f, 1.5f, 2, 2.5f, 3, 4, 5, 6, 8, 10, 15, 20};
  struct Trial {
    float bias;
    double objective, explore;
  };
  std::vector<Trial> trials;
  double best = blend_objective;
  ExploreFit trial = fit;
  for (float bias : kBiases) {
    trial.explore_bias = bias;
    auto [objective, explore] = Measure(split, trial, k);
    trials.push_back({bias, objective, explore});
    best = std::max(best, objective);
  }
  for (const Trial& t : trials) {
    if (t.objective + 1e-12 < best - max_loss) continue;
    fit.explore_bias = t.bias;
    fit.objective = t.objective;
    fit.explore_recall = t.explore;
  }
  return fit;
}

std::vector<Ranked> RankWithExplore(const std::vector<Candidate>& candidates, const BlendWeights& blend,
                                    const ExploreFit& explore) {
  if (!explore.fitted()) return RankCandidates(candidates, blend);
  return Merge(RankSide(candidates, true, blend), RankSide(candidates, false, explore.weights), explore, candidates.size());
}

}  // namespace confide
