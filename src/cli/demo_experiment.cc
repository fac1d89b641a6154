#include "cli/demo_experiment.h"

#include <simdjson.h>

#include <vector>

#include "cli/in_process.h"
#include "core/json_writer.h"

namespace confide::cli {
namespace {

constexpr size_t kEventsPerPost = 1'000;
constexpr Micros kHour = 3'600 * kMicrosPerSecond;

// The body of a 200 answer; kInternal naming "route" for any other.
Result<std::string> Call(Api& api, const std::string& token, const std::string& method, const std::string& target,
                         std::string body = {}) {
  HttpResponse response = CallInProcess(api, token, method, target, std::move(body));
  if (response.status != 200)
    return Status(Code::kInternal,
                  method + " " + target + " answered " + std::to_string(response.status) + ": " +
                      response.body.substr(0, 200),
                  "route");
  return std::move(response.body);
}

// The events of one visit, appended to `batch` (an open JSON array).
void AppendActions(const std::vector<synth::Action>& actions, const synth::ResponseRegion& region,
                   const std::string& customer, const std::string& list_id, const std::string& visit,
                   JsonWriter& batch, ExperimentRunSummary& summary) {
  for (size_t i = 0; i < actions.size(); ++i) {
    const synth::Action& a = actions[i];
    const std::string event_id = visit + "-" + std::to_string(i);
    batch.BeginObject().Key("event_id").String(event_id).Key("type").String(EventTypeName(a.type));
    batch.Key("timestamp").String(FormatRfc3339(a.at)).Key("customer_id").String(customer);
    batch.Key("channel").String("web").Key("product_id").String(synth::ProductId(a.product));
    if (a.type == EventType::kPurchase) {
      batch.Key("quantity").Int(1).Key("unit_price").Double(double(a.cents) / 100);
      batch.Key("currency").String(region.currency).Key("order_id").String(event_id);
      ++summary.purchases;
    } else {
      batch.Key("recommendation_id").String(list_id);
      ++(a.type == EventType::kClick ? summary.clicks : summary.impressions);
    }
    batch.EndObject();
  }
}

}  // namespace

Result<ExperimentRunSummary> RunExperiment(Api& api, ManualClock& clock, const std::string& token,
                                           const synth::ResponseRegion& region, const ExperimentRun& run,
                                           const std::function<void(uint32_t)>& progress) {
  CONFIDE_RETURN_IF_ERROR(synth::ValidateResponse(run.response));
  if (run.start % kMicrosPerDay != 0 || clock.Now() > run.start)
    return InvalidArgument("start", "must be a midnight UTC the clock has not passed");
  const auto shoppers = uint32_t(run.shoppers == 0 ? region.favourites.size()
                                                   : std::min<size_t>(run.shoppers, region.favourites.size()));
  ExperimentRunSummary summary;
  simdjson::dom::parser parser;
  auto move_to = [&](Micros at) {
    if (at > clock.Now()) clock.Advance(std::chrono::microseconds(at - clock.Now()));
  };
  // The events not posted yet, an open JSON array.
  JsonWriter batch;
  batch.BeginArray();
  size_t in_batch = 0;
  auto post = [&]() -> Status {
    if (in_batch == 0) return Status::Ok();
    auto stored = Call(api, token, "POST", "/v1/" + run.region + "/events", batch.EndArray().Take());
    if (!stored.ok()) return stored.status();
    if (stored->find(R"("rejected":[])") == std::string::npos)
      return Status(Code::kInternal, "the server refused simulated events: " + stored->substr(0, 300), "events");
    batch = JsonWriter();
    batch.BeginArray();
    in_batch = 0;
    return Status::Ok();
  };
  for (uint32_t day = 0; day < run.days; ++day) {
    const Micros midnight = run.start + Micros(day) * kMicrosPerDay;
    for (uint32_t s = 0; s < shoppers; ++s) {
      synth::Rng rng(synth::DeriveSeed(run.seed, (uint64_t(day) << 32) | s));
      if (!rng.Chance(run.visits_per_day)) continue;
      // Visits spread over 08:00 to 20:00, in shopper order.
      move_to(midnight + 8 * kHour + Micros(s) * (12 * kHour) / shoppers);
      const std::string customer = synth::CustomerId(s);
      auto answer = Call(api, token, "GET", "/v1/" + run.region + "/customers/" + customer + "/recommendations?k=10");
      if (!answer.ok()) return answer.status();
      simdjson::dom::element doc;
      std::string_view list_id, variant;
      simdjson::dom::array items;
      if (parser.parse(*answer).get(doc) || doc["recommendation_id"].get_string().get(list_id) ||
          doc["items"].get_array().get(items))
        return Status(Code::kInternal, "a recommendations answer without its id or items", "route");
      if (doc["variant"].get_string().get(variant)) variant = "";
      std::vector<uint32_t> list;
      for (simdjson::dom::element item : items) {
        std::string_view product;
        if (item["product_id"].get_string().get(product)) continue;
        if (int64_t p = synth::ProductIndex(region, product); p >= 0) list.push_back(uint32_t(p));
      }
      ++summary.lists;
      ++summary.lists_by_variant[std::string(variant)];
      const auto actions = synth::Respond(region, s, list, variant == "personalized", clock.Now(), run.response, rng);
      AppendActions(actions, region, customer, std::string(list_id),
                    "sim-" + std::to_string(run.seed) + "-" + std::to_string(day) + "-" + customer, batch, summary);
      in_batch += actions.size();
      if (in_batch >= kEventsPerPost) CONFIDE_RETURN_IF_ERROR(post());
    }
    move_to(midnight + kMicrosPerDay - kMicrosPerSecond);
    CONFIDE_RETURN_IF_ERROR(post());
    if (progress) progress(day + 1);
  }
  return summary;
}

}  // namespace confide::cli
