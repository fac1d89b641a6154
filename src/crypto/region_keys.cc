#include "crypto/region_keys.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include "core/bytes.h"
#include "crypto/sealed_keks.h"
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

// A key file: comment lines, then "pseudonym <hex>" and "kek <version> <hex>"
// lines. A file written before KEKs were random and stored holds a bare
// root instead, from which the pseudonym key (and, with no kek line, KEK
// version 1) derive; the first rewrite replaces it (FormatKeyFile).
struct KeyFile {
  Key256 pseudonym{};
  KekList keks;
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
std::string FormatKeyFile(const Key256& pseudonym, const KekList& keks) {
  std::string body =
      "# Confide region keys. Keep them secret; losing them makes the region's data unreadable.\n"
      "pseudonym " + HexKey(pseudonym) + "\n";
  for (const auto& [version, kek] : keks) body += "kek " + std::to_string(version) + " " + HexKey(kek) + "\n";
  return body;
}

// The file `keys` came from, read again: the key file, or the sealed KEK
// file of keys from the environment (the pseudonym key is then not in it).
Status ReadKeks(const RegionKeys& keys, KeyFile& file) {
  if (keys.sealed_file.empty()) {
    if (keys.source == "env")
      return Status(Code::kFailedPrecondition, "keys derived from a root hold no file to rotate their KEK in");
    return ReadKeyFile(keys.source, file);
  }
  file.pseudonym = keys.pseudonym_key;
  return ReadSealedKeks(keys.sealed_file, keys.file_key, file.keks);
}

Status WriteKeks(const RegionKeys& keys, const Key256& pseudonym, const KekList& keks) {
  if (keys.sealed_file.empty()) return WriteSecretFile(keys.source, FormatKeyFile(pseudonym, keks));
  return WriteSealedKeks(keys.sealed_file, keys.file_key, keks);
}

// The version of the KEK in `keks` that `root` derives, or 0.
uint32_t DerivedKekVersion(const Key256& root, const KekList& keks) {
  uint32_t found = 0;
  for (const auto& [version, kek] : keks) {
    RegionKeys derived = DeriveRegionKeys(root, version);
    if (sodium_memcmp(derived.kek.data(), kek.data(), kek.size()) == 0) found = version;
    Wipe(derived.kek);
    Wipe(derived.pseudonym_key);
  }
  return found;
}

// Whether `held` is wrapped under the KEK `derived` holds.
bool WrappedUnder(const RegionKeys& derived, const WrappedDataKey& held) {
  if (held.wrapped.empty()) return false;
  auto dek = UnwrapDataKey(derived, held.wrapped, held.owner);
  if (!dek.ok()) return false;
  Wipe(*dek);
  return true;
}

// Keys from the environment's root: the pseudonym key derived, the KEKs
// from the sealed file (LoadOrCreateRegionKeys).
Result<RegionKeys> LoadEnvRegionKeys(const Key256& root, const std::string& key_dir, const std::string& region,
                                     bool create_if_missing, const WrappedDataKey& newest_held) {
  const std::string path = key_dir + "/" + region + ".keks";
  RegionKeys derived = DeriveRegionKeys(root, 1);
  struct WipeOnReturn {
    RegionKeys& keys;
    ~WipeOnReturn() {
      Wipe(keys.kek);
      Wipe(keys.pseudonym_key);
      Wipe(keys.file_key);
    }
  } wipe_derived{derived};
  derived.file_key = DeriveKekFileKey(root);
  KeyFile file;
  file.pseudonym = derived.pseudonym_key;
  Status read = ReadSealedKeks(path, derived.file_key, file.keks);
  if (read.code() == Code::kNotFound) {
    if (create_if_missing) {
      file.keks.emplace_back(1, RandomKey());  // random: a rotation can destroy it
    } else if (WrappedUnder(derived, newest_held)) {
      // A region of an earlier release: its data keys are wrapped under KEK
      // 1 derived from the root, kept until the first rotation retires it.
      file.keks.emplace_back(1, derived.kek);
    } else {
      return Status(Code::kFailedPrecondition,
                    path + ": missing, but the region's database holds data keys wrapped by the KEKs it held: "
                           "restore this file (the region key in the environment alone cannot open them)");
    }
    read = WriteSealedKeks(path, derived.file_key, file.keks);
  }
  if (!read.ok()) return read;
  RegionKeys keys = KeysFrom(file);
  keys.source = "env";
  keys.sealed_file = path;
  keys.file_key = derived.file_key;
  keys.derived_kek_version = DerivedKekVersion(root, file.keks);
  return keys;
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
                                          bool create_if_missing, const WrappedDataKey& newest_held) {
  std::string env = SecretEnvName("CONFIDE_REGION_KEY_", region);
  if (const char* v = std::getenv(env.c_str())) {
    auto root = ParseHexKey(v, "environment variable " + env);
    if (!root.ok()) return root.status();
    auto keys = LoadEnvRegionKeys(*root, key_dir, region, create_if_missing, newest_held);
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
  KeyFile file;
  CONFIDE_RETURN_IF_ERROR(ReadKeks(keys, file));
  uint32_t next = keys.kek_version + 1;
  Key256 fresh = RandomKey();
  file.keks.emplace_back(next, fresh);
  Wipe(fresh);
  CONFIDE_RETURN_IF_ERROR(WriteKeks(keys, file.pseudonym, file.keks));
  RegionKeys rotated = KeysFrom(file);
  rotated.source = keys.source;
  rotated.sealed_file = keys.sealed_file;
  rotated.file_key = keys.file_key;
  rotated.derived_kek_version = keys.derived_kek_version;  // retired, still held
  return rotated;
}

Status RetireRegionKeks(RegionKeys& keys) {
  KeyFile file;
  CONFIDE_RETURN_IF_ERROR(ReadKeks(keys, file));
  KekList current{{keys.kek_version, keys.kek}};
  Status written = WriteKeks(keys, file.pseudonym, current);
  Wipe(current.front().second);
  CONFIDE_RETURN_IF_ERROR(written);
  for (auto& [version, kek] : keys.retired_keks) Wipe(kek);
  keys.retired_keks.clear();
  if (keys.derived_kek_version != keys.kek_version) keys.derived_kek_version = 0;
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
