// AlsModel: training (the driver; the solver is in als_solver.cc), folding
// in, scoring and the model's codec.
#include "recommend/als.h"

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <algorithm>
#include <bit>
#include <cassert>
#include <chrono>
#include <cmath>
#include <cstring>
#include <random>
#include <thread>

#include "core/bytes.h"
#include "core/thread_pool.h"
#include "recommend/als_kernels.h"
#include "recommend/als_solver.h"

namespace confide {
namespace {

using als_internal::AlignedFloats;
using als_internal::Kernels;
using als_internal::PickKernels;
using RowMatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using VectorF = Eigen::Matrix<float, Eigen::Dynamic, 1>;
using ConstMatrixMapF = Eigen::Map<const RowMatrixF>;
using ConstVectorMapF = Eigen::Map<const VectorF>;
using VectorMapF = Eigen::Map<VectorF>;

// --- codec ---

constexpr std::string_view kMagic = "confide-als";
constexpr uint64_t kVersion = 1;          // lambda for every vector
constexpr uint64_t kVersionPerEntry = 2;  // adds the flags: lambda per entry
constexpr uint64_t kFlagPerEntry = 1;
constexpr uint64_t kMaxFactors = 1 << 16;

// Integrity check of a stored model (not a MAC: stored models are sealed
// by the store).
uint64_t Checksum(std::string_view data) {
  uint64_t h = 0x243f6a8885a308d3ull ^ data.size();
  auto mix = [&](uint64_t v) {
    h = (h ^ v) * 0x9e3779b97f4a7c15ull;
    h ^= h >> 31;
  };
  size_t i = 0;
  for (; i + 8 <= data.size(); i += 8) {
    uint64_t v;
    std::memcpy(&v, data.data() + i, 8);
    if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
    mix(v);
  }
  uint64_t tail = 0;
  for (size_t j = 0; i + j < data.size(); ++j) tail |= uint64_t{static_cast<uint8_t>(data[i + j])} << (8 * j);
  mix(tail);
  mix(h >> 17);
  return h;
}

void PutFloats(std::string& out, std::span<const float> v) {
  const size_t at = out.size();
  out.resize(at + v.size_bytes());
  char* dst = out.data() + at;
  if constexpr (std::endian::native == std::endian::little) {
    if (!v.empty()) std::memcpy(dst, v.data(), v.size_bytes());
  } else {
    for (size_t i = 0; i < v.size(); ++i) {
      uint32_t bits = __builtin_bswap32(std::bit_cast<uint32_t>(v[i]));
      std::memcpy(dst + 4 * i, &bits, 4);
    }
  }
}

template <typename Vector>
bool GetFloats(std::string_view& in, size_t n, Vector& v) {
  if (in.size() / 4 < n) return false;
  v.resize(n);
  if constexpr (std::endian::native == std::endian::little) {
    if (n) std::memcpy(v.data(), in.data(), n * 4);
  } else {
    for (size_t i = 0; i < n; ++i) {
      uint32_t bits;
      std::memcpy(&bits, in.data() + 4 * i, 4);
      v[i] = std::bit_cast<float>(__builtin_bswap32(bits));
    }
  }
  in.remove_prefix(n * 4);
  return true;
}

// The entries the objective sees, weighted alpha * p (= c - 1): those in
// range, positive and finite.
SparseMatrix WeightedEntries(const SparseMatrix& user_items, float alpha) {
  SparseMatrix by_user;
  by_user.rows = user_items.rows;
  by_user.cols = user_items.cols;
  by_user.row_start.reserve(size_t{by_user.rows} + 1);
  by_user.row_start.push_back(0);
  by_user.cols_of.reserve(user_items.cols_of.size());
  by_user.values.reserve(user_items.values.size());
  for (uint32_t u = 0; u < user_items.rows; ++u) {
    for (uint64_t j = user_items.row_start[u]; j < user_items.row_start[u + 1]; ++j) {
      const float v = user_items.values[j];
      if (user_items.cols_of[j] < user_items.cols && v > 0 && std::isfinite(v)) {
        by_user.cols_of.push_back(user_items.cols_of[j]);
        by_user.values.push_back(alpha * v);
      }
    }
    by_user.row_start.push_back(by_user.cols_of.size());
  }
  return by_user;
}

}  // namespace

AlsModel AlsModel::Train(const SparseMatrix& user_items, const AlsOptions& options,
                         const std::function<void(const AlsIteration&)>& progress) {
  assert(options.factors > 0);
  assert(user_items.row_start.size() == size_t{user_items.rows} + 1);
  AlsOptions o = options;
  o.factors = std::max<uint32_t>(o.factors, 1);
  if (o.threads == 0) o.threads = std::max(1u, std::thread::hardware_concurrency());
  const uint32_t k = o.factors;

  const SparseMatrix by_user = WeightedEntries(user_items, o.alpha);
  const SparseMatrix by_item = Transpose(by_user);
  if (o.regularization_per_entry && o.regularization_relative_to_mean && !by_user.cols_of.empty()) {
    o.regularization = static_cast<float>(double{o.regularization} *
                                          (static_cast<double>(user_items.rows) + user_items.cols) /
                                          (2.0 * static_cast<double>(by_user.cols_of.size())));
  }

  AlsModel m;
  m.factors_ = k;
  m.users_ = user_items.rows;
  m.items_ = user_items.cols;
  m.regularization_ = o.regularization;
  m.alpha_ = o.alpha;
  m.regularization_per_entry_ = o.regularization_per_entry;
  std::mt19937_64 rng(o.seed);
  std::uniform_real_distribution<float> init(0.0f, 0.01f);
  m.user_factors_.resize(size_t{m.users_} * k);
  m.item_factors_.resize(size_t{m.items_} * k);
  for (float& f : m.user_factors_) f = init(rng);
  for (float& f : m.item_factors_) f = init(rng);

  ThreadPool pool(o.threads - 1);  // and the calling thread
  AlignedFloats scratch(size_t{pool.parallelism()} * 4 * als_internal::Padded(k));
  using Clock = std::chrono::steady_clock;
  for (uint32_t it = 1; it <= o.iterations; ++it) {
    const auto start = Clock::now();
    als_internal::SolveAll(by_user, m.item_factors_.data(), m.items_, m.user_factors_.data(), o, pool, scratch);
    als_internal::SolveAll(by_item, m.user_factors_.data(), m.users_, m.item_factors_.data(), o, pool, scratch);
    if (progress) {
      double loss = als_internal::Loss(by_user, by_item, m.user_factors_.data(), m.item_factors_.data(), k,
                                       o.regularization, o.regularization_per_entry, pool);
      const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
      progress(AlsIteration{it, loss, seconds});
    }
  }
  m.PrepareServing();
  return m;
}

void AlsModel::PrepareServing() {
  clusters_ = items_ >= kClusteredItems ? FactorClusters::Build(item_factors_, items_, factors_) : FactorClusters();
  const uint32_t k = factors_;
  item_gram_.assign(size_t{k} * k, 0.0);
  if (k == 0) return;
  Eigen::Map<Eigen::MatrixXd> gram(item_gram_.data(), k, k);
  ConstMatrixMapF y(item_factors_.data(), items_, k);
  gram.selfadjointView<Eigen::Lower>().rankUpdate(y.transpose().cast<double>());
  gram = gram.selfadjointView<Eigen::Lower>();
}

std::vector<float> AlsModel::FoldIn(std::span<const std::pair<uint32_t, float>> preferences) const {
  const uint32_t k = factors_;
  std::vector<float> out(k, 0.0f);
  std::vector<std::pair<uint32_t, float>> valid;
  valid.reserve(preferences.size());
  for (const auto& [i, v] : preferences) {
    if (i < items_ && v > 0 && std::isfinite(v)) valid.emplace_back(i, v);
  }
  if (valid.empty() || k == 0) return out;
  std::sort(valid.begin(), valid.end());
  size_t kept = 0;  // repeated items: preferences add up
  for (size_t j = 0; j < valid.size(); ++j) {
    if (kept > 0 && valid[kept - 1].first == valid[j].first) {
      valid[kept - 1].second += valid[j].second;
    } else {
      valid[kept++] = valid[j];
    }
  }
  valid.resize(kept);

  const auto n = static_cast<Eigen::Index>(valid.size());
  Eigen::MatrixXd yu(n, k);
  Eigen::VectorXd w(n);
  for (Eigen::Index j = 0; j < n; ++j) {
    yu.row(j) =
        ConstVectorMapF(item_factors_.data() + size_t{valid[j].first} * k, k).cast<double>().transpose();
    w[j] = double{alpha_} * valid[j].second;
  }
  // (Y^T Y + Y_u^T (C_u - I) Y_u + lambda_u I) x = Y_u^T c_u
  Eigen::MatrixXd a = Eigen::Map<const Eigen::MatrixXd>(item_gram_.data(), k, k);
  a.diagonal().array() +=
      regularization_per_entry_ ? double{regularization_} * static_cast<double>(n) : regularization_;
  Eigen::VectorXd b = yu.transpose() * (w.array() + 1.0).matrix();
  // Y_u^T (C_u - I) Y_u into the lower triangle only, which both solvers
  // read: half the products of the full matrix.
  yu = w.cwiseSqrt().asDiagonal() * yu;
  a.selfadjointView<Eigen::Lower>().rankUpdate(yu.transpose());
  Eigen::VectorXd x;
  Eigen::LLT<Eigen::MatrixXd> llt(a);
  if (llt.info() == Eigen::Success) {
    x = llt.solve(b);
  } else {
    x = a.ldlt().solve(b);
  }
  for (uint32_t f = 0; f < k; ++f) out[f] = std::isfinite(x[f]) ? static_cast<float>(x[f]) : 0.0f;
  return out;
}

std::span<const float> AlsModel::user(uint32_t u) const {
  assert(u < users_);
  return std::span<const float>(user_factors_).subspan(size_t{u} * factors_, factors_);
}

std::span<const float> AlsModel::item(uint32_t i) const {
  assert(i < items_);
  return std::span<const float>(item_factors_).subspan(size_t{i} * factors_, factors_);
}

void AlsModel::ScoreAll(std::span<const float> user, std::span<float> out) const {
  assert(user.size() == factors_ && out.size() == items_);
  if (items_ == 0) return;
  Kernels kernels = PickKernels(factors_);
  if (kernels.portable) {
    ConstMatrixMapF y(item_factors_.data(), items_, factors_);
    VectorMapF(out.data(), items_).noalias() = y * ConstVectorMapF(user.data(), factors_);
    return;
  }
  // The serving hot spot (every item, every request): the AVX2 dot kernel,
  // a block of rows at a time.
  constexpr size_t kBlock = 256;
  const float* rows[kBlock];
  for (size_t start = 0; start < items_; start += kBlock) {
    size_t n = std::min<size_t>(kBlock, items_ - start);
    for (size_t i = 0; i < n; ++i) rows[i] = item_factors_.data() + (start + i) * factors_;
    kernels.dots(rows, n, user.data(), factors_, out.data() + start);
  }
}

std::vector<Scored> AlsModel::TopItems(std::span<const float> user, size_t n) const {
  assert(user.size() == factors_);
  if (clusters_.clusters() == 0) {
    std::vector<float> scores(items_);
    ScoreAll(user, scores);
    return TopOfDense(scores, n);
  }
  std::vector<uint32_t> near = clusters_.Probe(user, std::max<size_t>(30 * n, items_ / 16));
  TopScored top(n);
  Kernels kernels = PickKernels(factors_);
  constexpr size_t kBlock = 256;
  const float* rows[kBlock];
  float scores[kBlock];
  for (size_t start = 0; start < near.size(); start += kBlock) {
    size_t m = std::min(kBlock, near.size() - start);
    for (size_t i = 0; i < m; ++i) rows[i] = item_factors_.data() + size_t{near[start + i]} * factors_;
    kernels.dots(rows, m, user.data(), factors_, scores);
    for (size_t i = 0; i < m; ++i) top.Offer({near[start + i], scores[i]});
  }
  return std::move(top).Take();
}

float AlsModel::Score(std::span<const float> user, uint32_t item) const {
  assert(user.size() == factors_ && item < items_);
  return ConstVectorMapF(item_factors_.data() + size_t{item} * factors_, factors_)
      .dot(ConstVectorMapF(user.data(), factors_));
}

// magic, varint version, (version 2: varint flags,) factors, items, users
// held; f32 lambda, alpha;
// item factors; user factors; 8-byte little-endian checksum of all before.
void AlsModel::Serialize(std::string& out, bool with_users) const {
  const size_t at = out.size();
  const uint32_t users = with_users ? users_ : 0;
  out.append(kMagic);
  PutVarint64(out, regularization_per_entry_ ? kVersionPerEntry : kVersion);
  if (regularization_per_entry_) PutVarint64(out, kFlagPerEntry);
  PutVarint64(out, factors_);
  PutVarint64(out, items_);
  PutVarint64(out, users);
  const float params[2] = {regularization_, alpha_};
  PutFloats(out, params);
  PutFloats(out, item_factors_);
  PutFloats(out, std::span<const float>(user_factors_).first(size_t{users} * factors_));
  uint64_t sum = Checksum(std::string_view(out).substr(at));
  for (int b = 0; b < 8; ++b) out.push_back(static_cast<char>(sum >> (8 * b)));
}

Result<AlsModel> AlsModel::Deserialize(std::string_view in) {
  auto loss = [](const char* why) { return Status(Code::kDataLoss, std::string("als model: ") + why); };
  if (in.size() < kMagic.size() + 8) return loss("truncated");
  uint64_t stored = 0;
  for (int b = 0; b < 8; ++b) stored |= uint64_t{static_cast<uint8_t>(in[in.size() - 8 + b])} << (8 * b);
  in.remove_suffix(8);
  if (Checksum(in) != stored) return loss("checksum mismatch");
  if (in.substr(0, kMagic.size()) != kMagic) return loss("not an ALS model");
  in.remove_prefix(kMagic.size());
  uint64_t version = 0, flags = 0, factors = 0, items = 0, users = 0;
  if (!GetVarint64(in, version) || (version != kVersion && version != kVersionPerEntry)) {
    return loss("unknown version");
  }
  if (version == kVersionPerEntry && (!GetVarint64(in, flags) || flags != kFlagPerEntry)) {
    return loss("unknown flags");
  }
  if (!GetVarint64(in, factors) || !GetVarint64(in, items) || !GetVarint64(in, users))
    return loss("truncated");
  if (factors > kMaxFactors || items > UINT32_MAX || users > UINT32_MAX ||
      (factors == 0 && items + users > 0)) {
    return loss("bad sizes");
  }
  const uint64_t floats = 2 + (items + users) * factors;
  if (in.size() % 4 != 0 || in.size() / 4 != floats) return loss("sizes do not match the data");
  AlsModel m;
  m.factors_ = static_cast<uint32_t>(factors);
  m.items_ = static_cast<uint32_t>(items);
  m.users_ = static_cast<uint32_t>(users);
  std::vector<float> params;
  if (!GetFloats(in, 2, params) || !GetFloats(in, items * factors, m.item_factors_) ||
      !GetFloats(in, users * factors, m.user_factors_) || !in.empty()) {
    return loss("truncated");
  }
  // The fold-in takes square roots of alpha-weighted preferences.
  if (!std::isfinite(params[0]) || params[0] < 0 || !std::isfinite(params[1]) || params[1] < 0)
    return loss("bad penalty or alpha");
  m.regularization_ = params[0];
  m.alpha_ = params[1];
  m.regularization_per_entry_ = (flags & kFlagPerEntry) != 0;
  m.PrepareServing();
  return m;
}

size_t AlsModel::memory_bytes() const {
  return sizeof(*this) + item_factors_.capacity() * sizeof(float) + user_factors_.capacity() * sizeof(float) +
         item_gram_.capacity() * sizeof(double) + clusters_.memory_bytes();
}

}  // namespace confide
