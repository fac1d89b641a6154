// Site: the pages `confide serve` answers outside the API, built from the
// files of the web/ folder (compiled in, or read from a directory while
// editing). What a request path names:
//   /<dir>/                  <dir>/index.html: HTML, never cached
//   /assets/<version>/<name> assets/<name>: served immutable; <version> is a
//                            hash of every file, so any change is a new URL
// References to "/assets/<name>" in the HTML, CSS and JS are rewritten to
// "/assets/<version>/<name>" as the site is built, so the pages are written
// without hashes. Other files (the browser tests under tests/) are not
// served.
//
// Thread-safe: a built Site is immutable.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace confide::web {

struct Page {
  std::string content_type;
  std::string body;
  std::string etag;   // a quoted strong validator of the body
  bool html = false;  // HTML gets the security headers and no-store
};

class Site {
 public:
  // `files`: path relative to the web folder, and body.
  static Site FromFiles(const std::vector<std::pair<std::string, std::string>>& files);
  // The site compiled into the binary.
  static const Site& Embedded();
  // The same files read from `root` (a web/ folder): kNotFound naming it
  // when it is not a directory.
  static Result<Site> FromDirectory(const std::string& root);

  // The page a request path (no query) names, or nullptr.
  const Page* Find(std::string_view path) const;
  const std::string& version() const { return version_; }

 private:
  std::string version_;
  std::map<std::string, Page, std::less<>> pages_;  // by request path
};

// The headers of every HTML response: a strict Content-Security-Policy
// (nothing inline, nothing from elsewhere, Trusted Types required) and the
// framing, sniffing, referrer and cross-origin isolation headers.
const std::vector<std::pair<std::string, std::string>>& HtmlSecurityHeaders();

}  // namespace confide::web
