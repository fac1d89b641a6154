// The files of the web/ folder compiled into the binary (the pages' HTML and
// everything under web/assets/), generated at build time by
// cmake/embed_files.cmake. The browser tests (web/tests/) are not among them.
#pragma once

#include <string_view>
#include <vector>

namespace confide::web {

struct EmbeddedFile {
  std::string_view path;  // relative to web/, e.g. "privacy/index.html"
  std::string_view body;
};

// Sorted by path; lives as long as the process.
const std::vector<EmbeddedFile>& EmbeddedFiles();

}  // namespace confide::web
