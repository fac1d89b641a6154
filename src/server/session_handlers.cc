// A shopper's session in a page: the token a link carries (and the
// browser's history keeps) is exchanged once for a token held in the page's
// memory only, and then refused, so that the address found in a history
// opens nothing.
#include <algorithm>
#include <climits>

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
  std::map<std::string, int64_t>& spent = spent_tokens_[std::string(call.region)].expiry;
  const int64_t now = clock_.Now() / kMicrosPerSecond;
  WriteBatch expired;
  Status scanned = call.cell->store().ScanPrefix(
      Family::kMeta, kSpentPrefix, [&](std::string_view key, std::string_view value) -> Result<bool> {
        const int64_t expires = value.size() == 8 ? static_cast<int64_t>(GetFixed64BE(value)) : INT64_MAX;
        if (expires < now)
          expired.Delete(Family::kMeta, key);  // refused by its expiry anyway
        else
          spent.emplace(key.substr(kSpentPrefix.size()), expires);
        return true;
      });
  if (!scanned.ok()) {
    spent_tokens_.erase(std::string(call.region));
    return scanned;
  }
  return expired.size() ? call.cell->store().Write(expired, Durability::kBuffered) : Status();
}

Result<bool> Api::SpentToken(Call& call, const std::string& token_id) {
  {
    absl::MutexLock lock(&spent_tokens_mu_);
    CONFIDE_RETURN_IF_ERROR(LoadSpentTokensLocked(call));
    if (spent_tokens_[std::string(call.region)].expiry.count(token_id)) return true;
  }
  if (!call.cell->region().several_nodes) return false;
  // Another node of the region may have spent it since: its row says so.
  // Read unlocked, or every token's request would queue behind the read.
  auto row = call.cell->store().Get(Family::kMeta, std::string(kSpentPrefix) + token_id);
  if (!row.ok()) return row.status();
  if (!row->has_value()) return false;
  absl::MutexLock lock(&spent_tokens_mu_);
  if (auto spent = spent_tokens_.find(call.region); spent != spent_tokens_.end())
    spent->second.expiry.emplace(token_id,
                                 (*row)->size() == 8 ? static_cast<int64_t>(GetFixed64BE(**row)) : INT64_MAX);
  return true;
}

Result<bool> Api::SpendToken(Call& call, const std::string& token_id, int64_t expires_seconds) {
  absl::MutexLock lock(&spent_tokens_mu_);
  CONFIDE_RETURN_IF_ERROR(LoadSpentTokensLocked(call));
  SpentTokens& spent = spent_tokens_[std::string(call.region)];
  if (spent.expiry.count(token_id)) return false;
  std::string expiry;
  PutFixed64BE(expiry, static_cast<uint64_t>(expires_seconds));
  WriteBatch batch;
  // Spent once across every node of the region: the row must not exist yet.
  batch.Expect(Family::kMeta, std::string(kSpentPrefix) + token_id, std::nullopt);
  batch.Put(Family::kMeta, std::string(kSpentPrefix) + token_id, expiry);
  // Tokens past their expiry are refused by it anyway: they are dropped
  // whenever the set has doubled, so it holds about the tokens alive.
  if (spent.expiry.size() >= spent.sweep_at) {
    const int64_t now = clock_.Now() / kMicrosPerSecond;
    for (auto it = spent.expiry.begin(); it != spent.expiry.end();) {
      if (it->second >= now) {
        ++it;
        continue;
      }
      batch.Delete(Family::kMeta, std::string(kSpentPrefix) + it->first);
      it = spent.expiry.erase(it);
    }
    spent.sweep_at = std::max<size_t>(1024, 2 * spent.expiry.size());
  }
  Status written = call.cell->store().Write(batch, Durability::kSync);
  if (!written.ok() && written.code() != Code::kFailedPrecondition) return written;
  spent.expiry.emplace(token_id, expires_seconds);
  return written.ok();
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
