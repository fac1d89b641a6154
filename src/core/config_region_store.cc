// A region's store keys in [[regions]]: store, postgresql and
// postgresql_schema (docs/deployment.md).
#include <algorithm>
#include <cctype>
#include <string>

#include "core/config_reader.h"

namespace confide {
namespace {

// Whether a libpq connection string gives a password: a `password` key
// (key=value, or a URI parameter, percent-encoded or not, as libpq decodes
// it) or a URI's user:password@.
bool HoldsPassword(std::string_view conninfo) {
  std::string text;  // lower-cased, %XX decoded
  for (size_t i = 0; i < conninfo.size(); ++i) {
    char c = conninfo[i];
    if (c == '%' && i + 2 < conninfo.size() && std::isxdigit(static_cast<unsigned char>(conninfo[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(conninfo[i + 2]))) {
      c = static_cast<char>(std::stoi(std::string(conninfo.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    }
    text.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  for (size_t at = text.find("password"); at != std::string::npos; at = text.find("password", at + 1)) {
    const size_t next = text.find_first_not_of(" \t", at + 8);
    const bool starts_key = at == 0 || std::string_view(" \t?&").find(text[at - 1]) != std::string_view::npos;
    if (starts_key && next != std::string::npos && text[next] == '=') return true;
  }
  const size_t scheme = text.find("://");
  if (scheme == std::string::npos) return false;
  const size_t userinfo_end = text.find_first_of("@/?", scheme + 3);
  return userinfo_end != std::string::npos && text[userinfo_end] == '@' &&
         text.substr(scheme + 3, userinfo_end - scheme - 3).find(':') != std::string::npos;
}

}  // namespace

Status ParseRegionStore(const ConfigReader& r, const toml::table& t, const std::string& p, RegionConfig& rc) {
  std::string store = "rocksdb";
  CONFIDE_RETURN_IF_ERROR(r.String(t, p, "store", store));
  CONFIDE_RETURN_IF_ERROR(r.String(t, p, "postgresql", rc.postgresql));
  CONFIDE_RETURN_IF_ERROR(r.String(t, p, "postgresql_schema", rc.postgresql_schema));
  std::string nodes = "one";
  CONFIDE_RETURN_IF_ERROR(r.String(t, p, "nodes", nodes));
  if (nodes == "several")
    rc.several_nodes = true;
  else if (nodes != "one")
    return r.Error(p + "nodes", "must be \"one\" or \"several\", not \"" + nodes + "\"");
  if (store == "postgresql") {
    rc.store = RegionConfig::Store::kPostgresql;
  } else if (store != "rocksdb") {
    return r.Error(p + "store", "must be \"rocksdb\" or \"postgresql\", not \"" + store + "\"");
  }
  const bool postgresql = rc.store == RegionConfig::Store::kPostgresql;
  if (postgresql && rc.postgresql.empty())
    return r.Error(p + "postgresql", "is required with store = \"postgresql\": a connection string such as "
                                     "\"postgresql://db1,db2/confide?target_session_attrs=read-write\"");
  if (!postgresql && (!rc.postgresql.empty() || !rc.postgresql_schema.empty()))
    return r.Error(p + "store", "must be \"postgresql\" when postgresql or postgresql_schema is set");
  if (!postgresql && rc.several_nodes)
    return r.Error(p + "nodes", "\"several\" needs store = \"postgresql\": the embedded store is one node's");
  if (HoldsPassword(rc.postgresql))
    return r.Error(p + "postgresql", "holds a password: keep it out of the configuration (a PGPASSFILE, or "
                                     "PGPASSWORD in the environment)");
  if (rc.postgresql_schema.empty() && postgresql) {
    rc.postgresql_schema = "confide_" + rc.id;
    std::replace(rc.postgresql_schema.begin(), rc.postgresql_schema.end(), '-', '_');
  }
  const bool plain = std::all_of(rc.postgresql_schema.begin(), rc.postgresql_schema.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
  if (postgresql && (!plain || rc.postgresql_schema.size() > 63 || std::isdigit(rc.postgresql_schema[0])))
    return r.Error(p + "postgresql_schema", "must be 1-63 characters of a-z, 0-9 and _, not starting with a digit");
  return {};
}

}  // namespace confide
