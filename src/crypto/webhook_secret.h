// The secret a region shares with its webhook receivers: it signs what
// Confide posts to them (erasure notices) and keys the match values of
// GET /v1/{region}/erasures, so that a receiver can check that a notice
// came from Confide and tell which of its own ids were erased, while
// anyone without the secret learns neither.
//
// Source, in order: the environment variable CONFIDE_WEBHOOK_SECRET_<REGION>
// (64 hex characters), else the file <key_dir>/<region>.webhook (created
// on first use, mode 0600, read under the checks of crypto/secret_file.h;
// comment lines and one line of 64 hex characters). The secret is the 32
// bytes those characters encode; receivers are given the hex text.
//
// Thread-safe: the functions keep no state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "crypto/aead.h"

namespace confide {

struct WebhookSecret {
  Key256 key{};
  std::string source;  // "env" or the file path; never the secret
};

// kInvalidArgument naming the variable or file when malformed; the errors
// of crypto/secret_file.h otherwise.
Result<WebhookSecret> LoadOrCreateWebhookSecret(const std::string& key_dir, const std::string& region);

// The signature header's name and value for `body` sent at `unix_seconds`:
// "t=<unix_seconds>,v1=<hex of HMAC-SHA256(secret, "<t>." + body)>".
inline constexpr std::string_view kSignatureHeader = "Confide-Signature";
std::string SignWebhook(const Key256& secret, int64_t unix_seconds, std::string_view body);

// What a receiver does (docs/api.md): true when `header` is of the form
// above, its t is within `tolerance_seconds` of `now_unix` either way, and
// its v1 is the HMAC of this body (compared in constant time).
bool VerifyWebhookSignature(const Key256& secret, std::string_view header, std::string_view body, int64_t now_unix,
                            int64_t tolerance_seconds);

// The match value of an identifier in the erasure list: the hex of
// HMAC-SHA256(secret, "<kind name>:<canonical id>"), e.g. "customer:C-1".
std::string ErasureMatch(const Key256& secret, std::string_view kind_name, std::string_view canonical_id);

}  // namespace confide
