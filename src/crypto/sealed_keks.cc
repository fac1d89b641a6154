#include "crypto/sealed_keks.h"

#include <sodium.h>

#include <cstring>
#include <filesystem>

#include "core/bytes.h"
#include "crypto/secret_file.h"

namespace confide {
namespace {

constexpr size_t kEntrySize = 4 + 32;  // version, key

std::string AssociatedData(const std::string& path) {
  return "confide-keks-v1:" + std::filesystem::path(path).filename().string();
}

// The KEKs of an opened file; kInvalidArgument naming `path` when the
// plaintext is not a whole number of entries or names version 0.
Status ParseEntries(std::string_view plain, const std::string& path, KekList& keks) {
  if (plain.empty() || plain.size() % kEntrySize != 0)
    return Status(Code::kInvalidArgument, path + ": the sealed KEK file holds no whole list of KEKs");
  for (; !plain.empty(); plain.remove_prefix(kEntrySize)) {
    const uint32_t version = GetFixed32BE(plain);
    if (version == 0) return Status(Code::kInvalidArgument, path + ": the sealed KEK file names KEK version 0");
    Key256 kek;
    std::memcpy(kek.data(), plain.data() + 4, 32);
    keks.emplace_back(version, kek);
    Wipe(kek);
  }
  return {};
}

}  // namespace

Key256 DeriveKekFileKey(const Key256& root) {
  Key256 key;
  crypto_kdf_derive_from_key(key.data(), key.size(), 1, "conf-kfs", root.data());
  return key;
}

Status ReadSealedKeks(const std::string& path, const Key256& file_key, KekList& keks) {
  for (auto& [version, kek] : keks) Wipe(kek);
  keks.clear();
  auto text = ReadSecretFile(path);
  if (!text.ok()) return text.status();
  auto line = OnlySecretLine(*text, path, "line of hex (the sealed KEKs)");
  if (!line.ok()) return line.status();
  auto sealed = HexDecode(*line);
  if (!sealed || sealed->empty())
    return Status(Code::kInvalidArgument, path + ": expected one line of hex (the sealed KEKs)");
  auto plain = Open(file_key, *sealed, AssociatedData(path));
  if (!plain.ok())
    return Status(Code::kDataLoss, path + ": does not open with the region key in the environment (another root, "
                                          "another region's file, or altered)");
  Status parsed = ParseEntries(*plain, path, keks);
  Wipe(*plain);
  if (!parsed.ok()) {
    for (auto& [version, kek] : keks) Wipe(kek);
    keks.clear();
  }
  return parsed;
}

Status WriteSealedKeks(const std::string& path, const Key256& file_key, const KekList& keks) {
  if (keks.empty()) return Status(Code::kInvalidArgument, path + ": a sealed KEK file needs a KEK");
  std::string plain;
  plain.reserve(keks.size() * kEntrySize);  // never grows: no unwiped copy is left behind
  for (const auto& [version, kek] : keks) {
    PutFixed32BE(plain, version);
    plain.append(reinterpret_cast<const char*>(kek.data()), kek.size());
  }
  std::string sealed = Seal(file_key, plain, AssociatedData(path));
  Wipe(plain);
  return WriteSecretFile(path,
                         "# Confide region KEKs, sealed under a key derived from the region key in the environment.\n"
                         "# Keep this file with the key directory: without it the region's data keys do not open.\n" +
                             HexEncode(sealed) + "\n");
}

}  // namespace confide
