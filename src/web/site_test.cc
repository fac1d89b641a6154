#include "web/site.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/scratch_dir.h"

namespace confide::web {
namespace {

const std::vector<std::pair<std::string, std::string>> kFiles = {
    {"privacy/index.html", R"(<link rel="stylesheet" href="/assets/site.css"><script type="module" src="/assets/privacy.js"></script><a href="/assets/missing.js">)"},
    {"assets/privacy.js", "import { api } from '/assets/api.js';"},
    {"assets/api.js", "export const api = 1;"},
    {"assets/site.css", "body { margin: 0 }"},
    {"tests/run.mjs", "not served"},
    {"notes.html", "not a page"},
};

TEST(SiteTest, PagesByFolderAndAssetsUnderTheVersion) {
  Site site = Site::FromFiles(kFiles);
  ASSERT_EQ(site.version().size(), 12u);
  const Page* page = site.Find("/privacy/");
  ASSERT_NE(page, nullptr);
  EXPECT_TRUE(page->html);
  EXPECT_EQ(page->content_type, "text/html; charset=utf-8");
  const std::string v = site.version();
  EXPECT_NE(page->body.find("/assets/" + v + "/site.css"), std::string::npos) << page->body;
  EXPECT_NE(page->body.find("/assets/" + v + "/privacy.js"), std::string::npos) << page->body;
  EXPECT_NE(page->body.find(R"("/assets/missing.js")"), std::string::npos) << "not an asset: left alone";
  const Page* js = site.Find("/assets/" + v + "/privacy.js");
  ASSERT_NE(js, nullptr);
  EXPECT_FALSE(js->html);
  EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(js->body, "import { api } from '/assets/" + v + "/api.js';");
  EXPECT_EQ(site.Find("/assets/privacy.js"), nullptr) << "only under the version";
  EXPECT_EQ(site.Find("/assets/0123456789ab/privacy.js"), nullptr) << "nor under another";
  EXPECT_EQ(site.Find("/tests/run.mjs"), nullptr);
  EXPECT_EQ(site.Find("/notes.html"), nullptr);
  EXPECT_EQ(site.Find("/privacy/index.html"), nullptr);
}

TEST(SiteTest, AnyChangeIsANewVersionAndETag) {
  Site before = Site::FromFiles(kFiles);
  auto changed = kFiles;
  changed[2].second = "export const api = 2;";  // api.js only
  Site after = Site::FromFiles(changed);
  EXPECT_NE(before.version(), after.version()) << "a changed file must not be served from a cache";
  EXPECT_NE(before.Find("/privacy/")->etag, after.Find("/privacy/")->etag);
  EXPECT_EQ(Site::FromFiles(kFiles).version(), before.version()) << "the same files, the same version";
  EXPECT_EQ(before.Find("/privacy/")->etag.front(), '"');
}

TEST(SiteTest, ReadsADirectoryButNotItsTests) {
  ScratchDir dir;
  for (const auto& [path, body] : kFiles) {
    std::filesystem::create_directories((dir.path() / path).parent_path());
    std::ofstream(dir.path() / path) << body;
  }
  std::filesystem::create_directories(dir.path() / "tests/node_modules/x");
  std::ofstream(dir.path() / "tests/node_modules/x/index.html") << "no";
  std::filesystem::create_directories(dir.path() / ".git");
  std::ofstream(dir.path() / ".git/index.html") << "no";
  std::ofstream(dir.path() / "assets/.env") << "SECRET=1";
  std::ofstream(dir.path() / "assets/.site.css.swp") << "no";
  auto site = Site::FromDirectory(dir.path().string());
  ASSERT_TRUE(site.ok()) << site.status().ToString();
  EXPECT_EQ(site->version(), Site::FromFiles(kFiles).version()) << "hidden files are not part of the site";
  EXPECT_EQ(site->Find("/tests/node_modules/x/"), nullptr);
  EXPECT_EQ(site->Find("/.git/"), nullptr);
  EXPECT_EQ(site->Find("/assets/" + site->version() + "/.env"), nullptr);
  EXPECT_EQ(Site::FromDirectory((dir.path() / "nowhere").string()).status().code(), Code::kNotFound);
}

TEST(SiteTest, HtmlHeadersForbidWhatTheCspMustForbid) {
  std::string csp;
  for (const auto& [name, value] : HtmlSecurityHeaders())
    if (name == "Content-Security-Policy") csp = value;
  for (const char* part : {"default-src 'none'", "frame-ancestors 'none'", "require-trusted-types-for 'script'"})
    EXPECT_NE(csp.find(part), std::string::npos) << part;
  EXPECT_EQ(csp.find("unsafe-"), std::string::npos);
}

// The build embedded the web/ folder as it is: the same files, the same
// version (a stale or broken embedding differs).
TEST(SiteTest, TheBinaryHoldsTheWebFolder) {
  auto folder = Site::FromDirectory(CONFIDE_WEB_DIR);
  ASSERT_TRUE(folder.ok()) << folder.status().ToString();
  EXPECT_EQ(Site::Embedded().version(), folder->version());
  EXPECT_NE(Site::Embedded().Find("/privacy/"), nullptr);
}

}  // namespace
}  // namespace confide::web
