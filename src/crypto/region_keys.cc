#include "crypto/region_keys.h"

#include <sodium.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
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

// Writes the file through a synced temporary and a rename, mode 0600.
Status WriteKeyFile(const std::string& path, std::string body) {
  std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return Status(Code::kIoError, tmp + ": cannot create: " + std::strerror(errno));
  bool ok = ::write(fd, body.data(), body.size()) == static_cast<ssize_t>(body.size()) && ::fsync(fd) == 0;
  ::close(fd);
  sodium_memzero(body.data(), body.size());
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0)
    return Status(Code::kIoError, path + ": cannot write: " + std::strerror(errno));
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

Status ReadKeyFile(const std::string& path, KeyFile& file) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return Status(Code::kIoError, path + ": cannot read: " + std::strerror(errno));
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
  ::close(fd);
  sodium_memzero(buf, sizeof buf);
  Status s = ParseKeyFile(text, path, file);
  sodium_memzero(text.data(), text.size());
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
  crypto_kdf_derive_from_key(keys.token_key.data(), 32, 1, "conf-tok", root.data());
  return keys;
}

Result<RegionKeys> LoadOrCreateRegionKeys(const std::string& key_dir, const std::string& region,
                                          bool create_if_missing) {
  std::string env = EnvName(region);
  if (const char* v = std::getenv(env.c_str())) {
    auto root = ParseHexKey(v, "environment variable " + env);
    if (!root.ok()) return root.status();
    RegionKeys keys = DeriveRegionKeys(*root, 1);
    keys.source = "env";
    Wipe(*root);
    return keys;
  }
  std::string path = key_dir + "/" + region + ".key";
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return Status(Code::kIoError, path + ": " + std::strerror(errno));
    if (!create_if_missing)
      return Status(Code::kFailedPrecondition,
                    path + ": missing, but the region's database holds data keys wrapped by it: restore this "
                           "file (a new key cannot open them)");
    std::error_code ec;
    std::filesystem::create_directories(key_dir, ec);
    if (ec) return Status(Code::kIoError, key_dir + ": cannot create: " + ec.message());
    ::chmod(key_dir.c_str(), 0700);
    Key256 root = RandomKey();
    Status written = WriteKeyFile(path, FormatKeyFile(root, {}));
    if (!written.ok()) {
      Wipe(root);
      return written;
    }
    RegionKeys keys = DeriveRegionKeys(root, 1);
    Wipe(root);
    keys.source = path;
    return keys;
  }
  if (!S_ISREG(st.st_mode))
    return Status(Code::kPermissionDenied, path + ": key file is not a regular file (a symbolic link?)");
  if (st.st_uid != ::geteuid())
    return Status(Code::kPermissionDenied, path + ": key file is owned by another user");
  if (st.st_mode & 077)
    return Status(Code::kPermissionDenied,
                  path + ": key file is readable by group or others; run chmod 600 on it");
  KeyFile file;
  CONFIDE_RETURN_IF_ERROR(ReadKeyFile(path, file));
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
  CONFIDE_RETURN_IF_ERROR(WriteKeyFile(keys.source, FormatKeyFile(file.root, file.keks)));
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
  CONFIDE_RETURN_IF_ERROR(WriteKeyFile(keys.source, FormatKeyFile(file.root, {{keys.kek_version, keys.kek}})));
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
