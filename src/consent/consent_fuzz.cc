// libFuzzer target for consent as it arrives and as it is stored, and for
// the configuration that sets its policy: a consent body (`PUT
// .../consent`) with any evidence, purposes and TC string, a stored ledger
// record, and a configuration file. Every body must become a record or be
// refused with kInvalidArgument naming a field, never crash, hang or leak;
// a record made must survive the storage codec; a stored row that is not
// the codec's is kDataLoss; a configuration loads or is refused with a
// message.
// Built and run by `make fuzz` (clang++ -fsanitize=fuzzer,address,undefined).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "consent/consent_json.h"
#include "consent/consent_record.h"
#include "core/config.h"

namespace {

using namespace confide;

[[noreturn]] void Fail(const char* what, const Status& status) {
  std::fprintf(stderr, "%s: %s\n", what, status.ToString().c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const Micros now = 1'780'000'000LL * kMicrosPerSecond;
  RelayedEvidence relayed;
  auto record = ConsentRecordFromJson(text, now, "Mozilla/5.0", 755, &relayed);
  if (record.ok()) {
    auto back = DecodeConsentRecord(EncodeConsentRecord(*record));
    if (!back.ok()) Fail("a record made from a body does not survive the codec", back.status());
  } else if (record.status().code() != Code::kInvalidArgument || record.status().field().empty()) {
    Fail("a body refused without naming its field", record.status());
  }
  auto stored = DecodeConsentRecord(text);
  if (!stored.ok() && stored.status().code() != Code::kDataLoss) Fail("a stored row refused as", stored.status());
  auto config = ParseConfig(text, "fuzz.toml");
  if (!config.ok() && config.status().message().empty()) Fail("a configuration refused without a message", config.status());
  return 0;
}
