// For the handler files of the Api (handlers.cc and *_handlers.cc) only:
// what one request's handler sees (Api::Call), and the helpers the route
// families share to read query parameters and to write answers.
//
// Thread-safety: the helpers are pure functions of their arguments, and
// safe to call from many request threads at once.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "catalog/catalog.h"
#include "core/config.h"
#include "core/json_writer.h"
#include "core/record.h"
#include "core/status.h"
#include "events/event.h"
#include "events/json_records.h"
#include "server/handlers.h"
#include "server/http_error.h"
#include "server/http_message.h"
#include "server/url.h"

namespace confide {
namespace analytics {
struct Released;
}

// Everything one request's handler sees. `log_fields` collects extra
// non-personal access-log fields (counts), each starting with a comma.
struct Api::Call {
  const HttpRequest& request;
  PathParams params;
  QueryParams query;
  std::string_view region;  // a configured region id once checked, else empty
  Cell* cell = nullptr;     // the hosted region's cell for region routes
  const ApiKey* key = nullptr;
  std::string log_fields;
  std::optional<ShopperClaims> token;  // a shopper token's verified claims
  std::optional<StaffClaims> staff;    // a staff token's verified claims
};

namespace handler_util {

// One item of a batch that was not accepted, by its position in the body.
struct Rejection {
  size_t index;
  std::string field;
  std::string reason;
};

// Writes "rejected": [...] (or another `member`) in index order (sorts `rejected`).
void WriteRejections(JsonWriter& w, std::vector<Rejection>& rejected, std::string_view member = "rejected");

// A JSON response with this status and body.
// Reads the query parameter `name` as an integer from `low` to `high` into
// `out` (left as it is when absent); otherwise a 400 naming it.
std::optional<HttpResponse> IntegerParam(const QueryParams& query, std::string_view name, uint64_t low,
                                         uint64_t high, uint64_t& out);

HttpResponse Json(int status, std::string body);

// The answer of an insights release (analytics/insights.h), logged as
// `query`: its document with "repeat" first (stored before, so free now);
// past the budget 429 budget_exhausted, a bad request 400, else the failure.
HttpResponse ReleasedAnswer(std::string& log_fields, std::string_view query, const Result<analytics::Released>& released);

// A cursor of the paged listings over granted shoppers
// (Cell::ForEachGrantedHistoryPage): 32 lower-case hex digits.
bool ValidCursor(std::string_view cursor);

// The response for a failed cell or catalog call; the access log gets the
// code (never the message, which may name files or keys).
HttpResponse Failure(std::string& log_fields, const Status& status);

// The error for a whole-body parse failure: too many items is 413.
HttpResponse BodyError(const Status& status);

// The "error" of a batch none of whose items was accepted: names the field
// when the batch has a single rejection.
void WriteNothingAccepted(JsonWriter& w, const std::vector<Rejection>& rejected, std::string_view what);

// The shopper identifier's kind, from ?id_kind= (default customer).
std::optional<IdKind> IdKindParam(const QueryParams& query);

// The 400 for an ?id_kind= that IdKindParam refused.
HttpResponse BadIdKind();

// An identifier shown with most of it hidden ("C\u2022\u2022\u202242"): enough
// to recognise it, not enough to read it off a screen. The first and last
// characters (code points, never half of one) of a long enough id.
std::string Masked(std::string_view id);

// A value of an audit record's "k=v,k=v" details as it is when made of
// [A-Za-z0-9._-], else percent-encoded: a catalog id cannot add fields.
std::string DetailValue(std::string_view value);

// Sec-GPC: only the exact value "1" is the signal.
bool GpcSignal(const HttpRequest& request);

// How far ahead of this node's clock a token minted elsewhere may say it
// was issued (a later issue time would let it outlive an erasure or a
// revocation).
inline constexpr int64_t kTokenClockSkewSeconds = 60;

// The optional store_id parameter: empty, or a store the catalog holds
// (kInvalidArgument naming it otherwise).
Result<std::string> StoreParam(const QueryParams& query, Catalog& catalog);

// The shopper's channel (?channel=, default web). A store channel needs
// the store (?store_id=).
Result<Channel> ChannelParam(const QueryParams& query);

// The default `note` of PutCatalogItems: nothing to add.
struct NoNote {
  template <typename Items>
  void operator()(JsonWriter&, const Items&) const {}
};

// Parses every item with `from_record`; stores them with `put` only when
// all are valid (all-or-nothing), else answers 400 listing each invalid one.
// Once stored, `note(w, items)` may add members to the 200's object (items
// in body order, so an item's position is its index).
template <typename FromRecord, typename Put, typename Note = NoNote>
HttpResponse PutCatalogItems(const HttpRequest& request, const Limits& config_limits,
                             std::string_view what, FromRecord from_record, Put put,
                             std::string& log_fields, Note note = {}) {
  using Item = typename std::invoke_result_t<FromRecord, const Record&>;
  std::vector<std::decay_t<decltype(std::declval<Item>().value())>> valid;
  std::vector<Rejection> rejected;
  size_t items = 0;
  JsonLimits limits{config_limits.max_batch_events, config_limits.max_json_depth};
  Status parsed = ParseJsonItems(
      request.body, limits,
      [&](size_t index, const Record& record) {
        ++items;
        auto item = from_record(record);
        if (item.ok())
          valid.push_back(std::move(item).value());
        else
          rejected.push_back({index, item.status().field(), item.status().message()});
      },
      [&](size_t index, std::string field, std::string reason) {
        ++items;
        rejected.push_back({index, std::move(field), std::move(reason)});
      });
  if (!parsed.ok()) return BodyError(parsed);
  if (items == 0)
    return ErrorResponse(400, CodeName(Code::kInvalidArgument), "the request has no items");
  log_fields =
      ",\"items\":" + std::to_string(items) + ",\"rejected\":" + std::to_string(rejected.size());

  JsonWriter w;
  w.BeginObject();
  if (!rejected.empty()) {
    WriteErrorMember(
        w, CodeName(Code::kInvalidArgument),
        std::to_string(rejected.size()) + " invalid " + std::string(what) +
            "; nothing was stored, see \"rejected\"",
        rejected.size() == 1 ? std::string_view(rejected[0].field) : std::string_view());
    w.Key("upserted").Uint(0);
    WriteRejections(w, rejected);
    w.EndObject();
    return Json(400, w.Take());
  }
  Status stored = put(valid);
  if (!stored.ok()) return Failure(log_fields, stored);
  w.Key("upserted").Uint(valid.size());
  WriteRejections(w, rejected);
  note(w, valid);
  w.EndObject();
  return Json(200, w.Take());
}

// `from_record` followed by `check` of the item's references in the catalog. A failed
// read is not the item's fault: it is kept in `lookup` for the caller to answer.
template <typename FromRecord, typename Check>
auto CheckedBy(FromRecord from_record, Check check, Status& lookup) {
  return [from_record, check, &lookup](const Record& record) {
    auto item = from_record(record);
    if (!item.ok()) return item;
    Status s = check(*item);
    if (s.ok()) return item;
    if (s.code() != Code::kInvalidArgument) {
      lookup = s;
      s = Status(Code::kInvalidArgument, "could not be checked", s.field());
    }
    return decltype(item)(s);
  };
}

}  // namespace handler_util
}  // namespace confide
