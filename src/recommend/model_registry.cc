#include "recommend/model_registry.h"

#include "core/bytes.h"

namespace confide {
namespace {

constexpr std::string_view kCurrent = "current";

std::string VersionKey(uint64_t version) {
  std::string key = "v";
  PutFixed64BE(key, version);
  return key;
}

}  // namespace

Result<std::vector<uint64_t>> ModelRegistry::Versions() {
  std::vector<uint64_t> versions;
  Status s = store_.ScanPrefix(Family::kModels, "v", [&](std::string_view k, std::string_view) {
    if (k.size() == 9) versions.push_back(GetFixed64BE(k.substr(1)));
    return true;
  });
  if (!s.ok()) return s;
  return versions;
}

Result<uint64_t> ModelRegistry::Publish(ModelSet& models) {
  auto versions = Versions();
  if (!versions.ok()) return versions.status();
  models.version = versions->empty() ? 1 : versions->back() + 1;
  std::string value;
  models.Serialize(value);
  WriteBatch batch;
  batch.Put(Family::kModels, VersionKey(models.version), value);
  std::string current;
  PutFixed64BE(current, models.version);
  batch.Put(Family::kModels, kCurrent, current);
  for (size_t i = 0; i + kKeptVersions < versions->size() + 1; ++i) batch.Delete(Family::kModels, VersionKey((*versions)[i]));
  CONFIDE_RETURN_IF_ERROR(store_.Write(batch));
  return models.version;
}

Result<uint64_t> ModelRegistry::CurrentVersion() {
  auto current = store_.Get(Family::kModels, kCurrent);
  if (!current.ok()) return current.status();
  if (!current->has_value()) return uint64_t{0};
  if ((*current)->size() != 8) return Status(Code::kDataLoss, "model registry: malformed current version");
  return GetFixed64BE(**current);
}

Result<std::optional<ModelSet>> ModelRegistry::LoadCurrent() {
  auto current = CurrentVersion();
  if (!current.ok()) return current.status();
  if (*current == 0) return std::optional<ModelSet>();
  auto value = store_.Get(Family::kModels, VersionKey(*current));
  if (!value.ok()) return value.status();
  if (!value->has_value()) return Status(Code::kDataLoss, "model registry: current version missing");
  auto models = ModelSet::Deserialize(**value);
  if (!models.ok()) return models.status();
  return std::optional<ModelSet>(std::move(*models));
}

}  // namespace confide
