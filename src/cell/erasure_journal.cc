#include "cell/erasure_journal.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "crypto/secret_file.h"

namespace confide {
namespace {

constexpr std::string_view kHeader = "confide-erasure-journal-v1\n";
constexpr size_t kPseudonymBytes = 16, kMarkerBytes = 15, kMacBytes = 16;
constexpr size_t kRecordBytes = kPseudonymBytes + kMarkerBytes + kMacBytes;

Status IoError(const std::string& path, const char* what) {
  return Status(Code::kIoError, path + ": " + what + ": " + std::strerror(errno));
}

std::string Mac(const Key256& key, std::string_view previous, std::string_view pseudonym, std::string_view marker) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, key.data(), key.size(), kMacBytes);
  for (std::string_view part : {previous, pseudonym, marker})
    crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(part.data()), part.size());
  std::string mac(kMacBytes, '\0');
  crypto_generichash_final(&st, reinterpret_cast<unsigned char*>(mac.data()), mac.size());
  return mac;
}

}  // namespace

ErasureJournal::ErasureJournal(std::string path, int fd, const Key256& mac_key)
    : path_(std::move(path)), fd_(fd), mac_key_(mac_key), last_mac_(kMacBytes, '\0') {}

ErasureJournal::~ErasureJournal() {
  ::close(fd_);
  Wipe(mac_key_);
}

Result<std::unique_ptr<ErasureJournal>> ErasureJournal::Open(const std::string& path, const Key256& pseudonym_key) {
  auto text = ReadSecretFile(path);
  if (text.status().code() == Code::kNotFound) {
    CONFIDE_RETURN_IF_ERROR(WriteSecretFile(path, std::string(kHeader)));
    text = std::string(kHeader);
  }
  if (!text.ok()) return text.status();
  if (!std::string_view(*text).starts_with(kHeader))
    return Status(Code::kDataLoss, path + ": not an erasure journal (its first line is not \"" +
                                       std::string(kHeader.substr(0, kHeader.size() - 1)) + "\")");
  Key256 mac_key;
  crypto_kdf_derive_from_key(mac_key.data(), mac_key.size(), 1, "conf-jnl", pseudonym_key.data());
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    Wipe(mac_key);
    return IoError(path, "cannot open for appending");
  }
  std::unique_ptr<ErasureJournal> journal(new ErasureJournal(path, fd, mac_key));
  Wipe(mac_key);
  std::string_view records = std::string_view(*text).substr(kHeader.size());
  const size_t whole = records.size() / kRecordBytes * kRecordBytes;
  for (size_t at = 0; at < whole; at += kRecordBytes) {
    std::string_view r = records.substr(at, kRecordBytes);
    Entry e{std::string(r.substr(0, kPseudonymBytes)), std::string(r.substr(kPseudonymBytes, kMarkerBytes))};
    std::string mac = Mac(journal->mac_key_, journal->last_mac_, e.pseudonym, e.marker);
    if (sodium_memcmp(mac.data(), r.data() + kPseudonymBytes + kMarkerBytes, kMacBytes) != 0)
      return Status(Code::kDataLoss, path + ": record " + std::to_string(at / kRecordBytes + 1) +
                                         " does not verify: the journal was altered or is another region's");
    journal->last_mac_ = std::move(mac);
    journal->entries_.push_back(std::move(e));
  }
  // A torn record: an append cut by a crash, never acknowledged.
  journal->size_ = static_cast<off_t>(kHeader.size() + whole);
  if (whole != records.size() && ::ftruncate(fd, journal->size_) != 0)
    return IoError(path, "cannot drop a torn last record");
  return journal;
}

Status ErasureJournal::Append(std::span<const Entry> entries) {
  std::string out, mac = last_mac_;
  out.reserve(entries.size() * kRecordBytes);
  for (const Entry& e : entries) {
    if (e.pseudonym.size() != kPseudonymBytes || e.marker.size() != kMarkerBytes)
      return Status(Code::kInternal, path_ + ": a journal record must be a 16-byte pseudonym and a 15-byte marker");
    mac = Mac(mac_key_, mac, e.pseudonym, e.marker);
    out.append(e.pseudonym).append(e.marker).append(mac);
  }
  if (broken_) return Status(Code::kIoError, path_ + ": an earlier append failed and could not be undone");
  Status failed;
  for (size_t done = 0; done < out.size() && failed.ok();) {
    const ssize_t n = ::write(fd_, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) failed = IoError(path_, "cannot append");
    else done += static_cast<size_t>(n);
  }
  if (failed.ok() && ::fdatasync(fd_) != 0) failed = IoError(path_, "cannot sync");
  if (!failed.ok()) {
    // Records chained after a part left behind would not verify: the part
    // goes. If it cannot, nothing more is appended until the next open,
    // which drops a torn record and keeps whole ones (an erasure not
    // acknowledged, completed by the replay).
    broken_ = ::ftruncate(fd_, size_) != 0;
    return failed;
  }
  undo_size_ = size_;
  undo_mac_ = std::move(last_mac_);
  undo_entries_ = entries_.size();
  size_ += static_cast<off_t>(out.size());
  last_mac_ = std::move(mac);
  entries_.insert(entries_.end(), entries.begin(), entries.end());
  return {};
}

Status ErasureJournal::UndoLastAppend() {
  if (broken_ || undo_mac_.empty()) return Status(Code::kIoError, path_ + ": no append to take back");
  broken_ = ::ftruncate(fd_, undo_size_) != 0 || ::fdatasync(fd_) != 0;
  if (broken_) return IoError(path_, "cannot take back the last append");
  size_ = undo_size_;
  last_mac_ = std::move(undo_mac_);
  undo_mac_.clear();
  entries_.resize(undo_entries_);
  return {};
}


}  // namespace confide
