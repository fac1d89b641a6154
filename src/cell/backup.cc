// Backups that never bring back an erased shopper (cell/backup.h).
#include "cell/backup.h"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>

#include "cell/cell_impl.h"
#include "core/atomic_file.h"
#include "core/bytes.h"
#include "core/time.h"
#include "crypto/sealed_keks.h"
#include "store/directory_lock.h"

namespace confide {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kManifestHeader = "confide-backup-v1";
constexpr size_t kMaxManifestBytes = 64u << 20;

// Keys of a region's backups, derived from its pseudonym key (which never
// rotates, so a backup verifies for as long as the region exists): 1 seals
// a backup's KEKs, 2 signs its manifest.
Key256 BackupKey(const Key256& pseudonym_key, uint64_t subkey) {
  Key256 key;
  crypto_kdf_derive_from_key(key.data(), key.size(), subkey, "conf-bak", pseudonym_key.data());
  return key;
}

std::string KeysFile(const std::string& key_dir, const std::string& region, const std::string& id) {
  return key_dir + "/" + region + ".backup-" + id + ".keks";
}

Status IoError(const std::string& path, const std::error_code& ec) {
  return Status(Code::kIoError, path + ": " + ec.message());
}

// BLAKE2b-256 of a file's contents, hex, and its size.
Result<std::pair<std::string, uint64_t>> HashFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(Code::kIoError, path + ": cannot read");
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, 32);
  std::string buf(1 << 20, '\0');
  uint64_t size = 0;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto n = static_cast<size_t>(in.gcount());
    crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(buf.data()), n);
    size += n;
  }
  if (in.bad()) return Status(Code::kIoError, path + ": cannot read");
  unsigned char out[32];
  crypto_generichash_final(&st, out, sizeof out);
  return std::make_pair(HexEncode(std::string_view(reinterpret_cast<char*>(out), sizeof out)), size);
}

std::string Mac(const Key256& key, std::string_view text) {
  unsigned char out[32];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(text.data()), text.size(), key.data(),
                     key.size());
  return HexEncode(std::string_view(reinterpret_cast<char*>(out), sizeof out));
}

// The regular files under `dir`, relative, sorted. Anything else (a link,
// a device) is refused: a backup holds files only.
Result<std::vector<std::string>> ListFiles(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const auto status = it->symlink_status(ec);
    if (ec) break;
    if (fs::is_directory(status)) continue;
    if (!fs::is_regular_file(status))
      return Status(Code::kDataLoss, it->path().string() + ": not a regular file, which no backup holds");
    files.push_back(fs::relative(it->path(), dir).string());
  }
  if (ec) return IoError(dir, ec);
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

std::string NewBackupId(Micros at) {
  const std::time_t seconds = at / kMicrosPerSecond;
  std::tm tm;
  gmtime_r(&seconds, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  unsigned char random[4];
  randombytes_buf(random, sizeof random);
  return std::string(stamp) + "-" + HexEncode(std::string_view(reinterpret_cast<char*>(random), sizeof random));
}

namespace {

// The lines of a small file (a .restoring marker).
std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; lines.size() < 4 && std::getline(in, line);) lines.push_back(line);
  return lines;
}

// What a .restoring marker says once the database it replaces was checked
// and is to go (it may be removed in part or whole).
constexpr std::string_view kRemovedLine = "removed";

// Whether `path` is `dir` or lies under it (both made absolute, links in
// what exists resolved).
bool Within(const std::string& path, const std::string& dir) {
  std::error_code ec1, ec2;
  const fs::path p = fs::weakly_canonical(path, ec1), d = fs::weakly_canonical(dir, ec2);
  if (ec1 || ec2) return false;
  return std::mismatch(d.begin(), d.end(), p.begin(), p.end()).first == d.end();
}

Status SyncPath(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status(Code::kIoError, path + ": cannot open to sync");
  const int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status() : Status(Code::kIoError, path + ": cannot sync");
}

// KEKs copied out of the region's keys, wiped wherever the copy goes.
struct WipedKeks {
  KekList keks;
  ~WipedKeks() {
    for (auto& [version, kek] : keks) Wipe(kek);
  }
};

struct Manifest {
  std::string region, id;
  Micros taken_at = 0;
  struct File {
    std::string name, hash;
    uint64_t size = 0;
  };
  std::vector<File> files;
};

// Reads and verifies `dir`/MANIFEST, then every file it names.
Result<Manifest> VerifiedManifest(const std::string& dir, const std::string& region, const Key256& pseudonym_key) {
  const std::string path = dir + "/MANIFEST";
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return Status(Code::kNotFound, dir + ": not a Confide backup (no MANIFEST)");
  if (fs::file_size(path, ec) > kMaxManifestBytes) return Status(Code::kDataLoss, path + ": too large for a manifest");
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Manifest m;
  const size_t mac_at = text.rfind("mac ");
  if (!text.starts_with(std::string(kManifestHeader) + "\n") || mac_at == std::string::npos ||
      (mac_at && text[mac_at - 1] != '\n'))
    return Status(Code::kDataLoss, path + ": not a Confide backup manifest");
  // The region is read before the MAC only to say whose backup it is.
  if (size_t at = text.find("\nregion "); at != std::string::npos && at < mac_at) {
    m.region = text.substr(at + 8, text.find('\n', at + 1) - at - 8);
    if (m.region != region)
      return Status(Code::kFailedPrecondition,
                    dir + ": a backup of region " + m.region + ", not of " + region + ": restore it into its own region");
  }
  const Key256 mac_key = BackupKey(pseudonym_key, 2);
  const std::string expected = Mac(mac_key, std::string_view(text).substr(0, mac_at));
  std::string_view given = std::string_view(text).substr(mac_at + 4);
  if (given.ends_with('\n')) given.remove_suffix(1);
  if (given.size() != expected.size() || sodium_memcmp(given.data(), expected.data(), expected.size()) != 0)
    return Status(Code::kDataLoss, path + ": does not verify under region " + region +
                                       "'s keys: the backup was altered, or is another region's");
  std::string_view body = std::string_view(text).substr(0, mac_at);
  for (size_t start = 0; start < body.size();) {
    const size_t end = body.find('\n', start);
    std::string_view line = body.substr(start, end - start);
    start = end == std::string_view::npos ? body.size() : end + 1;
    auto word = [&](std::string_view& rest) {
      const size_t sp = rest.find(' ');
      std::string_view w = rest.substr(0, sp);
      rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
      return w;
    };
    std::string_view rest = line;
    const std::string_view key = word(rest);
    if (key == "id") m.id = rest;
    else if (key == "taken") std::from_chars(rest.data(), rest.data() + rest.size(), m.taken_at);
    else if (key == "file") {
      Manifest::File f;
      const std::string_view size = word(rest);
      std::from_chars(size.data(), size.data() + size.size(), f.size);
      f.hash = word(rest);
      f.name = rest;
      m.files.push_back(std::move(f));
    }
  }
  if (m.id.empty() || m.files.empty() || m.id.find_first_of("/.") != std::string::npos)
    return Status(Code::kDataLoss, path + ": names no backup id or no file");
  auto present = ListFiles(dir + "/db");
  if (!present.ok()) return present.status();
  for (const auto& name : *present)
    if (std::none_of(m.files.begin(), m.files.end(), [&](const auto& f) { return f.name == "db/" + name; }))
      return Status(Code::kDataLoss, dir + "/db/" + name + ": a file the backup's manifest does not name");
  for (const auto& f : m.files) {
    if (f.name.find("..") != std::string::npos || !f.name.starts_with("db/"))
      return Status(Code::kDataLoss, path + ": names a file outside the backup");
    auto hash = HashFile(dir + "/" + f.name);
    if (!hash.ok()) return Status(Code::kDataLoss, dir + "/" + f.name + ": missing or unreadable");
    if (hash->first != f.hash || hash->second != f.size)
      return Status(Code::kDataLoss, dir + "/" + f.name + ": altered or truncated since the backup was taken");
  }
  return m;
}

// Before a restore replaces the region's database: opened once (refused
// while another process serves it), so that its erasure markers are all in
// the journal. Without one to open, or one that does not open, the journal
// cannot be checked: refused unless `unreadable` says to go on (`warning`
// then says so).
Status CheckReplaced(const RegionConfig& region, const std::string& data_dir, const std::string& key_dir,
                     const Cell::Options& options, const std::string& backup_id, UnreadableDatabase unreadable,
                     std::string& warning, bool& already_removed) {
  const std::string region_dir = data_dir + "/" + region.id, restoring = region_dir + ".restoring";
  std::error_code ec;
  const fs::file_type type = fs::symlink_status(region_dir, ec).type();  // a link is not followed
  if (type != fs::file_type::not_found && type != fs::file_type::directory)
    return Status(Code::kFailedPrecondition, region_dir + ": not a directory of its own (a link or a file): a restore "
                                                          "replaces the region's directory, never what it points at");
  // A restore cut short is finished by the same backup; once the run that
  // began it had checked and removed the database, there is none to check.
  if (fs::exists(restoring, ec)) {
    const std::vector<std::string> begun = Lines(restoring);
    const std::string id = begun.empty() ? std::string() : begun[0];
    if (id != backup_id)
      return Status(Code::kFailedPrecondition, restoring + ": a restore of backup " + id.substr(0, 64) +
                                                   " did not finish: run confide restore again with that backup");
    // The region's lock kept every other process out since: what the
    // directory holds is what the cut run left of the database it removed,
    // of the backup's files it copied, and of its own open of them. All of
    // it is removed and the backup copied again.
    if (begun.size() > 1 && begun[1] == kRemovedLine) {
      already_removed = true;
      return {};
    }
    // Written by a release before this one (which wrote `removed` only
    // after the removal): the database may be there whole, so it is
    // checked again; if that run was cut mid-removal, the check refuses
    // and --replace-unreadable finishes it.
    fs::remove(restoring, ec);
    if (ec) return IoError(restoring, ec);
  }
  if (!fs::exists(region_dir + "/CURRENT", ec)) {
    // Opening would create an empty database: there is nothing to check.
    if (unreadable == UnreadableDatabase::kRefuse)
      return Status(Code::kFailedPrecondition,
                    region_dir + ": no database of region " + region.id + " is here to check " + key_dir + "/" +
                        region.id + ".erased against (a lost disk?): erasures it alone held would not be made "
                        "again. Restore with --replace-unreadable once the journal is known to be whole");
    warning = "no database of region " + region.id + " was here to check the erasure journal against: the "
              "erasures replayed are the journal's alone (if " + key_dir + " was itself restored from a "
              "copy, erasures made after that copy are not in it)";
  } else {
    // The database replaced is opened first: refused while another process
    // serves it, and its erasures are journaled if an earlier release made them.
    auto live = Cell::Open(region, data_dir, key_dir, options);
    if (live.status().code() == Code::kUnavailable)
      return Status(Code::kUnavailable, "region " + region.id +
                                            " is open in another process (a running confide serve?): stop it first");
    if (!live.ok() && unreadable == UnreadableDatabase::kRefuse)
      return Status(Code::kFailedPrecondition,
                    region_dir + ": the region's database does not open (" + live.status().message() +
                        "): erasures it alone holds could not be checked against " + key_dir + "/" + region.id +
                        ".erased and made again. Repair what the error names; if the database cannot be read, "
                        "restore with --replace-unreadable once the journal is known to be whole");
    if (!live.ok()) warning = "the unreadable database replaced was not checked (" + live.status().message() + ")";
  }
  return {};
}

}  // namespace

Status CheckNoRestorePending(const std::string& data_dir, const std::string& region) {
  const std::string restoring = data_dir + "/" + region + ".restoring";
  std::error_code ec;
  if (!fs::exists(restoring, ec)) return {};
  return Status(Code::kFailedPrecondition,
                restoring + ": a restore of region " + region + " did not finish: run confide restore again");
}

Result<Cell::BackupReceipt> Cell::Backup(const std::string& dir, std::string id) {
  Impl& m = *impl_;
  if (m.bulk_on.load(std::memory_order_acquire))
    return Status(Code::kUnavailable, "an import is loading this region: back it up when it has finished");
  if (m.region.store == RegionConfig::Store::kPostgresql)  // refused before anything is made
    return m.store->Checkpoint(dir);
  std::error_code ec;
  // Inside the region's directory a restore would delete it; beside the
  // keys it would hold them.
  for (const std::string& forbidden : {m.region_dir, m.key_dir})
    if (Within(dir, forbidden))
      return Status(Code::kInvalidArgument, dir + ": lies inside " + forbidden + ": a backup goes elsewhere");
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec))
    return Status(Code::kAlreadyExists, dir + ": not empty: a backup goes into a new or empty directory");
  fs::create_directories(dir, ec);
  if (ec) return IoError(dir, ec);
  fs::permissions(dir, fs::perms::owner_all, ec);
  BackupReceipt receipt;
  receipt.taken_at = m.Now();
  receipt.id = id.empty() ? NewBackupId(receipt.taken_at) : std::move(id);
  WipedKeks copied;
  KekList& keks = copied.keks;
  Key256 pseudonym_key;
  {
    // Every data key in the copy is wrapped under a KEK copied here.
    absl::MutexLock one_rotation(&m.rotation_mu);
    CONFIDE_RETURN_IF_ERROR(m.store->Checkpoint(dir + "/db"));
    absl::MutexLock lock(&m.identity_mu);
    keks.emplace_back(m.keys.kek_version, m.keys.kek);
    keks.insert(keks.end(), m.keys.retired_keks.begin(), m.keys.retired_keks.end());
    pseudonym_key = m.keys.pseudonym_key;
  }
  const Key256 seal_key = BackupKey(pseudonym_key, 1), mac_key = BackupKey(pseudonym_key, 2);
  Wipe(pseudonym_key);

  std::string text = std::string(kManifestHeader) + "\nregion " + m.region.id + "\nid " + receipt.id + "\ntaken " +
                     std::to_string(receipt.taken_at) + "\n";
  auto files = ListFiles(dir + "/db");
  if (!files.ok()) return files.status();
  for (const auto& name : *files) {
    auto hash = HashFile(dir + "/db/" + name);
    if (!hash.ok()) return hash.status();
    text += "file " + std::to_string(hash->second) + " " + hash->first + " db/" + name + "\n";
    ++receipt.files;
    receipt.bytes += hash->second;
  }
  text += "mac " + Mac(mac_key, text) + "\n";
  CONFIDE_RETURN_IF_ERROR(WriteFileAtomically(dir + "/MANIFEST", text));
  // The keys last: a backup that failed before leaves none behind.
  receipt.keys_file = KeysFile(m.key_dir, m.region.id, receipt.id);
  CONFIDE_RETURN_IF_ERROR(WriteSealedKeks(receipt.keys_file, seal_key, keks));
  // From the rotation on, the copy's KEKs are in that file alone: deleting
  // it destroys the backup.
  auto rotated = RotateKeys();
  if (!rotated.ok())
    return Status(rotated.status().code(), "backup " + receipt.id + " taken, but the key rotation that leaves its " +
                                               "KEKs in " + receipt.keys_file + " alone failed: " +
                                               rotated.status().message() + " (run confide keys rotate)");
  return receipt;
}

Result<RestoreReceipt> RestoreRegion(const RegionConfig& region, const std::string& data_dir,
                                     const std::string& key_dir, const std::string& backup_dir,
                                     Cell::Options options, UnreadableDatabase unreadable) {
  RestoreReceipt receipt;
  WipedKeks restored;
  KekList& keks = restored.keks;
  Manifest manifest;
  {
    auto keys = LoadOrCreateRegionKeys(key_dir, region.id, /*create_if_missing=*/false);
    if (!keys.ok()) return keys.status();
    Key256 pseudonym_key = keys->pseudonym_key;
    WipeRegionKeys(*keys);
    auto verified = VerifiedManifest(backup_dir, region.id, pseudonym_key);
    const Key256 seal_key = BackupKey(pseudonym_key, 1);
    Wipe(pseudonym_key);
    if (!verified.ok()) return verified.status();
    manifest = std::move(*verified);
    const std::string keys_file = KeysFile(key_dir, region.id, manifest.id);
    Status read = ReadSealedKeks(keys_file, seal_key, keks);
    if (read.code() == Code::kNotFound)
      return Status(Code::kNotFound, keys_file + ": missing: the keys of backup " + manifest.id +
                                         " were deleted (the backup is destroyed) or the key directory is not the region's");
    CONFIDE_RETURN_IF_ERROR(read);
  }
  receipt.id = manifest.id;
  receipt.taken_at = manifest.taken_at;

  const std::string region_dir = data_dir + "/" + region.id, restoring = region_dir + ".restoring";
  std::error_code ec;
  if (Within(backup_dir, region_dir))
    return Status(Code::kInvalidArgument, backup_dir + ": lies inside " + region_dir + ", which a restore replaces");
  // Held from the check of the database replaced to the end: no other
  // process opens the region in between (store/directory_lock.h).
  auto lock = DirectoryLock::Take(region_dir);
  if (!lock.ok()) return lock.status();
  bool already_removed = false;
  CONFIDE_RETURN_IF_ERROR(
      CheckReplaced(region, data_dir, key_dir, options, manifest.id, unreadable, receipt.warning, already_removed));
  // Checked: from here a run cut short removes and copies again (a removal
  // cut half way would fail the check of step 2).
  if (!already_removed)
    CONFIDE_RETURN_IF_ERROR(WriteFileAtomically(restoring, manifest.id + "\n" + std::string(kRemovedLine) + "\n"));
  fs::remove_all(region_dir, ec);
  if (ec) return IoError(region_dir, ec);
  for (const auto& f : manifest.files) {
    const fs::path to = fs::path(region_dir) / fs::path(f.name).lexically_relative("db");
    fs::create_directories(to.parent_path(), ec);
    if (!ec) fs::copy_file(fs::path(backup_dir) / f.name, to, ec);
    if (ec) return IoError(to.string(), ec);
    CONFIDE_RETURN_IF_ERROR(SyncPath(to.string()));
    ++receipt.files;
    receipt.bytes += f.size;
  }
  CONFIDE_RETURN_IF_ERROR(SyncPath(region_dir));

  options.restored_keks = &keks;
  auto cell = Cell::Open(region, data_dir, key_dir, options);
  if (!cell.ok()) return cell.status();
  receipt.erasures_replayed = (*cell)->erasures_replayed();
  auto rotated = (*cell)->RotateKeys();
  if (!rotated.ok()) return rotated.status();
  receipt.kek_version = rotated->new_version;
  receipt.data_keys = rotated->rewrapped;
  auto logged = (*cell)->audit().Append(
      AuditAction::kKeyOperation, "cli", "", "",
      "restored from backup " + manifest.id + " taken " + FormatRfc3339(manifest.taken_at) +
          ": erasures replayed=" + std::to_string(receipt.erasures_replayed) + ", kek rotated " +
          std::to_string(rotated->old_version) + "->" + std::to_string(rotated->new_version),
      (*cell)->clock().Now());
  if (!logged.ok()) return logged.status();
  cell->reset();
  fs::remove(restoring, ec);
  if (ec) return IoError(restoring, ec);
  CONFIDE_RETURN_IF_ERROR(SyncPath(data_dir));
  return receipt;
}

}  // namespace confide
