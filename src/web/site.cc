#include "web/site.h"

#include <sodium.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "web/embedded_files.h"

namespace confide::web {
namespace {

constexpr std::string_view kAssets = "assets/";

std::string Hex(std::string_view bytes, size_t hex_chars) {
  unsigned char hash[16];
  crypto_generichash(hash, sizeof hash, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), nullptr, 0);
  char hex[2 * sizeof hash + 1];
  sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
  return std::string(hex, std::min(hex_chars, 2 * sizeof hash));
}

std::string ContentType(std::string_view path) {
  static const std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"}, {".mjs", "text/javascript; charset=utf-8"},
      {".json", "application/json"}, {".svg", "image/svg+xml"}, {".png", "image/png"},
      {".ico", "image/x-icon"}, {".woff2", "font/woff2"}, {".txt", "text/plain; charset=utf-8"}};
  for (const auto& [ext, type] : kTypes)
    if (path.ends_with(ext)) return std::string(type);
  return "application/octet-stream";
}

bool IsText(std::string_view path) {
  return path.ends_with(".html") || path.ends_with(".css") || path.ends_with(".js") || path.ends_with(".mjs");
}

// Whether the site serves the file: the pages (index.html of a folder) and
// the assets.
// Hidden files and folders (an editor's swap file, .git, .env) never are.
bool Served(std::string_view path) {
  if (path.starts_with('.') || path.find("/.") != std::string_view::npos) return false;
  return path.starts_with(kAssets) || path == "index.html" || path.ends_with("/index.html");
}

// "/assets/<name>" -> "/assets/<version>/<name>" for every asset named.
std::string RewriteAssetReferences(std::string_view text, const std::set<std::string, std::less<>>& assets,
                                   std::string_view version) {
  constexpr std::string_view kPrefix = "/assets/";
  auto is_name_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == '/';
  };
  std::string out;
  size_t at = 0;
  for (size_t found; (found = text.find(kPrefix, at)) != std::string_view::npos;) {
    size_t end = found + kPrefix.size();
    while (end < text.size() && is_name_char(text[end])) ++end;
    const std::string_view name = text.substr(found + kPrefix.size(), end - found - kPrefix.size());
    out.append(text.substr(at, end - at));
    if (assets.count(name)) out.insert(out.size() - name.size(), std::string(version) + "/");
    at = end;
  }
  out.append(text.substr(at));
  return out;
}

}  // namespace

Site Site::FromFiles(const std::vector<std::pair<std::string, std::string>>& files) {
  std::vector<std::pair<std::string, std::string>> served;
  for (const auto& file : files)
    if (Served(file.first)) served.push_back(file);
  std::sort(served.begin(), served.end());
  std::string all;
  std::set<std::string, std::less<>> assets;
  for (const auto& [path, body] : served) {
    all += path + '\0' + Hex(body, 32) + '\0';
    if (path.starts_with(kAssets)) assets.insert(path.substr(kAssets.size()));
  }
  Site site;
  site.version_ = Hex(all, 12);
  for (const auto& [path, body] : served) {
    Page page;
    page.content_type = ContentType(path);
    page.html = path.ends_with(".html");
    page.body = IsText(path) ? RewriteAssetReferences(body, assets, site.version_) : body;
    page.etag = '"' + Hex(page.body, 24) + '"';
    std::string request_path =
        path.starts_with(kAssets) ? "/assets/" + site.version_ + "/" + path.substr(kAssets.size())
                                  : "/" + path.substr(0, path.size() - std::string_view("index.html").size());
    site.pages_.emplace(std::move(request_path), std::move(page));
  }
  return site;
}

const Site& Site::Embedded() {
  static const Site site = [] {
    std::vector<std::pair<std::string, std::string>> files;
    for (const EmbeddedFile& f : EmbeddedFiles()) files.emplace_back(std::string(f.path), std::string(f.body));
    return FromFiles(files);
  }();
  return site;
}

Result<Site> Site::FromDirectory(const std::string& root) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return Status(Code::kNotFound, "web root " + root + " is not a directory");
  std::vector<std::pair<std::string, std::string>> files;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const std::string rel = fs::relative(it->path(), root, ec).generic_string();
    if (it->is_directory() && (rel == "tests" || it->path().filename() == "node_modules")) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file() || !Served(rel)) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    files.emplace_back(rel, body.str());
  }
  if (ec) return Status(Code::kInternal, "web root " + root + ": " + ec.message());
  return FromFiles(files);
}

const Page* Site::Find(std::string_view path) const {
  auto it = pages_.find(path);
  return it == pages_.end() ? nullptr : &it->second;
}

const std::vector<std::pair<std::string, std::string>>& HtmlSecurityHeaders() {
  static const std::vector<std::pair<std::string, std::string>> headers = {
      {"Content-Security-Policy",
       "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; require-trusted-types-for 'script'; "
       "trusted-types 'none'"},
      {"X-Frame-Options", "DENY"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"Cross-Origin-Opener-Policy", "same-origin"},
      {"Cross-Origin-Resource-Policy", "same-origin"},
      {"Cache-Control", "no-store"}};
  return headers;
}

}  // namespace confide::web
