#include "crypto/region_keys.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include "core/bytes.h"
#include "crypto/secret_file.h"

namespace confide {
namespace {

Result<Key256> ParseHexKey(std::string_view text, const std::string& where) {
  auto raw = HexDecode(text);
  if (!raw || raw->size() != 32)
    return Status(Code::kInvalidArgument, where + ": must hold 64 hex characters (a 256-bit key)");
  Key256 k;
  std::memcpy(k.data(), raw->data(), 32);
  sodium_memzero(raw->data(), raw->size());
  return k;
}

// A key file: comment lines, the root, then optional "kek <version> <hex>".
struct KeyFile {
  Key256 root{};
  std::vector<std::pair<uint32_t, Key256>> keks;
  ~KeyFile() {
    Wipe(root);
    for (auto& [v, k] : keks) Wipe(k);
  }
};

Status ParseKeyFile(std::string_view text, const std::string& where, KeyFile& out) {
  bool have_root = false;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    if (!have_root) {
      auto root = ParseHexKey(line, where);
      if (!root.ok()) return root.status();
      out.root = *root;
      have_root = true;
      continue;
    }
    // kek <version> <hex>
    size_t a = line.find(' '), b = line.rfind(' ');
    uint32_t version = 0;
    if (line.substr(0, 4) != "kek " || a == b ||
        std::from_chars(line.data() + a + 1, line.data() + b, version).ec != std::errc() || version == 0)
      return Status(Code::kInvalidArgument, where + ": expected \"kek <version> <hex>\" after the root");
    auto kek = ParseHexKey(line.substr(b + 1), where);
    if (!kek.ok()) return kek.status();
    out.keks.emplace_back(version, *kek);
  }
  if (!have_root) return Status(Code::kInvalidArgument, where + ": must hold 64 hex characters (a 256-bit key)");
  return {};
}

RegionKeys KeysFrom(const KeyFile& file) {
  RegionKeys keys = DeriveRegionKeys(file.root, 1);
  if (file.keks.empty()) return keys;
  auto current = std::max_element(file.keks.begin(), file.keks.end());
  Wipe(keys.kek);
  keys.kek_version = current->first;
  keys.kek = current->second;
  for (const auto& entry : file.keks)
    if (entry.first != current->first) keys.retired_keks.push_back(entry);
  return keys;
}

std::string HexKey(const Key256& k) { return HexEncode(std::string_view(reinterpret_cast<const char*>(k.data()), 32)); }

Status ReadKeyFile(const std::string& path, KeyFile& file) {
  auto text = ReadSecretFile(path);
  if (!text.ok()) return text.status();
  Status s = ParseKeyFile(*text, path, file);
  Wipe(*text);
  return s;
}

std::string FormatKeyFile(const Key256& root, const std::vector<std::pair<uint32_t, Key256>>& keks) {
  std::string body =
      "# Confide root key. Keep it secret; losing it makes the region's data unreadable.\n" + HexKey(root) + "\n";
  for (const auto& [version, kek] : keks) body += "kek " + std::to_string(version) + " " + HexKey(kek) + "\n";
  return body;
}

}  // namespace

RegionKeys DeriveRegionKeys(const Key256& root, uint32_t kek_version) {
  RegionKeys keys;
  keys.kek_version = kek_version;
  crypto_kdf_derive_from_key(keys.kek.data(), 32, kek_version, "conf-kek", root.data());
  crypto_kdf_derive_from_key(keys.pseudonym_key.data(), 32, 1, "conf-pse", root.data());
  return keys;
}

Result<RegionKeys> LoadOrCreateRegionKeys(const std::string& key_dir, const std::string& region,
                                          bool create_if_missing) {
  std::string env = SecretEnvName("CONFIDE_REGION_KEY_", region);
  if (const char* v = std::getenv(env.c_str())) {
    auto root = ParseHexKey(v, "environment variable " + env);
    if (!root.ok()) return root.status();
    RegionKeys keys = DeriveRegionKeys(*root, 1);
    keys.source = "env";
    Wipe(*root);
    return keys;
  }
  std::string path = key_dir + "/" + region + ".key";
  KeyFile file;
  Status read = ReadKeyFile(path, file);
  if (read.code() == Code::kNotFound) {
    if (!create_if_missing)
      return Status(Code::kFailedPrecondition,
                    path + ": missing, but the region's database holds data keys wrapped by it: restore this "
                           "file (a new key cannot open them)");
    file.root = RandomKey();
    CONFIDE_RETURN_IF_ERROR(WriteSecretFile(path, FormatKeyFile(file.root, {})));
  } else if (!read.ok()) {
    return read;
  }
  RegionKeys keys = KeysFrom(file);
  keys.source = path;
  return keys;
}

Result<RegionKeys> AddRegionKek(const RegionKeys& keys) {
  if (keys.source == "env")
    return Status(Code::kFailedPrecondition, "keys come from the environment: rotate them there");
  KeyFile file;
  CONFIDE_RETURN_IF_ERROR(ReadKeyFile(keys.source, file));
  if (file.keks.empty()) file.keks.emplace_back(keys.kek_version, keys.kek);  // the derived first KEK, made explicit
  uint32_t next = keys.kek_version + 1;
  Key256 fresh = RandomKey();
  file.keks.emplace_back(next, fresh);
  CONFIDE_RETURN_IF_ERROR(WriteSecretFile(keys.source, FormatKeyFile(file.root, file.keks)));
  RegionKeys rotated = KeysFrom(file);
  rotated.source = keys.source;
  Wipe(fresh);
  return rotated;
}

Status RetireRegionKeks(RegionKeys& keys) {
  if (keys.source == "env")
    return Status(Code::kFailedPrecondition, "keys come from the environment: rotate them there");
  KeyFile file;
  CONFIDE_RETURN_IF_ERROR(ReadKeyFile(keys.source, file));
  CONFIDE_RETURN_IF_ERROR(WriteSecretFile(keys.source, FormatKeyFile(file.root, {{keys.kek_version, keys.kek}})));
  for (auto& [version, kek] : keys.retired_keks) Wipe(kek);
  keys.retired_keks.clear();
  return {};
}

std::string WrapDataKey(const RegionKeys& keys, const Key256& dek, std::string_view owner) {
  std::string out;
  PutFixed32BE(out, keys.kek_version);
  std::string ad = "dek:";
  ad.append(owner);
  SealTo(keys.kek, std::string_view(reinterpret_cast<const char*>(dek.data()), dek.size()), ad, out);
  return out;
}

Result<Key256> UnwrapDataKey(const RegionKeys& keys, std::string_view wrapped, std::string_view owner) {
  if (wrapped.size() < 4) return Status(Code::kDataLoss, "wrapped data key is truncated");
  uint32_t version = GetFixed32BE(wrapped);
  const Key256* kek = version == keys.kek_version ? &keys.kek : nullptr;
  for (const auto& [v, k] : keys.retired_keks)
    if (v == version) kek = &k;
  if (!kek) return Status(Code::kFailedPrecondition, "data key is wrapped under a key version no longer held");
  std::string ad = "dek:";
  ad.append(owner);
  auto plain = Open(*kek, wrapped.substr(4), ad);
  if (!plain.ok()) return plain.status();
  if (plain->size() != 32) return Status(Code::kDataLoss, "wrapped data key has the wrong size");
  Key256 dek;
  std::memcpy(dek.data(), plain->data(), 32);
  sodium_memzero(plain->data(), plain->size());
  return dek;
}

}  // namespace confide
