#include "crypto/webhook_secret.h"

#include <sodium.h>

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include "core/bytes.h"
#include "crypto/secret_file.h"

namespace confide {
namespace {

// One line of 64 hex characters; blanks and comment lines ignored.
Result<Key256> ParseSecret(std::string_view text, const std::string& where) {
  auto only = OnlySecretLine(text, where, "line of 64 hex characters");
  if (!only.ok()) return only.status();
  const std::string_view line = *only;
  auto raw = HexDecode(line);
  if (!raw || raw->size() != 32)
    return Status(Code::kInvalidArgument, where + ": expected 64 hex characters (a 256-bit secret)");
  Key256 key;
  std::memcpy(key.data(), raw->data(), 32);
  Wipe(*raw);
  return key;
}

Result<WebhookSecret> Fresh(const std::string& path) {
  WebhookSecret secret;
  secret.key = RandomKey();
  secret.source = path;
  std::string body =
      "# Confide webhook signing secret: give it to this region's webhook receivers.\n" +
      HexEncode(std::string_view(reinterpret_cast<const char*>(secret.key.data()), 32)) + "\n";
  Status written = WriteSecretFile(path, std::move(body));
  if (!written.ok()) {
    Wipe(secret.key);
    return written;
  }
  return secret;
}

std::string Hmac(const Key256& secret, std::string_view a, std::string_view b) {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, secret.data(), secret.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(a.data()), a.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(b.data()), b.size());
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_final(&state, mac);
  sodium_memzero(&state, sizeof state);
  return std::string(reinterpret_cast<const char*>(mac), sizeof mac);
}

}  // namespace

Result<WebhookSecret> LoadOrCreateWebhookSecret(const std::string& key_dir, const std::string& region) {
  const std::string env = SecretEnvName("CONFIDE_WEBHOOK_SECRET_", region);
  if (const char* v = std::getenv(env.c_str())) {
    auto key = ParseSecret(v, "environment variable " + env);
    if (!key.ok()) return key.status();
    return WebhookSecret{*key, "env"};
  }
  const std::string path = key_dir + "/" + region + ".webhook";
  auto text = ReadSecretFile(path);
  if (text.status().code() == Code::kNotFound) return Fresh(path);
  if (!text.ok()) return text.status();
  auto key = ParseSecret(*text, path);
  Wipe(*text);
  if (!key.ok()) return key.status();
  return WebhookSecret{*key, path};
}

std::string SignWebhook(const Key256& secret, int64_t unix_seconds, std::string_view body) {
  std::string t = std::to_string(unix_seconds);
  return "t=" + t + ",v1=" + HexEncode(Hmac(secret, t + ".", body));
}

bool VerifyWebhookSignature(const Key256& secret, std::string_view header, std::string_view body, int64_t now_unix,
                            int64_t tolerance_seconds) {
  if (header.substr(0, 2) != "t=") return false;
  size_t comma = header.find(",v1=");
  if (comma == std::string_view::npos) return false;
  std::string_view t = header.substr(2, comma - 2);
  int64_t sent = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), sent);
  if (ec != std::errc() || end != t.data() + t.size()) return false;
  if (sent > now_unix + tolerance_seconds || sent < now_unix - tolerance_seconds) return false;
  auto mac = HexDecode(header.substr(comma + 4));
  if (!mac || mac->size() != crypto_auth_hmacsha256_BYTES) return false;
  std::string expected = Hmac(secret, std::string(t) + ".", body);
  return sodium_memcmp(expected.data(), mac->data(), expected.size()) == 0;
}

std::string ErasureMatch(const Key256& secret, std::string_view kind_name, std::string_view canonical_id) {
  return HexEncode(Hmac(secret, std::string(kind_name) + ":", canonical_id));
}

}  // namespace confide
