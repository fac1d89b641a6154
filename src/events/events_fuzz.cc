// libFuzzer target for what a request carries and what the store gives
// back: a body of event items (JSON array or NDJSON) turned into events, a
// URL target and its query string, and a stored event row. Every input must
// parse or be refused with an error naming what is wrong, never crash, hang
// or leak; an event that validates must survive the storage codec
// unchanged, and a stored row that is not the codec's is kDataLoss.
// Built and run by `make fuzz` (clang++ -fsanitize=fuzzer,address,undefined).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "events/event.h"
#include "events/json_records.h"
#include "server/url.h"

namespace {

using namespace confide;

[[noreturn]] void Fail(const char* what, const Status& status) {
  std::fprintf(stderr, "%s: %s\n", what, status.ToString().c_str());
  std::abort();
}

void Body(std::string_view text) {
  JsonLimits limits;
  limits.max_items = 200;
  auto item = [](size_t, const Record& record) {
    auto event = EventFromRecord(record);
    if (!event.ok()) {
      if (event.status().code() != Code::kInvalidArgument || event.status().field().empty())
        Fail("an item refused without naming its field", event.status());
      return;
    }
    std::string stored;
    EncodeEvent(*event, stored);
    auto back = DecodeEvent(stored);
    if (!back.ok() || back->event_id != event->event_id || back->timestamp != event->timestamp ||
        back->product_id != event->product_id || back->properties != event->properties)
      std::abort();
  };
  auto bad = [](size_t, std::string, std::string reason) {
    if (reason.empty()) std::abort();
  };
  Status status = ParseJsonItems(text, limits, item, bad);
  if (!status.ok() && status.code() != Code::kInvalidArgument && status.code() != Code::kResourceExhausted)
    std::abort();
}

void Target(std::string_view text) {
  auto [path, query] = SplitTarget(text);
  if (path.size() + query.size() > text.size()) std::abort();
  PercentDecode(path);
  auto params = ParseQuery(query);
  if (!params.ok() && params.status().message().empty()) std::abort();
}

void StoredRow(std::string_view text) {
  auto event = DecodeEvent(text);
  if (!event.ok() && event.status().code() != Code::kDataLoss) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Body(text);
  Target(text);
  StoredRow(text);
  return 0;
}
