// libFuzzer target for the TC string decoder: any input must decode or fail
// with kInvalidArgument naming a field, never crash, hang or leak; decoded
// strings must also survive validation and JSON output.
// Built and run by `make fuzz` (clang++ -fsanitize=fuzzer,address,undefined).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "consent/tcf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto decoded = confide::DecodeTcString(text);
  if (!decoded.ok()) {
    const auto& status = decoded.status();
    if (status.code() != confide::Code::kInvalidArgument || status.field().empty() || status.message().empty())
      std::abort();
    return 0;
  }
  const confide::TcString& tc = *decoded;
  confide::TcfVerdict verdict = confide::ValidateTcString(tc, 755);
  // JSON spells out every id a range covers; cap the work per input so the
  // fuzzer explores inputs rather than printing 65,535-id arrays.
  size_t ids = tc.vendor_consents.vendors.Count() + tc.vendor_legitimate_interests.vendors.Count();
  for (const auto& r : tc.publisher_restrictions) ids += r.vendors.Count();
  if (tc.disclosed_vendors) ids += tc.disclosed_vendors->vendors.Count();
  if (tc.allowed_vendors) ids += tc.allowed_vendors->vendors.Count();
  if (ids > 200'000) return 0;
  std::string json = confide::TcStringToJson(tc, &verdict);
  if (json.empty() || json.front() != '{' || json.back() != '}') std::abort();
  return 0;
}
