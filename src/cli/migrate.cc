#include "cli/migrate.h"

#include <chrono>
#include <filesystem>

#include "cell/cell.h"
#include "cell/store_copy.h"
#include "core/json_writer.h"
#include "privacy/audit_log.h"
#include "store/postgresql_store.h"

namespace confide::cli {
namespace {

// The hosted region, when kept on PostgreSQL; else kInvalidArgument naming
// --region and saying `otherwise`.
Result<const RegionConfig*> RegionOnPostgresql(const Config& config, const std::string& id,
                                               const std::string& otherwise) {
  auto region = HostedRegion(config, id);
  if (!region.ok() || (*region)->store == RegionConfig::Store::kPostgresql) return region;
  return Status(Code::kInvalidArgument, "--region: region " + id + " " + otherwise, "region");
}

// The region's two stores, neither served meanwhile. The source is opened
// as a node opens it, as a cell, which replays the erasures of the
// region's journal (key_dir) it does not hold yet: a source left behind
// by an earlier move knows nothing of the erasures made since, and the
// copy must not bring those shoppers back. The cell holds the source (its
// directory's lock or its schema's node lease) until the copy ends; only
// then is the destination opened (created, for the embedded store).
struct RegionStores {
  std::unique_ptr<Cell> source;
  std::unique_ptr<Store> to;
};

Result<RegionStores> OpenBoth(const Config& config, const RegionConfig& rc, bool from_rocksdb) {
  const std::string dir = config.data_dir + "/" + rc.id;
  if (from_rocksdb && !std::filesystem::exists(dir + "/CURRENT"))
    return Status(Code::kNotFound, rc.id + ": no embedded data at " + dir + " (check --data-dir)");
  RegionConfig source = rc;
  source.store = from_rocksdb ? RegionConfig::Store::kRocksDb : RegionConfig::Store::kPostgresql;
  RegionStores stores;
  auto cell = Cell::Open(source, config.data_dir, config.key_dir, CellOptions(config));
  if (!cell.ok()) return Prefixed(rc.id + ": ", cell.status());
  stores.source = std::move(*cell);
  auto to = from_rocksdb ? OpenPostgresqlStore({rc.postgresql, rc.postgresql_schema}) : OpenRocksDbStore(dir);
  if (!to.ok()) return Prefixed(rc.id + ": ", to.status());
  stores.to = std::move(*to);
  return stores;
}

// At most one line a second, and one per family.
class CopyProgress {
 public:
  CopyProgress(std::FILE* out, const std::string& region) : out_(out), region_(region) {}
  void operator()(Family f, uint64_t copied) {
    const auto now = std::chrono::steady_clock::now();
    if (!out_ || (f == family_ && now - last_ < std::chrono::seconds(1))) return;
    family_ = f;
    last_ = now;
    std::fprintf(out_, "%s: copying %s, %s rows copied\n", region_.c_str(), FamilyName(f),
                 Thousands(copied).c_str());
    std::fflush(out_);
  }

 private:
  std::FILE* out_;
  std::string region_;
  std::optional<Family> family_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace

Status RunMigrate(const MigrateFlags& flags, std::FILE* out) {
  auto config = ResolveConfig(flags.config);
  if (!config.ok()) return config.status();
  auto region =
      RegionOnPostgresql(*config, flags.region, "is kept in the embedded store, which needs no migration");
  if (!region.ok()) return region.status();
  const RegionConfig& rc = **region;
  auto from = MigratePostgresqlSchema({rc.postgresql, rc.postgresql_schema});
  if (!from.ok()) return from.status();
  std::fprintf(out, "{\"region\":\"%s\",\"schema\":\"%s\",\"from\":%d,\"to\":%d}\n", rc.id.c_str(),
               rc.postgresql_schema.c_str(), *from, kPostgresqlSchemaVersion);
  return {};
}

Status RunMigrateStore(const MigrateStoreFlags& flags, std::FILE* out, std::FILE* progress) {
  const bool from_rocksdb = flags.from == "rocksdb" && flags.to == "postgresql";
  if (!from_rocksdb && !(flags.from == "postgresql" && flags.to == "rocksdb"))
    return FlagError("--from, --to: rocksdb and postgresql, one each, not \"" + flags.from + "\" and \"" +
                     flags.to + "\"");
  if (flags.batch_rows < 1) return FlagError("--batch-rows: must be at least 1");
  auto config = ResolveConfig(flags.config);
  if (!config.ok()) return config.status();
  auto region =
      RegionOnPostgresql(*config, flags.region,
                         "has no database configured: set its store = \"postgresql\" and postgresql first");
  if (!region.ok()) return region.status();
  const RegionConfig& rc = **region;
  auto stores = OpenBoth(*config, rc, from_rocksdb);
  if (!stores.ok()) return stores.status();
  Store& from = stores->source->store();
  Store& to = *stores->to;
  CopyProgress shown(flags.quiet ? nullptr : progress, rc.id);
  auto copied =
      CopyStore(from, to, {.batch_rows = static_cast<size_t>(flags.batch_rows), .progress = std::ref(shown)});
  if (!copied.ok()) return Prefixed(rc.id + ": ", copied.status());
  auto log = AuditLog::Open(to);
  if (!log.ok()) return Prefixed(rc.id + ": audit log: ", log.status());
  auto verified = (*log)->Verify();
  if (!verified.ok()) return Prefixed(rc.id + ": audit log: ", verified.status());
  if (!verified->ok) return Status(Code::kDataLoss, rc.id + ": the copy's audit chain: " + verified->problem);

  JsonWriter w;
  w.BeginObject().Key("region").String(rc.id).Key("from").String(flags.from).Key("to").String(flags.to);
  w.Key("resumed").Bool(copied->resumed).Key("rows").BeginObject();
  for (size_t f = 0; f < kFamilyCount; ++f) w.Key(FamilyName(static_cast<Family>(f))).Uint(copied->rows[f]);
  w.EndObject().Key("audit_records").Uint(verified->records).EndObject();
  std::fprintf(out, "%s\n", w.Take().c_str());
  return {};
}

}  // namespace confide::cli
