#include "core/log.h"

#include <spdlog/sinks/stdout_sinks.h>

#include "core/json_writer.h"

namespace confide {

void InitLogging(std::string_view level) {
  spdlog::drop("confide");  // so that calling again replaces it
  auto logger = spdlog::stderr_logger_mt("confide");
  logger->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v})", spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(std::string(level)));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

std::string JsonEscape(std::string_view s) {
  std::string out;
  AppendJsonEscaped(out, s);
  return out;
}

}  // namespace confide
