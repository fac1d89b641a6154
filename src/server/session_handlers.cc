// A shopper's session in a page: the token a link carries (and the
// browser's history keeps) is exchanged once for a token held in the page's
// memory only, and then refused, so that the address found in a history
// opens nothing.
#include "core/bytes.h"
#include "core/json_writer.h"
#include "server/handler_util.h"
#include "server/handlers.h"
#include "server/http_error.h"

namespace confide {

using namespace handler_util;

namespace {
// Family::kMeta of the token's region: expiry (8, big-endian Unix seconds).
constexpr std::string_view kSpentPrefix = "spent_token/";
}  // namespace

Status Api::LoadSpentTokensLocked(Call& call) {
  if (spent_tokens_.count(call.region)) return {};
  std::set<std::string>& spent = spent_tokens_[std::string(call.region)];
  const int64_t now = clock_.Now() / kMicrosPerSecond;
  WriteBatch expired;
  Status scanned = call.cell->store().ScanPrefix(
      Family::kMeta, kSpentPrefix, [&](std::string_view key, std::string_view value) -> Result<bool> {
        if (value.size() == 8 && static_cast<int64_t>(GetFixed64BE(value)) < now)
          expired.Delete(Family::kMeta, key);  // refused by its expiry anyway
        else
          spent.emplace(key.substr(kSpentPrefix.size()));
        return true;
      });
  if (!scanned.ok()) {
    spent_tokens_.erase(std::string(call.region));
    return scanned;
  }
  return expired.size() ? call.cell->store().Write(expired, Durability::kBuffered) : Status();
}

Result<bool> Api::SpentToken(Call& call, const std::string& token_id) {
  absl::MutexLock lock(&spent_tokens_mu_);
  CONFIDE_RETURN_IF_ERROR(LoadSpentTokensLocked(call));
  return spent_tokens_[std::string(call.region)].count(token_id) > 0;
}

Result<bool> Api::SpendToken(Call& call, const std::string& token_id, int64_t expires_seconds) {
  absl::MutexLock lock(&spent_tokens_mu_);
  CONFIDE_RETURN_IF_ERROR(LoadSpentTokensLocked(call));
  std::set<std::string>& spent = spent_tokens_[std::string(call.region)];
  if (spent.count(token_id)) return false;
  std::string expiry;
  PutFixed64BE(expiry, static_cast<uint64_t>(expires_seconds));
  WriteBatch batch;
  batch.Put(Family::kMeta, std::string(kSpentPrefix) + token_id, expiry);
  CONFIDE_RETURN_IF_ERROR(call.cell->store().Write(batch, Durability::kSync));
  spent.insert(token_id);
  return true;
}

HttpResponse Api::OpenShopperSession(Call& call) {
  if (!call.token)
    return ErrorResponse(403, CodeName(Code::kPermissionDenied), "only a shopper token opens a session");
  auto kind = IdKindParam(call.query);
  if (!kind) return BadIdKind();
  const ShopperClaims& link = *call.token;
  auto spent = SpendToken(call, link.token_id, link.expires);
  if (!spent.ok()) return Failure(call.log_fields, spent.status());
  if (!*spent)  // a concurrent exchange won
    return ErrorResponse(401, CodeName(Code::kUnauthenticated), "this link's shopper token was exchanged already");
  const Micros expires = link.expires * kMicrosPerSecond;
  JsonWriter w;
  w.BeginObject().Key("token").String(call.cell->MintShopperToken(*kind, link.id, expires, link.reach));
  w.Key("expires_at").String(FormatRfc3339(expires)).EndObject();
  return Json(200, w.Take());
}

}  // namespace confide
