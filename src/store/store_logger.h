// RocksDB's warnings and errors, into the process's log. Its own LOG file
// would sit in the region's directory, on the volume whose full disk it
// must report, and a LOG write failing there aborts the process.
#ifndef CONFIDE_STORE_STORE_LOGGER_H_
#define CONFIDE_STORE_STORE_LOGGER_H_

#include <rocksdb/env.h>

#include <cstdarg>
#include <string>

namespace confide {

class StoreLogger final : public rocksdb::Logger {
 public:
  // `dir`, the database's, names it in each line.
  explicit StoreLogger(std::string dir);
  void Logv(const char* format, va_list ap) override;
  void Logv(rocksdb::InfoLogLevel level, const char* format, va_list ap) override;

 private:
  const std::string dir_;
};

}  // namespace confide

#endif  // CONFIDE_STORE_STORE_LOGGER_H_
