#include "cli/migrate.h"

#include "store/postgresql_store.h"

namespace confide::cli {

Status RunMigrate(const MigrateFlags& flags, std::FILE* out) {
  auto config = ResolveConfig(flags.config);
  if (!config.ok()) return config.status();
  auto region = HostedRegion(*config, flags.region);
  if (!region.ok()) return region.status();
  const RegionConfig& rc = **region;
  if (rc.store != RegionConfig::Store::kPostgresql)
    return Status(Code::kInvalidArgument,
                  "--region: region " + rc.id + " is kept in the embedded store, which needs no migration",
                  "region");
  auto from = MigratePostgresqlSchema({rc.postgresql, rc.postgresql_schema});
  if (!from.ok()) return from.status();
  std::fprintf(out, "{\"region\":\"%s\",\"schema\":\"%s\",\"from\":%d,\"to\":%d}\n", rc.id.c_str(),
               rc.postgresql_schema.c_str(), *from, kPostgresqlSchemaVersion);
  return {};
}

}  // namespace confide::cli
