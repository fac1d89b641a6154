#include "crypto/region_keys.h"

#include <sodium.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/bytes.h"

namespace confide {
namespace {

std::string EnvName(const std::string& region) {
  std::string name = "CONFIDE_REGION_KEY_";
  for (char c : region) name.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(c)));
  return name;
}

Result<Key256> ParseRoot(std::string_view text, const std::string& where) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  // Skip comment lines.
  while (!text.empty() && text.front() == '#') {
    size_t nl = text.find('\n');
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
  }
  auto raw = HexDecode(text);
  if (!raw || raw->size() != 32)
    return Status(Code::kInvalidArgument, where + ": must hold 64 hex characters (a 256-bit key)");
  Key256 k;
  std::memcpy(k.data(), raw->data(), 32);
  sodium_memzero(raw->data(), raw->size());
  return k;
}

}  // namespace

RegionKeys DeriveRegionKeys(const Key256& root, uint32_t kek_version) {
  RegionKeys keys;
  keys.kek_version = kek_version;
  crypto_kdf_derive_from_key(keys.kek.data(), 32, kek_version, "conf-kek", root.data());
  crypto_kdf_derive_from_key(keys.pseudonym_key.data(), 32, 1, "conf-pse", root.data());
  crypto_kdf_derive_from_key(keys.token_key.data(), 32, 1, "conf-tok", root.data());
  return keys;
}

Result<RegionKeys> LoadOrCreateRegionKeys(const std::string& key_dir, const std::string& region) {
  std::string env = EnvName(region);
  if (const char* v = std::getenv(env.c_str())) {
    auto root = ParseRoot(v, "environment variable " + env);
    if (!root.ok()) return root.status();
    RegionKeys keys = DeriveRegionKeys(*root, 1);
    keys.source = "env";
    Wipe(*root);
    return keys;
  }
  std::string path = key_dir + "/" + region + ".key";
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return Status(Code::kIoError, path + ": " + std::strerror(errno));
    std::error_code ec;
    std::filesystem::create_directories(key_dir, ec);
    if (ec) return Status(Code::kIoError, key_dir + ": cannot create: " + ec.message());
    ::chmod(key_dir.c_str(), 0700);
    Key256 root = RandomKey();
    std::string body = "# Confide root key for region " + region +
                       ". Keep it secret; losing it makes the region's data unreadable.\n" +
                       HexEncode(std::string_view(reinterpret_cast<const char*>(root.data()), 32)) + "\n";
    std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) return Status(Code::kIoError, tmp + ": cannot create: " + std::strerror(errno));
    bool ok = ::write(fd, body.data(), body.size()) == static_cast<ssize_t>(body.size()) && ::fsync(fd) == 0;
    ::close(fd);
    sodium_memzero(body.data(), body.size());
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0)
      return Status(Code::kIoError, path + ": cannot write: " + std::strerror(errno));
    RegionKeys keys = DeriveRegionKeys(root, 1);
    Wipe(root);
    keys.source = path;
    return keys;
  }
  if (st.st_mode & 077)
    return Status(Code::kPermissionDenied,
                  path + ": key file is readable by group or others; run chmod 600 on it");
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  auto root = ParseRoot(text, path);
  sodium_memzero(text.data(), text.size());
  if (!root.ok()) return root.status();
  RegionKeys keys = DeriveRegionKeys(*root, 1);
  Wipe(*root);
  keys.source = path;
  return keys;
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
  if (GetFixed32BE(wrapped) != keys.kek_version)
    return Status(Code::kFailedPrecondition, "data key is wrapped under another key version");
  std::string ad = "dek:";
  ad.append(owner);
  auto plain = Open(keys.kek, wrapped.substr(4), ad);
  if (!plain.ok()) return plain.status();
  if (plain->size() != 32) return Status(Code::kDataLoss, "wrapped data key has the wrong size");
  Key256 dek;
  std::memcpy(dek.data(), plain->data(), 32);
  sodium_memzero(plain->data(), plain->size());
  return dek;
}

}  // namespace confide
