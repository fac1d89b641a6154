// Everything held about one shopper, read without a Grant: the
// data-subject and operations views (admin and DSAR routes only).
#include <algorithm>
#include <map>
#include <tuple>

#include "cell/cell_impl.h"
#include "core/json_writer.h"

namespace confide {

Result<std::optional<Cell::ShopperData>> Cell::ReadShopper(IdKind kind, std::string_view id) {
  Impl& m = *impl_;
  CONFIDE_RETURN_IF_ERROR(m.HealIfDiverged());
  std::string pseudonym = m.PseudonymOf(kind, id);
  MemberKeys members;
  ShopperData data;
  {
    absl::MutexLock lock(&m.identity_mu);
    auto root = m.graph.Find(pseudonym);
    if (!root) return std::optional<ShopperData>();
    members = m.MembersWithKeysLocked(*root);
    data.consent = m.ConsentViewLocked(*root);
  }
  CONFIDE_RETURN_IF_ERROR(
      m.ScanSealed(members, Family::kShoppers, "i", [&](std::string_view k, std::string_view raw) {
        data.linked_ids.push_back({static_cast<IdKind>(k[17]), std::string(raw)});
        return Status();
      }));
  CONFIDE_RETURN_IF_ERROR(m.ScanEvents(members, [&](Event&& e) { data.events.push_back(std::move(e)); }));
  std::sort(data.linked_ids.begin(), data.linked_ids.end(), [](const auto& a, const auto& b) {
    return std::tie(a.kind, a.value) < std::tie(b.kind, b.value);
  });
  std::stable_sort(data.events.begin(), data.events.end(),
                   [](const Event& a, const Event& b) { return a.timestamp < b.timestamp; });
  return std::optional<ShopperData>(std::move(data));
}

Profile ProfileOf(const Cell::ShopperData& data) {
  Profile p;
  p.linked_ids = data.linked_ids;
  std::map<std::string, uint64_t> store_visits;
  for (const Event& e : data.events) {
    if (p.events == 0 || e.timestamp < p.first_seen) p.first_seen = e.timestamp;
    if (p.events == 0 || e.timestamp > p.last_seen) p.last_seen = e.timestamp;
    ++p.events;
    ++p.by_type[static_cast<size_t>(e.type)];
    ++p.by_channel[static_cast<size_t>(e.channel)];
    if (e.channel == Channel::kStore && !e.store_id.empty()) ++store_visits[e.store_id];
  }
  uint64_t best = 0;
  for (const auto& [store_id, visits] : store_visits)
    if (visits > best) best = visits, p.home_store = store_id;
  return p;
}

Result<std::optional<Profile>> Cell::GetProfile(IdKind kind, std::string_view id) {
  auto data = ReadShopper(kind, id);
  if (!data.ok()) return data.status();
  if (!data->has_value()) return std::optional<Profile>();
  return std::optional<Profile>(ProfileOf(**data));
}

std::string ProfileToJson(const Profile& p) {
  JsonWriter w;
  w.BeginObject();
  WriteProfileFields(w, p);
  w.EndObject();
  return w.Take();
}

void WriteProfileFields(JsonWriter& w, const Profile& p) {
  w.Key("linked_ids").BeginObject();
  for (size_t k = 0; k < kIdKindCount; ++k) {
    w.Key(IdKindField(static_cast<IdKind>(k))).BeginArray();
    for (const auto& id : p.linked_ids)
      if (static_cast<size_t>(id.kind) == k) w.String(id.value);
    w.EndArray();
  }
  w.EndObject().Key("events").Uint(p.events).Key("by_type").BeginObject();
  for (size_t t = 0; t < kEventTypeCount; ++t)
    if (p.by_type[t]) w.Key(EventTypeName(static_cast<EventType>(t))).Uint(p.by_type[t]);
  w.EndObject().Key("by_channel").BeginObject();
  for (size_t c = 0; c < kChannelCount; ++c)
    if (p.by_channel[c]) w.Key(ChannelName(static_cast<Channel>(c))).Uint(p.by_channel[c]);
  w.EndObject();
  if (p.events) {
    w.Key("first_seen").String(FormatRfc3339(p.first_seen)).Key("last_seen").String(FormatRfc3339(p.last_seen));
  } else {
    w.Key("first_seen").Null().Key("last_seen").Null();
  }
  w.Key("home_store");
  if (p.home_store.empty()) w.Null();
  else w.String(p.home_store);
}

}  // namespace confide
