#include "cli/event_file_flags.h"

namespace confide::cli {

Status ApplyEventFileFlags(const EventFileFlags& flags, ImportKind kind, ReaderOptions& reader,
                           EventDefaults& defaults) {
  auto bad = [](std::string line) { return Status(Code::kInvalidArgument, std::move(line)); };
  auto field_map = ParseFieldMap(flags.map);
  if (!field_map.ok()) return bad("--map: " + field_map.status().message());
  if (Status targets = CheckMapTargets(*field_map, kind); !targets.ok()) return bad("--map: " + targets.message());
  reader.map = std::move(*field_map);
  if (!flags.type.empty()) {
    defaults.type = ParseEventType(flags.type);
    if (!defaults.type) return bad("--type: unknown event type \"" + flags.type + "\"");
  }
  if (!flags.channel.empty()) {
    defaults.channel = ParseChannel(flags.channel);
    if (!defaults.channel) return bad("--channel: unknown channel \"" + flags.channel + "\"");
  }
  if (flags.guests != "anonymous" && flags.guests != "reject") return bad("--guests: must be anonymous or reject");
  defaults.currency = flags.currency;
  defaults.guest_per_order = flags.guests == "anonymous";
  defaults.negative_purchase_is_return = true;
  defaults.loose_timestamps = true;
  return {};
}

}  // namespace confide::cli
