#include "crypto/token_keys.h"

#include <cctype>
#include <cstdlib>
#include <cstring>

#include "core/bytes.h"
#include "crypto/secret_file.h"

namespace confide {
namespace {

bool ValidKeyId(std::string_view id) {
  if (id.empty() || id.size() > 32) return false;
  for (char c : id)
    if (!std::isdigit(static_cast<unsigned char>(c)) && !(c >= 'a' && c <= 'z')) return false;
  return true;
}

// "<id><sep><64 hex>", surrounding blanks and comment lines ignored.
Result<TokenKey> ParseTokenKey(std::string_view text, char sep, const std::string& where) {
  auto only = OnlySecretLine(text, where, "token key line");
  if (!only.ok()) return only.status();
  const std::string_view line = *only;
  const size_t at = line.find(sep);
  const std::string expected =
      where + ": expected \"<key id>" + std::string(1, sep) + "<64 hex characters>\", the id 1 to 32 of [0-9a-z]";
  if (at == std::string_view::npos || !ValidKeyId(line.substr(0, at))) return Status(Code::kInvalidArgument, expected);
  auto raw = HexDecode(line.substr(at + 1));
  if (!raw || raw->size() != 32) return Status(Code::kInvalidArgument, expected);
  TokenKey key;
  key.id = line.substr(0, at);
  std::memcpy(key.key.data(), raw->data(), 32);
  Wipe(*raw);
  return key;
}

Result<TokenKey> Fresh(const std::string& path) {
  TokenKey key;
  char id[6];
  RandomBytes(id, sizeof id);
  key.id = HexEncode(std::string_view(id, sizeof id));
  key.key = RandomKey();
  key.source = path;
  std::string body = "# Confide shopper-token key: mints and verifies this region's shopper tokens.\n" + key.id +
                     " " + HexEncode(std::string_view(reinterpret_cast<const char*>(key.key.data()), 32)) + "\n";
  Status written = WriteSecretFile(path, std::move(body));
  if (!written.ok()) {
    Wipe(key.key);
    return written;
  }
  return key;
}

}  // namespace

Result<TokenKey> LoadOrCreateTokenKey(const std::string& key_dir, const std::string& region) {
  const std::string env = SecretEnvName("CONFIDE_TOKEN_KEY_", region);
  if (const char* v = std::getenv(env.c_str())) {
    auto key = ParseTokenKey(v, ':', "environment variable " + env);
    if (key.ok()) key->source = "env";
    return key;
  }
  const std::string path = key_dir + "/" + region + ".tokens";
  auto text = ReadSecretFile(path);
  if (text.status().code() == Code::kNotFound) return Fresh(path);
  if (!text.ok()) return text.status();
  auto key = ParseTokenKey(*text, ' ', path);
  Wipe(*text);
  if (key.ok()) key->source = path;
  return key;
}

Result<TokenKey> RotateTokenKey(const TokenKey& current) {
  if (current.source == "env")
    return Status(Code::kFailedPrecondition, "the token key comes from the environment: replace it there");
  return Fresh(current.source);
}

}  // namespace confide
