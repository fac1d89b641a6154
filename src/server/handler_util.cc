#include "server/handler_util.h"

#include "analytics/insights.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace confide {
namespace handler_util {

void WriteRejections(JsonWriter& w, std::vector<Rejection>& rejected, std::string_view member) {
  std::stable_sort(rejected.begin(), rejected.end(),
                   [](const Rejection& a, const Rejection& b) { return a.index < b.index; });
  w.Key(member).BeginArray();
  for (const Rejection& r : rejected) {
    w.BeginObject();
    w.Key("index").Uint(r.index);
    if (!r.field.empty()) w.Key("field").String(r.field);
    w.Key("reason").String(r.reason);
    w.EndObject();
  }
  w.EndArray();
}

std::optional<HttpResponse> IntegerParam(const QueryParams& query, std::string_view name, uint64_t low,
                                         uint64_t high, uint64_t& out) {
  std::string_view v = query.Get(name);
  if (v.empty()) return std::nullopt;
  uint64_t parsed = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), parsed);
  if (ec != std::errc() || end != v.data() + v.size() || parsed < low || parsed > high)
    return ErrorResponse(400, CodeName(Code::kInvalidArgument),
                         "must be an integer from " + std::to_string(low) + " to " + std::to_string(high), name);
  out = parsed;
  return std::nullopt;
}

HttpResponse Json(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

HttpResponse ReleasedAnswer(std::string& log_fields, std::string_view query, const Result<analytics::Released>& released) {
  if (!released.ok()) {
    const Status& st = released.status();
    if (st.code() == Code::kResourceExhausted) return ErrorResponse(429, "budget_exhausted", st.message(), st.field());
    if (st.code() == Code::kInvalidArgument) return ErrorResponse(st);
    return Failure(log_fields, st);
  }
  const char* repeat = released->repeat ? "true" : "false";
  log_fields = ",\"query\":\"" + std::string(query) + "\",\"repeat\":" + repeat;
  return Json(200, "{\"repeat\":" + std::string(repeat) + "," + released->json.substr(1));
}

bool ValidCursor(std::string_view cursor) {
  return cursor.size() == 32 &&
         std::all_of(cursor.begin(), cursor.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

HttpResponse Failure(std::string& log_fields, const Status& status) {
  log_fields += ",\"error\":\"" + std::string(CodeName(status.code())) + "\"";
  return ErrorResponse(status);
}

HttpResponse BodyError(const Status& status) {
  if (status.code() == Code::kResourceExhausted)
    return ErrorResponse(413, CodeName(status.code()), status.message());
  return ErrorResponse(400, CodeName(Code::kInvalidArgument), status.message(), status.field());
}

void WriteNothingAccepted(JsonWriter& w, const std::vector<Rejection>& rejected,
                          std::string_view what) {
  std::string message = "no valid " + std::string(what) + " in the request; see \"rejected\"";
  WriteErrorMember(w, CodeName(Code::kInvalidArgument), message,
                   rejected.size() == 1 ? std::string_view(rejected[0].field) : std::string_view());
}

std::optional<IdKind> IdKindParam(const QueryParams& query) { return ParseIdKind(query.Get("id_kind", "customer")); }

HttpResponse BadIdKind() {
  return ErrorResponse(400, CodeName(Code::kInvalidArgument), "must be customer, anonymous or loyalty", "id_kind");
}

std::string Masked(std::string_view id) {
  std::vector<size_t> starts;  // of each code point
  for (size_t i = 0; i < id.size(); ++i)
    if ((static_cast<unsigned char>(id[i]) & 0xC0) != 0x80) starts.push_back(i);
  const size_t n = starts.size(), keep = n >= 8 ? 2 : n >= 4 ? 1 : 0;
  return std::string(id.substr(0, keep ? starts[keep] : 0)) + "\u2022\u2022\u2022" +
         std::string(keep ? id.substr(starts[n - keep]) : std::string_view());
}

std::string DetailValue(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '.' || c == '_' || c == '-') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

bool GpcSignal(const HttpRequest& request) { return request.Header("sec-gpc") == "1"; }

Result<std::string> StoreParam(const QueryParams& query, Catalog& catalog) {
  std::string store_id(query.Get("store_id"));
  if (!store_id.empty()) CONFIDE_RETURN_IF_ERROR(catalog.CheckStore(store_id, "store_id"));
  return store_id;
}

Result<Channel> ChannelParam(const QueryParams& query) {
  std::string_view text = query.Get("channel", "web");
  auto channel = ParseChannel(text);
  if (!channel) return Status(Code::kInvalidArgument, "must be web, app, store or call_center", "channel");
  if (*channel == Channel::kStore && query.Get("store_id").empty())
    return Status(Code::kInvalidArgument, "required with channel=store", "store_id");
  return *channel;
}

}  // namespace handler_util
}  // namespace confide
