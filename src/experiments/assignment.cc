#include "experiments/assignment.h"

#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "core/bytes.h"

namespace confide {
namespace {

constexpr uint64_t kBuckets = 10'000;

// "personalized=9500,holdout=500": the shares in basis points, in order.
std::string Shares(const ExperimentConfig& e) {
  std::string out;
  for (const auto& v : e.variants) out += (out.empty() ? "" : ",") + v.name + "=" + std::to_string(v.basis_points);
  return out;
}

constexpr size_t kListNonceBytes = 8;

std::string ListTag(const Cell& cell, std::string_view nonce, std::string_view experiment) {
  std::string message(nonce);
  message += '\0';
  message += experiment;
  return cell.RecommendationTag(message);
}

}  // namespace

std::string_view ExperimentAssignment::VariantOf(std::string_view subject) const {
  if (subject.empty()) return kNoGrantVariant;
  if (!experiment_) return kPersonalizedVariant;
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, sizeof(uint64_t));
  const std::string& name = experiment_->name;
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(name.data()), name.size() + 1);  // and '\0'
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(subject.data()), subject.size());
  unsigned char digest[sizeof(uint64_t)];
  crypto_generichash_final(&state, digest, sizeof digest);
  uint64_t hash;
  std::memcpy(&hash, digest, sizeof hash);
  uint64_t bucket = hash % kBuckets, below = 0;
  for (const auto& v : experiment_->variants) {
    below += v.basis_points;
    if (bucket < below) return v.name;
  }
  return experiment_->variants.back().name;  // shares add up to 10,000: not reached
}

Grant NoGrant(Micros now) { return Decide(LegalBasis::kOptIn, ConsentState(), Purpose::kPersonalization, now); }

Grant ServedThrough(const Grant& grant, std::string_view variant, bool paused, Micros now) {
  return ExperimentAssignment::Personalizes(variant) && !paused ? grant : NoGrant(now);
}

std::string NewRecommendationId() {
  char id[16];
  randombytes_buf(id, sizeof id);
  return HexEncode(std::string_view(id, sizeof id));
}

std::string NewListId(const Cell& cell, std::string_view experiment) {
  char nonce[kListNonceBytes];
  randombytes_buf(nonce, sizeof nonce);
  const std::string_view n(nonce, sizeof nonce);
  return HexEncode(std::string(n) + ListTag(cell, n, experiment));
}

std::string ExperimentAssignment::ListId(const Cell& cell) const {
  return experiment_ ? NewListId(cell, experiment_->name) : NewRecommendationId();
}

bool IsListOf(const Cell& cell, std::string_view recommendation_id, std::string_view experiment) {
  const auto raw = HexDecode(recommendation_id);
  if (!raw || raw->size() != 2 * kListNonceBytes) return false;
  const std::string tag = ListTag(cell, std::string_view(*raw).substr(0, kListNonceBytes), experiment);
  return sodium_memcmp(tag.data(), raw->data() + kListNonceBytes, kListNonceBytes) == 0;
}

Status PinExperiment(Store& store, const ExperimentConfig& experiment) {
  const std::string key = "experiment/" + experiment.name, shares = Shares(experiment);
  auto pinned = store.Get(Family::kMeta, key);
  if (!pinned.ok()) return pinned.status();
  if (pinned->has_value()) {
    if (**pinned == shares) return {};
    return Status(Code::kFailedPrecondition,
                  "experiment \"" + experiment.name + "\" began with the shares " + **pinned + " (basis points), not " +
                      shares + ": give the changed experiment a new name",
                  "experiment.variants");
  }
  WriteBatch batch;
  batch.Put(Family::kMeta, key, shares);
  return store.Write(batch);
}

Result<std::optional<ExperimentConfig>> PinnedExperiment(Store& store, std::string_view name) {
  auto pinned = store.Get(Family::kMeta, "experiment/" + std::string(name));
  if (!pinned.ok()) return pinned.status();
  if (!pinned->has_value()) return std::optional<ExperimentConfig>();
  ExperimentConfig e;
  e.name = name;
  e.variants.clear();
  std::string_view rest = **pinned;
  while (!rest.empty()) {
    const std::string_view item = rest.substr(0, rest.find(','));
    rest.remove_prefix(std::min(rest.size(), item.size() + 1));
    const size_t eq = item.find('=');
    uint32_t points = 0;
    if (eq == std::string_view::npos ||
        std::from_chars(item.data() + eq + 1, item.data() + item.size(), points).ptr != item.data() + item.size())
      return Status(Code::kDataLoss, "the shares stored for experiment \"" + std::string(name) + "\" do not read");
    e.variants.push_back({std::string(item.substr(0, eq)), points});
  }
  return std::optional<ExperimentConfig>(std::move(e));
}

}  // namespace confide
