// End to end: `confide serve` under storage faults. A file size limit set
// on the running server (prlimit, as a full disk would) makes every write
// fail: requests are refused with 503 `unavailable`, never acknowledged,
// and the server goes on once the limit is lifted, with no restart. A
// damaged key file or table file stops `serve` at start, naming the file.
#include <sys/resource.h>

#include <filesystem>

#include "server/crash_matrix.h"

namespace confide {
namespace {

using namespace std::chrono_literals;

class FaultTest : public CrashMatrix {
 protected:
  // Limits the size of any file the server writes to `bytes` (soft limit
  // only: it can be lifted again).
  void LimitFileSize(pid_t pid, rlim_t bytes) {
    rlimit limit{};
    ASSERT_EQ(::prlimit(pid, RLIMIT_FSIZE, nullptr, &limit), 0);
    limit.rlim_cur = bytes;
    ASSERT_EQ(::prlimit(pid, RLIMIT_FSIZE, &limit, nullptr), 0);
  }

  // The largest file in the region's directory, in bytes.
  uintmax_t LargestRegionFile() {
    uintmax_t largest = 0;
    for (const auto& f : std::filesystem::directory_iterator(root_ / "data" / "eu"))
      if (f.is_regular_file()) largest = std::max(largest, f.file_size());
    return largest;
  }

  static std::string Batch(int b, int size = 100) {
    std::string out = "[";
    for (int i = 0; i < size; ++i)
      out += (i ? "," : "") + CrashEvent("fault-" + std::to_string(b) + "-" + std::to_string(i),
                                         "cm-fault-" + std::to_string((b * size + i) % 50));
    return out + "]";
  }
};

TEST_F(FaultTest, AFullDiskAnswers503AndTheServerGoesOnWhenSpaceReturns) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  TestClient client = Client();
  int sent = 0;
  for (; sent < 20; ++sent) {
    auto r = client.Send("POST", "/v1/eu/events", Batch(sent));
    ASSERT_TRUE(r.ok() && r->status == 200);
  }
  // Room for a few more batches in the write-ahead log, then none.
  ASSERT_NO_FATAL_FAILURE(LimitFileSize(server_->pid(), LargestRegionFile() + 64 * 1024));
  const pid_t pid = server_->pid();
  int refused_at = -1;
  for (; sent < 2000 && refused_at < 0; ++sent) {
    auto r = client.Send("POST", "/v1/eu/events", Batch(sent));
    ASSERT_TRUE(r.ok()) << "batch " << sent << ": " << r.status().ToString() << "\n" << Log();
    if (r->status == 200) continue;
    ASSERT_EQ(r->status, 503) << r->body;
    EXPECT_EQ(JStr(r->body, "/error/code"), "unavailable") << r->body;
    refused_at = sent;
  }
  ASSERT_GE(refused_at, 0) << "no write failed under the limit";
  std::cout << "batches 0 to " << refused_at - 1 << " acknowledged, batch " << refused_at << " refused\n";
  // Every write is refused while the disk stays full; reads go on.
  for (int n = 0; n < 3; ++n) {
    auto r = client.Send("POST", "/v1/eu/events", Batch(refused_at));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 503) << r->body;
  }
  auto consent = client.Send("PUT", "/v1/eu/customers/cm-fault-new/consent", R"({"purposes":{"marketing":true}})");
  ASSERT_TRUE(consent.ok());
  EXPECT_EQ(consent->status, 503) << consent->body;
  EXPECT_EQ(EventsOf(client, "cm-fault-1"), (refused_at * 100) / 50) << "what was acknowledged reads back";
  EXPECT_NE(Log().find(R"("status":503)"), std::string::npos) << "a refused write is logged";

  // Space returns: the same server takes writes again.
  ASSERT_NO_FATAL_FAILURE(LimitFileSize(pid, RLIM_INFINITY));
  const double recovered_ms = Timed([&] {
    ASSERT_TRUE(WaitUntil([&] {
      auto r = client.Send("POST", "/v1/eu/events", Batch(refused_at));
      return r.ok() && r->status == 200;
    }, 10s)) << "writes still refused after space returned";
  });
  std::cout << "writes taken again " << recovered_ms << " ms after space returned\n";
  for (int b = refused_at + 1; b < refused_at + 5; ++b) {
    auto r = client.Send("POST", "/v1/eu/events", Batch(b));
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 200) << "batch " << b << " after space returned: " << r->body;
  }
  consent = client.Send("PUT", "/v1/eu/customers/cm-fault-new/consent", R"({"purposes":{"marketing":true}})");
  ASSERT_TRUE(consent.ok());
  EXPECT_EQ(consent->status, 200) << consent->body;
  EXPECT_EQ(server_->pid(), pid) << "the server was not restarted";
  ASSERT_TRUE(server_->Running());

  // And a crash after loses nothing acknowledged, nor stores anything twice.
  ASSERT_NO_FATAL_FAILURE(KillServer());
  ASSERT_NO_FATAL_FAILURE(StartServer());
  TestClient after = Client();
  for (int b = 0; b < refused_at + 5; ++b) {
    auto r = after.Send("POST", "/v1/eu/events", Batch(b));
    ASSERT_TRUE(r.ok() && r->status == 200);
    EXPECT_EQ(JInt(r->body, "/duplicates"), 100) << "acknowledged batch " << b;
  }
  for (int s = 0; s < 50; ++s) EXPECT_EQ(EventsOf(after, "cm-fault-" + std::to_string(s)), (refused_at + 5) * 2) << s;
  ASSERT_NO_FATAL_FAILURE(ExpectAuditVerifies());
}

// Flips bytes in the middle of `path`.
void Damage(const std::filesystem::path& path) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  const auto size = std::filesystem::file_size(path);
  f.seekp(std::streamoff(size / 2));
  f.write("\xde\xad\xbe\xef\xde\xad\xbe\xef", 8);
}

TEST_F(FaultTest, ADamagedTableOrKeyFileStopsServeAtStartNamingIt) {
  // Table files, written by an import.
  {
    std::ofstream events(root_ / "events.ndjson");
    for (int i = 0; i < 20000; ++i) events << CrashEvent("t-" + std::to_string(i), "cm-" + std::to_string(i % 300)) << "\n";
  }
  std::vector<std::string> import = {"import", "--region", "eu", "--quiet", (root_ / "events.ndjson").string()};
  for (auto& a : Common()) import.push_back(a);
  std::string out;
  ASSERT_EQ(Run(import, &out), 0) << out;
  std::filesystem::path largest;
  for (const auto& f : std::filesystem::directory_iterator(root_ / "data" / "eu"))
    if (f.path().extension() == ".sst" && (largest.empty() || f.file_size() > std::filesystem::file_size(largest)))
      largest = f.path();
  ASSERT_FALSE(largest.empty());
  std::filesystem::copy_file(largest, root_ / "table.bak");

  std::vector<std::string> serve = {"serve", "--listen", "127.0.0.1:" + std::to_string(port_)};
  for (auto& a : Common()) serve.push_back(a);
  Damage(largest);
  EXPECT_EQ(RunKilledAfter(serve, 20s, &out), 1) << "serve started on a damaged table file:\n" << out;
  EXPECT_NE(out.find(largest.filename().string()), std::string::npos) << out;
  EXPECT_EQ(out.find("listening"), std::string::npos) << out;

  // The table repaired (from a copy), a damaged key file instead.
  std::filesystem::copy_file(root_ / "table.bak", largest, std::filesystem::copy_options::overwrite_existing);
  const std::filesystem::path key_file = root_ / "keys" / "eu.key";
  ASSERT_TRUE(std::filesystem::exists(key_file));
  Damage(key_file);
  EXPECT_EQ(RunKilledAfter(serve, 20s, &out), 1) << "serve started on a damaged key file:\n" << out;
  EXPECT_NE(out.find(key_file.string()), std::string::npos) << out;
  EXPECT_EQ(out.find("listening"), std::string::npos) << out;
}

}  // namespace
}  // namespace confide
