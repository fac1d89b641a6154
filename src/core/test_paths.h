// For tests only: where the shared data sets and the built `confide`
// binary are. Environment variables CONFIDE_SHARED_DATA and CONFIDE_BINARY
// override the defaults the build compiles in (see confide_test()).
#pragma once

#include <cstdlib>
#include <string>

namespace confide {

inline std::string SharedDataDir() {
  if (const char* env = std::getenv("CONFIDE_SHARED_DATA")) return env;
#ifdef CONFIDE_SHARED_DATA_DEFAULT
  return CONFIDE_SHARED_DATA_DEFAULT;
#else
  return "../shared/data";
#endif
}

inline std::string ConfideBinary() {
  if (const char* env = std::getenv("CONFIDE_BINARY")) return env;
#ifdef CONFIDE_BINARY_DEFAULT
  return CONFIDE_BINARY_DEFAULT;
#else
  return "confide";
#endif
}

}  // namespace confide
