#include "cell/region_models.h"

#include <algorithm>
#include <utility>

#include "core/bytes.h"
#include "core/json_writer.h"
#include "core/log.h"

namespace confide {

namespace {

// Family kModels: "history/" + start (8 bytes big-endian micros) -> the
// finished job's JSON, the last kKeptTrainings of them.
constexpr std::string_view kHistoryPrefix = "history/";
constexpr size_t kKeptTrainings = 50;

void WriteJob(JsonWriter& w, const RegionModels::Job& j) {
  w.Key("state").String(j.state);
  if (j.started) w.Key("started").String(FormatRfc3339(j.started));
  if (j.finished) {
    w.Key("finished").String(FormatRfc3339(j.finished));
    w.Key("seconds").Double(static_cast<double>(j.finished - j.started) / kMicrosPerSecond);
  }
  if (!j.last_progress.empty()) w.Key("progress").String(j.last_progress);
  if (!j.error.empty()) w.Key("error").String(j.error);
  if (j.version) w.Key("version").Uint(j.version);
}

// What a model set learned and how it scored on held-out baskets.
void WriteOutcome(JsonWriter& w, const ModelSet& m) {
  w.Key("shoppers").Uint(m.shoppers).Key("items").Uint(m.items.size()).Key("interactions").Uint(m.interactions);
  w.Key("personalizes").Bool(m.personalizes());
  w.Key("validation").BeginObject().Key("cases").Uint(m.blend.cases).Key("blend").Double(m.blend.objective);
  w.Key("popularity").Double(m.blend.popularity_objective).EndObject();
}

}  // namespace

InteractionWeights WeightsFrom(const RecommendConfig& c) {
  InteractionWeights w;
  w.view = static_cast<float>(c.view);
  w.add_to_cart = static_cast<float>(c.add_to_cart);
  w.purchase = static_cast<float>(c.purchase);
  w.return_ = static_cast<float>(c.return_);
  w.half_life_days = c.half_life_days;
  return w;
}

TrainOptions TrainOptionsFrom(const RecommendConfig& c) {
  TrainOptions o;
  o.weights = WeightsFrom(c);
  o.als.factors = c.factors;
  o.als.iterations = c.iterations;
  o.als.regularization = static_cast<float>(c.regularization);
  o.als.regularization_per_entry = c.regularization_scale != "constant";
  o.als.regularization_relative_to_mean = c.regularization_scale == "relative";
  o.als.alpha = static_cast<float>(c.alpha);
  o.repurchase.min_repeat_rate = c.min_repeat_rate;
  o.explore_max_loss = c.explore_loss;
  return o;
}

RegionModels::RegionModels(Cell& cell, const RecommendConfig& config)
    : cell_(cell),
      config_(config),
      registry_(cell.store()),
      rankings_(config.cache_entries, static_cast<Micros>(config.cache_seconds) * kMicrosPerSecond) {
  if (cell.region().several_nodes) follower_ = std::thread(&RegionModels::FollowPublished, this);
}

RegionModels::~RegionModels() {
  {
    absl::MutexLock lock(&follow_mu_);
    stopping_ = true;
  }
  if (follower_.joinable()) follower_.join();
  if (worker_.joinable()) worker_.join();
}

void RegionModels::FollowPublished() {
  absl::MutexLock lock(&follow_mu_);
  while (!follow_mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::Seconds(1))) {
    follow_mu_.Unlock();
    auto current = registry_.CurrentVersion();
    const auto live = live_.Get();
    if (current.ok() && *current != 0 && (!live || live->version != *current)) {
      if (Status loaded = Load(); !loaded.ok())
        spdlog::warn(R"("msg":"the model another node published did not load","region":"{}","status":"{}")",
                     cell_.region().id, JsonEscape(loaded.ToString()));
    }
    follow_mu_.Lock();
  }
}

Status RegionModels::Load() {
  auto current = registry_.LoadCurrent();
  if (!current.ok()) return current.status();
  if (current->has_value()) live_.Set(std::make_shared<const ModelSet>(std::move(**current)));
  return {};
}

Result<uint64_t> RegionModels::Train(const TrainProgress& progress) {
  if (running_.exchange(true)) return Status(Code::kFailedPrecondition, "a training is already running");
  const Micros started = cell_.clock().Now();
  auto version = TrainOnce(progress);
  {
    absl::MutexLock g(&job_mu_);
    CountRunLocked(version.ok(), started, cell_.clock().Now());
  }
  running_.store(false);
  return version;
}

void RegionModels::CountRunLocked(bool succeeded, Micros started, Micros finished) {
  ++(succeeded ? totals_.succeeded : totals_.failed);
  totals_.last_seconds = static_cast<double>(finished - started) / kMicrosPerSecond;
  totals_.seconds += totals_.last_seconds;
}

RegionModels::TrainingTotals RegionModels::training_totals() const {
  absl::MutexLock g(&job_mu_);
  return totals_;
}

Result<uint64_t> RegionModels::TrainOnce(const TrainProgress& progress) {
  // One node of a region trains at a time; the others follow what it publishes.
  auto hold = cell_.store().TryHold("training");
  if (!hold.ok()) return hold.status();
  if (!*hold)
    return Status(Code::kFailedPrecondition, "a training is running on another node of the region",
                  "training");
  TrainOptions options = TrainOptionsFrom(config_);
  options.category_of = [this](std::string_view product_id) {
    auto product = cell_.catalog().GetProduct(product_id);
    return product.ok() && product->has_value() ? (*product)->category : std::string();
  };
  TrainingSet set;
  set.as_of = cell_.clock().Now();
  uint64_t events = 0;
  auto add = [&](const Grant& grant, std::vector<Event>&& history) {
    events += history.size();
    AddShopper(set, grant.subject(), history, options.weights);
    if (progress && set.activities.size() % 20'000 == 0) {
      progress("read " + std::to_string(set.activities.size()) + " shoppers, " + std::to_string(events) + " events");
    }
    return Status();
  };
  // Shared models learn from a shopper's history only with a
  // model_improvement grant (TCF purpose 10): personalization is serving the
  // shopper their own answer, which reads their history at request time.
  Status read = cell_.ForEachGrantedHistory(Purpose::kModelImprovement, add);
  if (!read.ok()) return read;
  if (progress) {
    progress("training on " + std::to_string(set.activities.size()) + " shoppers with a model_improvement grant, " +
             std::to_string(events) + " events, " + std::to_string(set.items.size()) + " items");
  }
  auto models = TrainModelSet(set, options, progress);
  if (!models.ok()) return models.status();
  auto version = registry_.Publish(*models);
  if (!version.ok()) return version.status();
  live_.Set(std::make_shared<const ModelSet>(std::move(*models)));
  return *version;
}

bool RegionModels::StartTraining() {
  if (running_.exchange(true)) return false;
  StartJob(/*cold_start=*/false);
  return true;
}

bool RegionModels::StartColdStart(Micros now, Micros min_interval) {
  if (Current()) return false;
  {
    // running_ is cleared under job_mu_ after the job's last look at the flag.
    absl::MutexLock g(&job_mu_);
    if (running_.load()) {
      cold_start_again_ = true;
      return false;
    }
  }
  if (min_interval > 0) {
    Micros last = last_cold_start_.load();
    if (last != 0 && now - last < min_interval) return false;
    if (!last_cold_start_.compare_exchange_strong(last, now)) return false;  // another caller won
  }
  if (running_.exchange(true)) return false;
  StartJob(/*cold_start=*/true);
  return true;
}

void RegionModels::StartJob(bool cold_start) {
  if (worker_.joinable()) worker_.join();  // the previous job is over: it cleared running_
  {
    absl::MutexLock g(&job_mu_);
    job_ = Job{"running", cell_.clock().Now(), 0, cold_start ? "first training: reading histories" : "reading histories", "", 0};
  }
  worker_ = std::thread([this, cold_start] {
    for (;;) {
      auto version = TrainOnce([this](std::string_view line) {
        absl::MutexLock g(&job_mu_);
        job_.last_progress = std::string(line);
      });
      absl::MutexLock g(&job_mu_);
      job_.finished = cell_.clock().Now();
      if (version.ok()) {
        job_.state = "succeeded";
        job_.version = *version;
        CountRunLocked(true, job_.started, job_.finished);
      } else if (cold_start && version.status().code() == Code::kInvalidArgument && version.status().field() == "events") {
        // Nothing to learn from yet is where every region starts, not a failure.
        job_.state = "idle";
        job_.last_progress = "waiting for a first purchase a model may learn from";
        if (std::exchange(cold_start_again_, false)) {
          job_ = Job{"running", cell_.clock().Now(), 0, "first training: reading histories again", "", 0};
          continue;
        }
      } else if (version.status().field() == "training") {
        // Another node of the region trains: this one serves what it publishes.
        job_.state = "idle";
        job_.last_progress =
            "another node of the region is training; its model is served here once published";
      } else {
        job_.state = "failed";
        job_.error = version.status().ToString();
        CountRunLocked(false, job_.started, job_.finished);
        spdlog::warn(R"("msg":"training failed","region":"{}","error":"{}")", cell_.region().id, JsonEscape(job_.error));
      }
      cold_start_again_ = false;
      RecordTraining(job_);
      running_.store(false);
      return;
    }
  });
}

void RegionModels::RecordTraining(const Job& job) {
  JsonWriter w;
  w.BeginObject();
  WriteJob(w, job);
  if (auto m = Current(); m && job.version && m->version == job.version) WriteOutcome(w, *m);
  w.EndObject();
  std::string key(kHistoryPrefix);
  PutFixed64BE(key, static_cast<uint64_t>(job.started));
  WriteBatch batch;
  batch.Put(Family::kModels, key, w.Take());
  std::vector<std::string> kept;
  Status scanned = cell_.store().ScanPrefix(Family::kModels, kHistoryPrefix, [&](std::string_view k, std::string_view) {
    kept.emplace_back(k);
    return true;
  });
  for (size_t i = 0; scanned.ok() && i + kKeptTrainings < kept.size() + 1; ++i) batch.Delete(Family::kModels, kept[i]);
  if (Status s = cell_.store().Write(batch, Durability::kBuffered); !s.ok())
    spdlog::warn(R"("msg":"training history not recorded","region":"{}","error":"{}")", cell_.region().id,
                 CodeName(s.code()));
}

Result<std::string> RegionModels::HistoryJson(size_t limit) const {
  std::vector<std::string> trainings;
  Status scanned = cell_.store().ScanPrefix(Family::kModels, kHistoryPrefix, [&](std::string_view, std::string_view v) {
    trainings.emplace_back(v);
    return true;
  });
  if (!scanned.ok()) return scanned;
  JsonWriter w;
  w.BeginObject().Key("trainings").BeginArray();
  for (size_t i = 0; i < std::min(limit, trainings.size()); ++i) w.Raw(trainings[trainings.size() - 1 - i]);
  w.EndArray().EndObject();
  return w.Take();
}

RegionModels::Job RegionModels::job() const {
  absl::MutexLock g(&job_mu_);
  return job_;
}

std::string RegionModels::ToJson() const {
  JsonWriter w;
  w.BeginObject().Key("current");
  if (auto m = Current()) {
    w.BeginObject().Key("version").Uint(m->version).Key("trained_at").String(FormatRfc3339(m->trained_at));
    WriteOutcome(w, *m);
    w.Key("als").Bool(m->als.has_value()).Key("memory_bytes").Uint(m->memory_bytes());
    w.Key("blend").BeginObject();
    for (size_t f = 0; f < kFeatureCount; ++f) w.Key(FeatureName(static_cast<Feature>(f))).Double(m->blend.weights[f]);
    w.EndObject().EndObject();
  } else {
    w.Null();
  }
  w.Key("training").BeginObject();
  WriteJob(w, job());
  w.EndObject();
  RankingCache::Stats cache = rankings_.stats();
  w.Key("cache").BeginObject().Key("entries").Uint(cache.entries).Key("hits").Uint(cache.hits);
  w.Key("misses").Uint(cache.misses).EndObject().EndObject();
  return w.Take();
}

}  // namespace confide
