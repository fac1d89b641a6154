// audit_tamper: edits one audit record of a region's store in place, as
// someone with write access to the disk could, keeping its old hash, so
// that a test can show the chain's verification naming it. For tests only;
// the server must be stopped while it runs.
//   audit_tamper --data-dir DIR --region REGION --seq N
#include <charconv>
#include <cstdio>
#include <string>
#include <string_view>

#include "privacy/audit_log.h"
#include "store/store.h"

namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "audit_tamper: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace confide;
  std::string data_dir, region;
  uint64_t seq = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view flag = argv[i], value = argv[i + 1];
    if (flag == "--data-dir") data_dir = value;
    else if (flag == "--region") region = value;
    else if (flag == "--seq") std::from_chars(value.data(), value.data() + value.size(), seq);
    else return Fail("unknown flag " + std::string(flag));
  }
  if (data_dir.empty() || region.empty() || seq == 0)
    return Fail("usage: audit_tamper --data-dir DIR --region REGION --seq N (N >= 1)");
  auto store = OpenRocksDbStore(data_dir + "/" + region);
  if (!store.ok()) return Fail(store.status().message());
  auto value = (*store)->Get(Family::kAudit, AuditKey(seq));
  if (!value.ok()) return Fail(value.status().message());
  if (!value->has_value()) return Fail("no record " + std::to_string(seq));
  auto entry = DecodeAuditEntry(**value);
  if (!entry.ok()) return Fail(entry.status().message());
  entry->details += " (edited)";
  WriteBatch batch;
  batch.Put(Family::kAudit, AuditKey(seq), EncodeAuditEntry(*entry));
  if (Status s = (*store)->Write(batch); !s.ok()) return Fail(s.message());
  return 0;
}
