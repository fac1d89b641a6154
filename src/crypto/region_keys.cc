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

constexpr char kEnvKeysDoNotRotate[] =
    "the region key comes from the environment: a KEK derived from it cannot be destroyed, so it does not "
    "rotate (use a key file)";

Result<Key256> ParseHexKey(std::string_view text, const std::string& where) {
  auto raw = HexDecode(text);
  if (!raw || raw->size() != 32)
    return Status(Code::kInvalidArgument, where + ": must hold 64 hex characters (a 256-bit key)");
  Key256 k;
  std::memcpy(k.data(), raw->data(), 32);
  sodium_memzero(raw->data(), raw->size());
  return k;
}

// A key file: comment lines, then "pseudonym <hex>" and "kek <version> <hex>"
// lines. A file written before KEKs were random and stored holds a bare
// root instead, from which the pseudonym key (and, with no kek line, KEK
// version 1) derive; the first rewrite replaces it (FormatKeyFile).
struct KeyFile {
  Key256 pseudonym{};
  std::vector<std::pair<uint32_t, Key256>> keks;
  Key256 legacy_root{};
  ~KeyFile() {
    Wipe(pseudonym);
    Wipe(legacy_root);
    for (auto& [v, k] : keks) Wipe(k);
  }
};

Status ParseKeyFile(std::string_view text, const std::string& where, KeyFile& out) {
  const std::string form = where + ": expected \"pseudonym <hex>\" followed by \"kek <version> <hex>\" lines";
  bool have_pseudonym = false, legacy = false;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    if (!have_pseudonym) {
      legacy = !line.starts_with("pseudonym ");
      auto key = ParseHexKey(legacy ? line : line.substr(10), where);
      if (!key.ok()) return key.status();
      (legacy ? out.legacy_root : out.pseudonym) = *key;
      Wipe(*key);
      have_pseudonym = true;
      continue;
    }
    // kek <version> <hex>
    size_t a = line.find(' '), b = line.rfind(' ');
    uint32_t version = 0;
    if (line.substr(0, 4) != "kek " || a == b ||
        std::from_chars(line.data() + a + 1, line.data() + b, version).ec != std::errc() || version == 0)
      return Status(Code::kInvalidArgument, form);
    auto kek = ParseHexKey(line.substr(b + 1), where);
    if (!kek.ok()) return kek.status();
    out.keks.emplace_back(version, *kek);
    Wipe(*kek);
  }
  if (!have_pseudonym) return Status(Code::kInvalidArgument, form);
  if (legacy) {
    RegionKeys derived = DeriveRegionKeys(out.legacy_root, 1);
    out.pseudonym = derived.pseudonym_key;
    if (out.keks.empty()) out.keks.emplace_back(1, derived.kek);
    Wipe(derived.kek);
    Wipe(derived.pseudonym_key);
  }
  if (out.keks.empty()) return Status(Code::kInvalidArgument, form);
  return {};
}

RegionKeys KeysFrom(const KeyFile& file) {
  RegionKeys keys;
  auto current = std::max_element(file.keks.begin(), file.keks.end());
  keys.kek_version = current->first;
  keys.kek = current->second;
  keys.pseudonym_key = file.pseudonym;
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

// Never writes a root: a KEK derivable from something kept would outlive
// its retirement.
std::string FormatKeyFile(const Key256& pseudonym, const std::vector<std::pair<uint32_t, Key256>>& keks) {
  std::string body =
      "# Confide region keys. Keep them secret; losing them makes the region's data unreadable.\n"
      "pseudonym " + HexKey(pseudonym) + "\n";
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
    // Both random: the KEK must be destroyable (AddRegionKek), and nothing
    // else in the file may derive it.
    file.pseudonym = RandomKey();
    file.keks.emplace_back(1, RandomKey());
    CONFIDE_RETURN_IF_ERROR(WriteSecretFile(path, FormatKeyFile(file.pseudonym, file.keks)));
  } else if (!read.ok()) {
    return read;
  }
  RegionKeys keys = KeysFrom(file);
  keys.source = path;
  return keys;
}

Result<RegionKeys> AddRegionKek(const RegionKeys& keys) {
  if (keys.source == "env")
    return Status(Code::kFailedPrecondition, kEnvKeysDoNotRotate);
  KeyFile file;
  CONFIDE_RETURN_IF_ERROR(ReadKeyFile(keys.source, file));
  uint32_t next = keys.kek_version + 1;
  Key256 fresh = RandomKey();
  file.keks.emplace_back(next, fresh);
  CONFIDE_RETURN_IF_ERROR(WriteSecretFile(keys.source, FormatKeyFile(file.pseudonym, file.keks)));
  RegionKeys rotated = KeysFrom(file);
  rotated.source = keys.source;
  Wipe(fresh);
  return rotated;
}

Status RetireRegionKeks(RegionKeys& keys) {
  if (keys.source == "env")
    return Status(Code::kFailedPrecondition, kEnvKeysDoNotRotate);
  KeyFile file;
  CONFIDE_RETURN_IF_ERROR(ReadKeyFile(keys.source, file));
  CONFIDE_RETURN_IF_ERROR(WriteSecretFile(keys.source, FormatKeyFile(file.pseudonym, {{keys.kek_version, keys.kek}})));
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
