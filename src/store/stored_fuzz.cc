// libFuzzer target for rows the store gives back that are not events or
// consent records (events_fuzz.cc and consent_fuzz.cc have those): a
// trained model set, an audit record and a privacy-budget charge. Each
// row is the fuzzer's bytes as they are, or a valid row with the fuzzer's
// bytes written over it or cutting it short, so that the search gets past
// the version bytes into the structure. Every row must decode or be
// refused with kDataLoss, never crash, hang or allocate without bound; a
// row that decodes must encode to bytes that decode to the same again.
// Built and run by `make fuzz` (clang++ -fsanitize=fuzzer,address,undefined).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "analytics/budget_ledger.h"
#include "privacy/audit_log.h"
#include "recommend/model_set.h"
#include "recommend/test_grocery.h"
#include "testing/fuzz_row.h"

namespace {

using namespace confide;
using analytics::Charge;
using analytics::DecodeCharge;
using analytics::EncodeCharge;

[[noreturn]] void Fail(const char* what, const Status& status) {
  std::fprintf(stderr, "%s: %s\n", what, status.ToString().c_str());
  std::abort();
}

const std::string& ValidModelSet() {
  static const std::string bytes = [] {
    TrainOptions options;
    options.als.factors = 4;
    options.als.iterations = 2;
    auto models = TrainModelSet(grocery::Grocery(), options);
    if (!models.ok()) Fail("training the seed model set", models.status());
    std::string out;
    models->Serialize(out);
    return out;
  }();
  return bytes;
}

const std::string& ValidAuditRecord() {
  static const std::string bytes = [] {
    AuditEntry e;
    e.seq = 7;
    e.time = 1'700'000'000'000'000;
    e.action = AuditAction::kErasure;
    e.key_id = "ck_0123456789abcdef";
    e.purpose = "personalization";
    e.subject = "0123456789abcdef0123456789abcdef";
    e.details = "events=3";
    e.prev_hash.assign(32, '\1');
    e.hash.assign(32, '\2');
    return EncodeAuditEntry(e);
  }();
  return bytes;
}

const std::string& ValidCharge() {
  static const std::string bytes = [] {
    Charge c;
    c.seq = 3;
    c.months = {"2026-10", "2026-11"};
    c.time = 1'700'000'000'000'000;
    c.nano_rho = 10'000'000;
    c.pico_delta = 1'000;
    c.key_id = "cli";
    c.query = R"({"query":"top_products","rho":0.01})";
    c.answered = true;
    c.answer = R"({"rows":[]})";
    return EncodeCharge(c);
  }();
  return bytes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  switch (data[0] & 3) {  // the decoder; bits 2-3 are FuzzRow's
    case 0:
    case 1:
      ReEncodes("model set", FuzzRow(input, ValidModelSet()), ModelSet::Deserialize, [](const ModelSet& m) {
        std::string out;
        m.Serialize(out);
        return out;
      });
      break;
    case 2:
      ReEncodes("audit record", FuzzRow(input, ValidAuditRecord()), DecodeAuditEntry, EncodeAuditEntry);
      break;
    default:
      ReEncodes("budget charge", FuzzRow(input, ValidCharge()), DecodeCharge, EncodeCharge);
  }
  return 0;
}
