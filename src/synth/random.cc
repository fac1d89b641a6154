#include "synth/random.h"

namespace confide::synth {

uint64_t DeriveSeed(uint64_t parent, uint64_t tag) {
  uint64_t state = parent ^ (tag * 0xD1B54A32D192ED03ULL);
  SplitMix64(state);
  return SplitMix64(state);
}

void WeightedPicker::Reset(std::span<const double> weights) {
  cumulative_.resize(weights.size());
  double total = 0;
  for (size_t i = 0; i < weights.size(); ++i) cumulative_[i] = total += weights[i];
}

uint64_t Scramble48(uint64_t x, uint64_t key) {
  constexpr uint64_t kMask = (uint64_t{1} << 48) - 1;
  x = (x ^ key) & kMask;
  x = (x * 0x9E3779B97F4BULL) & kMask;
  x ^= x >> 23;
  x = (x * 0xC2B2AE3D27D5ULL) & kMask;
  x ^= x >> 19;
  x = (x ^ (key >> 16)) & kMask;
  x = (x * 0x165667B19E37ULL) & kMask;
  x ^= x >> 25;
  return x;
}

}  // namespace confide::synth
