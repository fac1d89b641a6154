#include "recommend/als.h"

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <algorithm>
#include <atomic>
#include <bit>
#include <cassert>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>

#include "core/bytes.h"

namespace confide {
namespace {

using RowMatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using VectorF = Eigen::Matrix<float, Eigen::Dynamic, 1>;
using ConstMatrixMapF = Eigen::Map<const RowMatrixF>;
using MatrixMapF = Eigen::Map<RowMatrixF>;
using ConstVectorMapF = Eigen::Map<const VectorF>;
using VectorMapF = Eigen::Map<VectorF>;

// A fixed set of threads running chunks of one loop at a time. Run() hands
// out chunks of [0, n) from an atomic counter (rows differ a lot in cost)
// and returns when all are done; the calling thread works too, as worker 0.
class Pool {
 public:
  using Job = std::function<void(uint32_t worker, uint64_t begin, uint64_t end)>;

  explicit Pool(uint32_t threads) {
    for (uint32_t w = 1; w < threads; ++w) helpers_.emplace_back([this, w] { Loop(w); });
  }
  ~Pool() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
      ++generation_;
    }
    wake_.notify_all();
    for (auto& t : helpers_) t.join();
  }
  uint32_t size() const { return static_cast<uint32_t>(helpers_.size()) + 1; }

  void Run(uint64_t n, uint64_t chunk, const Job& job) {
    if (n == 0) return;
    {
      std::lock_guard lock(mu_);
      job_ = &job;
      n_ = n;
      chunk_ = std::max<uint64_t>(chunk, 1);
      next_.store(0, std::memory_order_relaxed);
      pending_ = helpers_.size();
      ++generation_;
    }
    wake_.notify_all();
    Work(0);
    std::unique_lock lock(mu_);
    done_.wait(lock, [&] { return pending_ == 0; });
    job_ = nullptr;
  }

 private:
  void Work(uint32_t worker) {
    for (;;) {
      uint64_t begin = next_.fetch_add(chunk_, std::memory_order_relaxed);
      if (begin >= n_) return;
      (*job_)(worker, begin, std::min(begin + chunk_, n_));
    }
  }
  void Loop(uint32_t worker) {
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock lock(mu_);
        wake_.wait(lock, [&] { return generation_ != seen; });
        seen = generation_;
        if (stop_) return;
      }
      Work(worker);
      std::lock_guard lock(mu_);
      if (--pending_ == 0) done_.notify_one();
    }
  }

  std::vector<std::thread> helpers_;
  std::mutex mu_;
  std::condition_variable wake_, done_;
  uint64_t generation_ = 0;
  bool stop_ = false;
  size_t pending_ = 0;
  const Job* job_ = nullptr;
  uint64_t n_ = 0, chunk_ = 1;
  std::atomic<uint64_t> next_{0};
};

// Rows of Y summed into Y^T Y in fixed blocks, the blocks' sums added in
// order, so the result does not depend on the number of threads.
Eigen::MatrixXf Gram(const float* y, uint64_t rows, uint32_t k, Pool& pool) {
  constexpr uint64_t kBlock = 4096;
  const uint64_t blocks = (rows + kBlock - 1) / kBlock;
  std::vector<Eigen::MatrixXf> partial(blocks);
  pool.Run(blocks, 1, [&](uint32_t, uint64_t begin, uint64_t end) {
    for (uint64_t b = begin; b < end; ++b) {
      const uint64_t first = b * kBlock, n = std::min(kBlock, rows - first);
      ConstMatrixMapF block(y + first * k, static_cast<Eigen::Index>(n), k);
      partial[b] = Eigen::MatrixXf::Zero(k, k);
      partial[b].selfadjointView<Eigen::Lower>().rankUpdate(block.transpose());
    }
  });
  Eigen::MatrixXf gram = Eigen::MatrixXf::Zero(k, k);
  for (const auto& p : partial) gram += p;
  gram = gram.selfadjointView<Eigen::Lower>();
  return gram;
}

// One half-step's input: the rows to solve (CSR over the other side's
// factors, weights alpha * p = c - 1) and the matrices.
struct HalfStep {
  const uint64_t* row_start;
  const uint32_t* cols;
  const float* weight;
  const float* y;     // the fixed side, row-major, k columns
  float* x;           // the side being solved, row-major, k columns
  const float* gram;  // Y^T Y + lambda I, k x k
  uint32_t k;
  uint32_t cg_steps;
};

// Conjugate gradient on (Y^T C_u Y + lambda I) x_u = Y^T C_u t_u from the
// current x_u, without forming the matrix: Y^T C_u Y = Y^T Y + Y_u^T (C_u -
// I) Y_u, the correction summing over the row's entries only. `scratch`
// holds 3 k floats.
void SolveRow(const HalfStep& h, uint64_t u, float* scratch) {
  const uint32_t k = h.k;
  const uint64_t begin = h.row_start[u], end = h.row_start[u + 1];
  VectorMapF x(h.x + u * k, k);
  if (begin == end) {
    x.setZero();
    return;
  }
  ConstMatrixMapF a(h.gram, k, k);
  VectorMapF r(scratch, k), p(scratch + k, k), ap(scratch + 2 * k, k);
  r.noalias() = -(a * x);
  for (uint64_t j = begin; j < end; ++j) {
    ConstVectorMapF y(h.y + uint64_t{h.cols[j]} * k, k);
    const float w = h.weight[j];
    r += ((1 + w) - w * y.dot(x)) * y;
  }
  p = r;
  float rs_old = r.squaredNorm();
  if (rs_old < 1e-20f) return;
  for (uint32_t step = 0; step < h.cg_steps; ++step) {
    ap.noalias() = a * p;
    for (uint64_t j = begin; j < end; ++j) {
      ConstVectorMapF y(h.y + uint64_t{h.cols[j]} * k, k);
      ap += (h.weight[j] * y.dot(p)) * y;
    }
    const float step_size = rs_old / p.dot(ap);
    x += step_size * p;
    r -= step_size * ap;
    const float rs_new = r.squaredNorm();
    if (rs_new < 1e-20f) break;
    p = r + (rs_new / rs_old) * p;
    rs_old = rs_new;
  }
}

void SolveAll(const SparseMatrix& rows, const float* y, uint64_t y_rows, float* x, const AlsOptions& options,
              Pool& pool, std::vector<float>& scratch) {
  const uint32_t k = options.factors;
  Eigen::MatrixXf gram = Gram(y, y_rows, k, pool);
  gram.diagonal().array() += options.regularization;
  HalfStep h{rows.row_start.data(), rows.cols_of.data(), rows.values.data(), y, x, gram.data(), k,
             options.cg_steps};
  pool.Run(rows.rows, 16, [&](uint32_t worker, uint64_t begin, uint64_t end) {
    float* s = scratch.data() + size_t{worker} * 3 * k;
    for (uint64_t u = begin; u < end; ++u) SolveRow(h, u, s);
  });
}

// The objective over all (u, i): per user x^T (Y^T Y) x plus, over the
// user's entries, c (1 - s)^2 - s^2 with s = x . y_i; then the penalty.
double Loss(const SparseMatrix& rows, const float* x, const float* y, uint64_t y_rows, uint32_t k, float lambda,
            Pool& pool) {
  Eigen::MatrixXf gram = Gram(y, y_rows, k, pool);
  constexpr uint64_t kChunk = 256;
  const uint64_t chunks = (uint64_t{rows.rows} + kChunk - 1) / kChunk;
  std::vector<double> part(chunks, 0.0);
  pool.Run(chunks, 1, [&](uint32_t, uint64_t begin, uint64_t end) {
    VectorF gx(k);
    for (uint64_t c = begin; c < end; ++c) {
      double sum = 0;
      for (uint64_t u = c * kChunk; u < std::min<uint64_t>((c + 1) * kChunk, rows.rows); ++u) {
        ConstVectorMapF xu(x + u * k, k);
        gx.noalias() = gram * xu;
        sum += gx.dot(xu) + lambda * xu.squaredNorm();
        for (uint64_t j = rows.row_start[u]; j < rows.row_start[u + 1]; ++j) {
          const double s = ConstVectorMapF(y + uint64_t{rows.cols_of[j]} * k, k).dot(xu);
          const double c_ui = 1.0 + rows.values[j];
          sum += c_ui * (1 - s) * (1 - s) - s * s;
        }
      }
      part[c] = sum;
    }
  });
  double loss = 0;
  for (double p : part) loss += p;
  loss += lambda * ConstVectorMapF(y, static_cast<Eigen::Index>(y_rows * k)).cast<double>().squaredNorm();
  return rows.cols_of.empty() ? loss : loss / static_cast<double>(rows.cols_of.size());
}

// --- codec ---

constexpr std::string_view kMagic = "confide-als";
constexpr uint64_t kVersion = 1;
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

bool GetFloats(std::string_view& in, size_t n, std::vector<float>& v) {
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

}  // namespace

AlsModel AlsModel::Train(const SparseMatrix& user_items, const AlsOptions& options,
                         const std::function<void(const AlsIteration&)>& progress) {
  assert(options.factors > 0);
  assert(user_items.row_start.size() == size_t{user_items.rows} + 1);
  AlsOptions o = options;
  o.factors = std::max<uint32_t>(o.factors, 1);
  if (o.threads == 0) o.threads = std::max(1u, std::thread::hardware_concurrency());
  const uint32_t k = o.factors;

  // The entries the objective sees, weighted alpha * p (= c - 1).
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
        by_user.values.push_back(o.alpha * v);
      }
    }
    by_user.row_start.push_back(by_user.cols_of.size());
  }
  const SparseMatrix by_item = Transpose(by_user);

  AlsModel m;
  m.factors_ = k;
  m.users_ = user_items.rows;
  m.items_ = user_items.cols;
  m.regularization_ = o.regularization;
  m.alpha_ = o.alpha;
  std::mt19937_64 rng(o.seed);
  std::uniform_real_distribution<float> init(0.0f, 0.01f);
  m.user_factors_.resize(size_t{m.users_} * k);
  m.item_factors_.resize(size_t{m.items_} * k);
  for (float& f : m.user_factors_) f = init(rng);
  for (float& f : m.item_factors_) f = init(rng);

  Pool pool(o.threads);
  std::vector<float> scratch(size_t{pool.size()} * 3 * k);
  using Clock = std::chrono::steady_clock;
  for (uint32_t it = 1; it <= o.iterations; ++it) {
    const auto start = Clock::now();
    SolveAll(by_user, m.item_factors_.data(), m.items_, m.user_factors_.data(), o, pool, scratch);
    SolveAll(by_item, m.user_factors_.data(), m.users_, m.item_factors_.data(), o, pool, scratch);
    if (progress) {
      double loss = Loss(by_user, m.user_factors_.data(), m.item_factors_.data(), m.items_, k, o.regularization, pool);
      const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
      progress(AlsIteration{it, loss, seconds});
    }
  }
  m.ComputeGram();
  return m;
}

void AlsModel::ComputeGram() {
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
    yu.row(j) = ConstVectorMapF(item_factors_.data() + size_t{valid[j].first} * k, k).cast<double>().transpose();
    w[j] = double{alpha_} * valid[j].second;
  }
  // (Y^T Y + Y_u^T (C_u - I) Y_u + lambda I) x = Y_u^T c_u
  Eigen::MatrixXd a = Eigen::Map<const Eigen::MatrixXd>(item_gram_.data(), k, k);
  a.diagonal().array() += regularization_;
  Eigen::MatrixXd wy = w.asDiagonal() * yu;
  a.noalias() += yu.transpose() * wy;
  Eigen::VectorXd b = yu.transpose() * (w.array() + 1.0).matrix();
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
  ConstMatrixMapF y(item_factors_.data(), items_, factors_);
  VectorMapF(out.data(), items_).noalias() = y * ConstVectorMapF(user.data(), factors_);
}

float AlsModel::Score(std::span<const float> user, uint32_t item) const {
  assert(user.size() == factors_ && item < items_);
  return ConstVectorMapF(item_factors_.data() + size_t{item} * factors_, factors_)
      .dot(ConstVectorMapF(user.data(), factors_));
}

// magic, varint version, factors, items, users held; f32 lambda, alpha;
// item factors; user factors; 8-byte little-endian checksum of all before.
void AlsModel::Serialize(std::string& out, bool with_users) const {
  const size_t at = out.size();
  const uint32_t users = with_users ? users_ : 0;
  out.append(kMagic);
  PutVarint64(out, kVersion);
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
  uint64_t version = 0, factors = 0, items = 0, users = 0;
  if (!GetVarint64(in, version) || version != kVersion) return loss("unknown version");
  if (!GetVarint64(in, factors) || !GetVarint64(in, items) || !GetVarint64(in, users)) return loss("truncated");
  if (factors == 0 || factors > kMaxFactors || items > UINT32_MAX || users > UINT32_MAX) return loss("bad sizes");
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
  m.regularization_ = params[0];
  m.alpha_ = params[1];
  m.ComputeGram();
  return m;
}

size_t AlsModel::memory_bytes() const {
  return sizeof(*this) + item_factors_.capacity() * sizeof(float) + user_factors_.capacity() * sizeof(float) +
         item_gram_.capacity() * sizeof(double);
}

}  // namespace confide
