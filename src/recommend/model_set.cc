#include "recommend/model_set.h"

#include <chrono>
#include <unordered_map>

#include <fmt/format.h>

namespace confide {
namespace {

struct Fitted {
  Popularity popularity;
  Repurchase repurchase;
  CoOccurrence cooccurrence;
  std::optional<AlsModel> als;
  ModelRefs refs() const { return {&popularity, &repurchase, &cooccurrence, als ? &*als : nullptr}; }
};

// Each item's category as a number (parallel to set.items), or nothing.
std::vector<uint32_t> ItemCategories(const TrainingSet& set, const TrainOptions& options) {
  std::vector<uint32_t> numbered;
  if (!options.category_of) return numbered;
  std::unordered_map<std::string, uint32_t> number;
  numbered.reserve(set.items.size());
  for (uint32_t i = 0; i < set.items.size(); ++i) {
    auto [it, added] = number.try_emplace(options.category_of(set.items.id(i)), static_cast<uint32_t>(number.size()));
    numbered.push_back(it->second);
  }
  return numbered;
}

Fitted FitAll(const TrainingSet& set, const TrainOptions& options, const TrainProgress& progress, std::string_view pass) {
  auto say = [&](const std::string& line) {
    if (progress) progress(fmt::format("{}: {}", pass, line));
  };
  Fitted f;
  auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(); };
  f.popularity = Popularity::Fit(set, options.popularity);
  f.repurchase = Repurchase::Fit(set, options.repurchase, ItemCategories(set, options));
  say(fmt::format("popularity and repurchase fitted ({:.2f} s)", elapsed()));
  f.cooccurrence = CoOccurrence::Fit(set, options.cooccurrence);
  say(fmt::format("co-occurrence fitted ({:.2f} s)", elapsed()));
  if (options.als_enabled) {
    SparseMatrix m = PreferenceMatrix(set);
    f.als = AlsModel::Train(m, options.als, [&](const AlsIteration& it) {
      say(fmt::format("als iteration {}/{} loss {:.6f} ({:.2f} s)", it.iteration, options.als.iterations, it.loss,
                      it.seconds));
    });
  }
  return f;
}

}  // namespace

Result<ModelSet> TrainModelSet(const TrainingSet& set, const TrainOptions& options, const TrainProgress& progress) {
  uint64_t baskets = 0, interactions = 0;
  std::vector<uint32_t> eligible;
  for (uint32_t u = 0; u < set.activities.size(); ++u) {
    const Activity& a = set.activities[u];
    baskets += a.baskets.size();
    interactions += a.preferences.size();
    if (a.baskets.size() >= 2) eligible.push_back(u);
  }
  if (baskets == 0) return Status(Code::kInvalidArgument, "no purchase to learn from", "events");

  // Validation: every stride-th eligible shopper's last baskets are held out.
  ModelSet result;
  std::vector<ValidationCase> cases;
  if (!eligible.empty()) {
    size_t stride = std::max<size_t>(1, eligible.size() / std::max<uint32_t>(options.validation_shoppers, 1));
    size_t depth_limit = std::max<uint32_t>(options.validation_baskets, 1);
    TrainingSet held = set;
    struct Held {
      uint32_t shopper;
      size_t basket;  // index of the held-out basket in the shopper's baskets
    };
    std::vector<Held> truths;
    size_t sampled = 0;
    for (size_t i = 0; i < eligible.size(); i += stride, ++sampled) {
      uint32_t u = eligible[i];
      const Activity& a = set.activities[u];
      size_t depth = std::min(depth_limit, a.baskets.size() - 1);
      for (size_t j = 1; j <= depth; ++j) truths.push_back({u, a.baskets.size() - j});
      held.activities[u] = Truncated(a, a.baskets[a.baskets.size() - depth].time, options.weights, set.as_of);
    }
    Fitted v = FitAll(held, options, progress, "validation");
    for (const Held& h : truths) {
      const Activity& a = set.activities[h.shopper];
      // The earliest held-out basket's history is what the models saw; a
      // later one's history adds baskets the models never saw, as a
      // shopper's newest baskets are at serving time.
      Activity history = Truncated(a, a.baskets[h.basket].time, options.weights, set.as_of);
      RankRequest request;
      request.now = ExpectedNextVisit(history);
      request.candidates_per_model = options.candidates_per_model;
      cases.push_back({GatherCandidates(v.refs(), history, request), a.baskets[h.basket].items});
    }
    result.blend = FitBlend(cases, options.k);
    if (options.explore_max_loss >= 0) {
      result.explore = FitExplore(cases, result.blend.weights, result.blend.objective, options.k, options.explore_max_loss);
    }
    if (progress) {
      std::string weights;
      for (size_t f = 0; f < kFeatureCount; ++f) {
        weights += fmt::format("{}{}={}", f ? " " : "", FeatureName(static_cast<Feature>(f)), result.blend.weights[f]);
      }
      progress(fmt::format(
          "blend fitted on {} baskets of {} shoppers: {}; validation (Recall+NDCG)/2 @{} {:.4f} vs popularity {:.4f}",
          cases.size(), sampled, weights, options.k, result.blend.objective, result.blend.popularity_objective));
      if (result.explore.fitted()) {
        progress(fmt::format("explore fitted: bias {}, validation (Recall+NDCG)/2 @{} {:.4f}, new items' recall {:.4f} "
                             "against the blend's {:.4f}",
                             result.explore.explore_bias, options.k, result.explore.objective,
                             result.explore.explore_recall, result.explore.blend_explore_recall));
      }
    }
  } else {
    result.blend.weights = DefaultBlend();
  }

  Fitted f = FitAll(set, options, progress, "final");
  result.trained_at = NowMicros();
  result.as_of = set.as_of;
  result.shoppers = set.activities.size();
  result.interactions = interactions;
  result.items = set.items;
  result.popularity = std::move(f.popularity);
  result.repurchase = std::move(f.repurchase);
  result.cooccurrence = std::move(f.cooccurrence);
  result.als = std::move(f.als);
  // Serving folds every shopper in from their history: no shopper vector is kept.
  if (result.als) result.als->DropUsers();
  return result;
}

std::vector<Ranked> RecommendFor(const ModelSet& models, const Activity& shopper, const RankRequest& request) {
  return RankWithExplore(GatherCandidates(models.refs(), shopper, request), models.blend.weights, models.explore);
}

size_t ModelSet::memory_bytes() const {
  size_t bytes = cooccurrence.memory_bytes() + (als ? als->memory_bytes() : 0);
  for (uint32_t i = 0; i < items.size(); ++i) bytes += items.id(i).size() + 48;  // id, hash node
  bytes += items.size() * (3 * sizeof(Scored) + 3 * sizeof(float));          // popularity, repurchase
  return bytes;
}

void ModelSet::Serialize(std::string& out) const {
  ModelWriter w(out);
  w.Str("modelset/3");
  w.U64(version);
  w.U64(static_cast<uint64_t>(trained_at));
  w.U64(static_cast<uint64_t>(as_of));
  w.U64(shoppers);
  w.U64(interactions);
  w.U64(items.size());
  for (uint32_t i = 0; i < items.size(); ++i) w.Str(items.id(i));
  std::string part;
  popularity.Serialize(part);
  w.Str(part);
  part.clear();
  repurchase.Serialize(part);
  w.Str(part);
  part.clear();
  cooccurrence.Serialize(part);
  w.Str(part);
  part.clear();
  if (als) als->Serialize(part);
  w.Str(part);
  w.Array(std::span<const float>(blend.weights));
  w.F64(blend.objective);
  w.F64(blend.popularity_objective);
  w.U64(blend.cases);
  w.Array(std::span<const float>(explore.weights));
  for (const HitCalibration* c : {&explore.repeat, &explore.explore}) {
    w.Array(std::span<const float>(c->upper));
    w.Array(std::span<const float>(c->rate));
  }
  w.F64(explore.explore_bias);
  w.F64(explore.objective);
  w.F64(explore.explore_recall);
  w.F64(explore.blend_explore_recall);
}

namespace {

// Version 3's explore fit; older sets have none and rank by the blend alone.
bool ReadExplore(ModelReader& r, ExploreFit& fit) {
  std::vector<float> weights;
  if (!r.Array(weights) || weights.size() != kFeatureCount) return false;
  std::copy(weights.begin(), weights.end(), fit.weights.begin());
  for (HitCalibration* c : {&fit.repeat, &fit.explore}) {
    if (!r.Array(c->upper) || !r.Array(c->rate) || c->upper.size() != c->rate.size()) return false;
  }
  double bias = 0;
  if (!r.F64(bias) || !r.F64(fit.objective) || !r.F64(fit.explore_recall) || !r.F64(fit.blend_explore_recall)) return false;
  fit.explore_bias = static_cast<float>(bias);
  return true;
}

}  // namespace

Result<ModelSet> ModelSet::Deserialize(std::string_view in) {
  const Status bad(Code::kDataLoss, "model set: malformed");
  ModelReader r(in);
  ModelSet m;
  std::string tag, part;
  uint64_t trained_at = 0, as_of = 0, n = 0;
  if (!(r.Str(tag) && (tag == "modelset/1" || tag == "modelset/2" || tag == "modelset/3") && r.U64(m.version) && r.U64(trained_at) && r.U64(as_of) &&
        r.U64(m.shoppers) && r.U64(m.interactions) && r.U64(n))) {
    return bad;
  }
  m.trained_at = static_cast<Micros>(trained_at);
  m.as_of = static_cast<Micros>(as_of);
  for (uint64_t i = 0; i < n; ++i) {
    if (!r.Str(part)) return bad;
    m.items.Intern(part);
  }
  if (!r.Str(part)) return bad;
  auto popularity = Popularity::Deserialize(part);
  if (!popularity.ok() || !r.Str(part)) return bad;
  auto repurchase = Repurchase::Deserialize(part);
  if (!repurchase.ok() || !r.Str(part)) return bad;
  auto cooccurrence = CoOccurrence::Deserialize(part);
  if (!cooccurrence.ok() || !r.Str(part)) return bad;
  if (!part.empty()) {
    auto als = AlsModel::Deserialize(part);
    if (!als.ok()) return bad;
    m.als = std::move(*als);
  }
  std::vector<float> weights;
  // Version 1 kept no count of validation cases: its models do not
  // personalize until the next training.
  uint64_t cases = 0;
  if (!r.Array(weights) || weights.size() != kFeatureCount || !r.F64(m.blend.objective) ||
      !r.F64(m.blend.popularity_objective) || (tag != "modelset/1" && !r.U64(cases)) ||
      (tag == "modelset/3" && !ReadExplore(r, m.explore)) || !r.done()) {
    return bad;
  }
  m.blend.cases = static_cast<uint32_t>(std::min<uint64_t>(cases, UINT32_MAX));
  std::copy(weights.begin(), weights.end(), m.blend.weights.begin());
  m.popularity = std::move(*popularity);
  m.repurchase = std::move(*repurchase);
  m.cooccurrence = std::move(*cooccurrence);
  return m;
}

}  // namespace confide
