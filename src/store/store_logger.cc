#include "store/store_logger.h"

#include <spdlog/spdlog.h>

#include <cstdio>

#include "core/log.h"

namespace confide {

StoreLogger::StoreLogger(std::string dir)
    : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL), dir_(std::move(dir)) {}

void StoreLogger::Logv(const char* format, va_list ap) { Logv(rocksdb::InfoLogLevel::WARN_LEVEL, format, ap); }

void StoreLogger::Logv(rocksdb::InfoLogLevel level, const char* format, va_list ap) {
  if (level < GetInfoLogLevel()) return;
  char line[1024];
  std::vsnprintf(line, sizeof line, format, ap);
  spdlog::log(level >= rocksdb::InfoLogLevel::ERROR_LEVEL ? spdlog::level::err : spdlog::level::warn,
              R"("msg":"store: {}","dir":"{}")", JsonEscape(line), JsonEscape(dir_));
}

}  // namespace confide
