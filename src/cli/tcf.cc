#include "cli/tcf.h"

#include "consent/tcf.h"

namespace confide::cli {

Status RunTcfDecode(const TcfDecodeFlags& flags, std::FILE* out) {
  // The line says "field: why", which ToString gives.
  auto tc = DecodeTcString(flags.text);
  if (!tc.ok()) return Status(tc.status().code(), tc.status().ToString());
  uint32_t vendor_id = 0;
  if (flags.vendor_id) {
    vendor_id = *flags.vendor_id;
  } else {
    auto config = ResolveConfig(flags.config);
    if (!config.ok()) return Status(config.status().code(), config.status().ToString());
    vendor_id = config->tcf_vendor_id;
  }
  TcfVerdict verdict = ValidateTcString(*tc, vendor_id);
  std::string json = TcStringToJson(*tc, &verdict);
  std::fwrite(json.data(), 1, json.size(), out);
  std::fputc('\n', out);
  return {};
}

}  // namespace confide::cli
