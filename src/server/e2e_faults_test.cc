// End to end: `confide serve` under storage faults. A file system filled
// to the last byte, or a file size limit set on the running server
// (prlimit), makes every write fail: requests are refused with 503
// `unavailable`, never acknowledged, and the server goes on once space
// returns, with no restart. A
// damaged key file or table file stops `serve` at start, naming the file,
// as does a write-ahead log removed or cut short.
#include <sys/mount.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <thread>

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

  void FillThenMakeRoom(const std::function<void(pid_t)>& fill, const std::function<void(pid_t)>& make_room);

  static std::string Batch(int b, int size = 100) {
    std::string out = "[";
    for (int i = 0; i < size; ++i)
      out += (i ? "," : "") + CrashEvent("fault-" + std::to_string(b) + "-" + std::to_string(i),
                                         "cm-fault-" + std::to_string((b * size + i) % 50));
    return out + "]";
  }
};

// Writes until `fill` leaves no room, checks how a full disk looks from
// outside, lets `make_room`, checks that the same server goes on, and that
// a crash after loses nothing acknowledged.
void FaultTest::FillThenMakeRoom(const std::function<void(pid_t)>& fill, const std::function<void(pid_t)>& make_room) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  TestClient client = Client();
  int sent = 0;
  for (; sent < 20; ++sent) {
    auto r = client.Send("POST", "/v1/eu/events", Batch(sent));
    ASSERT_TRUE(r.ok() && r->status == 200);
  }
  const pid_t pid = server_->pid();
  ASSERT_NO_FATAL_FAILURE(fill(pid));
  int refused_at = -1;
  for (; sent < 3000 && refused_at < 0; ++sent) {
    auto r = client.Send("POST", "/v1/eu/events", Batch(sent));
    ASSERT_TRUE(r.ok()) << "batch " << sent << ": " << r.status().ToString() << "\n" << Log();
    if (r->status == 200) continue;
    ASSERT_EQ(r->status, 503) << r->body;
    EXPECT_EQ(JStr(r->body, "/error/code"), "unavailable") << r->body;
    refused_at = sent;
  }
  ASSERT_GE(refused_at, 0) << "no write failed";
  std::cout << "batches 0 to " << refused_at - 1 << " acknowledged, batch " << refused_at << " refused\n";
  // Every write is refused while the disk stays full, and the node says it is not ready.
  for (int n = 0; n < 3; ++n) {
    std::this_thread::sleep_for(400ms);  // past the store's next attempt to recover
    auto r = client.Send("POST", "/v1/eu/events", Batch(refused_at));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 503) << r->body;
  }
  auto consent = client.Send("PUT", "/v1/eu/customers/cm-fault-new/consent", R"({"purposes":{"marketing":true}})");
  ASSERT_TRUE(consent.ok());
  EXPECT_EQ(consent->status, 503) << consent->body;
  // A shopper's data is not disclosed without its audit record, which
  // cannot be written now.
  for (const char* read : {"/profile", "/data", "/summary"}) {
    auto r = client.Send("GET", std::string("/v1/eu/customers/cm-fault-1") + read);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 503) << read << ": " << r->body;
  }
  auto ready = client.Send("GET", "/readyz", "");
  ASSERT_TRUE(ready.ok());
  EXPECT_EQ(ready->status, 503) << ready->body;
  EXPECT_NE(Log().find(R"("status":503)"), std::string::npos) << "a refused write is logged";
  EXPECT_NE(Log().find("a write to the store failed"), std::string::npos) << Log();

  // Space returns: the same server takes writes again.
  ASSERT_NO_FATAL_FAILURE(make_room(pid));
  const double recovered_ms = Timed([&] {
    ASSERT_TRUE(WaitUntil([&] {
      auto r = client.Send("POST", "/v1/eu/events", Batch(refused_at));
      return r.ok() && r->status == 200;
    }, 30s)) << "writes still refused after space returned\n" << Log();
  });
  std::cout << "writes taken again " << recovered_ms << " ms after space returned\n";
  EXPECT_EQ(EventsOf(client, "cm-fault-1"), (refused_at + 1) * 2) << "what was acknowledged reads back";
  for (int b = refused_at + 1; b < refused_at + 5; ++b) {
    auto r = client.Send("POST", "/v1/eu/events", Batch(b));
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 200) << "batch " << b << " after space returned: " << r->body;
  }
  consent = client.Send("PUT", "/v1/eu/customers/cm-fault-new/consent", R"({"purposes":{"marketing":true}})");
  ASSERT_TRUE(consent.ok());
  EXPECT_EQ(consent->status, 200) << consent->body;
  ready = client.Send("GET", "/readyz", "");
  ASSERT_TRUE(ready.ok());
  EXPECT_EQ(ready->status, 200) << ready->body;
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

TEST_F(FaultTest, AFileSizeLimitAnswers503AndTheServerGoesOnWhenItIsLifted) {
  // Room for the server's log to grow, not for the write-ahead log (600 KB
  // by now) nor for the table file that reopening the database would write.
  FillThenMakeRoom([&](pid_t pid) { LimitFileSize(pid, std::filesystem::file_size(root_ / "serve.log") + 64 * 1024); },
                   [&](pid_t pid) { LimitFileSize(pid, RLIM_INFINITY); });
}

// The region's data directory on a small file system of its own (tmpfs),
// filled to the last byte by a file of the test's: the disk full of a
// real server, ENOSPC. Needs the right to mount (root); skipped without.
class FullDiskTest : public FaultTest {
 protected:
  void SetUp() override {
    FaultTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    data_ = root_ / "data";
    std::filesystem::create_directories(data_);
    if (::mount("tmpfs", data_.c_str(), "tmpfs", 0, "size=256m,mode=0700") != 0)
      GTEST_SKIP() << "cannot mount a file system here (" << std::strerror(errno) << "): needs root";
    mounted_ = true;
  }
  void TearDown() override {
    server_.reset();
    if (mounted_) ::umount2(data_.c_str(), MNT_DETACH);
    FaultTest::TearDown();
  }

  // Writes a file until the file system has no byte left.
  void Fill() {
    std::FILE* f = std::fopen((data_ / "ballast").c_str(), "wb");
    ASSERT_NE(f, nullptr);
    const std::string chunk(1 << 16, 'x');
    while (std::fwrite(chunk.data(), 1, chunk.size(), f) == chunk.size()) {
    }
    std::fclose(f);
    ASSERT_EQ(std::filesystem::space(data_).available, 0u);
  }

  std::filesystem::path data_;
  bool mounted_ = false;
};

TEST_F(FullDiskTest, AFullFileSystemAnswers503AndTheServerGoesOnWhenSpaceReturns) {
  FillThenMakeRoom([&](pid_t) { Fill(); }, [&](pid_t) { std::filesystem::remove(data_ / "ballast"); });
}

// A data directory that cannot be written (mounted read-only): serve does
// not start, and says why in one line naming the directory. (A directory
// that turns read-only under a running server cannot be made here: the
// kernel refuses to remount with files open for writing.)
TEST_F(FullDiskTest, AReadOnlyDataDirectoryStopsServeAtStartNamingIt) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  TestClient client = Client();
  auto r = client.Send("POST", "/v1/eu/events", Batch(0));
  ASSERT_TRUE(r.ok() && r->status == 200);
  ASSERT_NO_FATAL_FAILURE(KillServer());
  ASSERT_EQ(::mount("tmpfs", data_.c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY, "size=256m,mode=0700"), 0)
      << std::strerror(errno);
  std::vector<std::string> serve = {"serve", "--listen", "127.0.0.1:" + std::to_string(port_)};
  for (auto& a : Common()) serve.push_back(a);
  std::string out;
  EXPECT_EQ(RunKilledAfter(serve, 20s, &out), 1) << "serve started on a read-only data directory:\n" << out;
  EXPECT_NE(out.find((data_ / "eu").string()), std::string::npos) << out;
  EXPECT_NE(out.find("Read-only file system"), std::string::npos) << out;
  EXPECT_EQ(out.find("listening"), std::string::npos) << out;
}

// Flips bytes in the middle of `path`.
void Damage(const std::filesystem::path& path) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  const auto size = std::filesystem::file_size(path);
  f.seekp(std::streamoff(size / 2));
  f.write("\xde\xad\xbe\xef\xde\xad\xbe\xef", 8);
}

// Acknowledged writes not yet in a table file live in the write-ahead log:
// a record damaged in its middle stops serve, naming the log, rather than
// drop that record and every one after it.
TEST_F(FaultTest, ADamagedWriteAheadLogStopsServeAtStartNamingIt) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  TestClient client = Client();
  for (int b = 0; b < 20; ++b) {
    auto r = client.Send("POST", "/v1/eu/events", Batch(b));
    ASSERT_TRUE(r.ok() && r->status == 200);
  }
  ASSERT_NO_FATAL_FAILURE(KillServer());
  std::filesystem::path log;
  for (const auto& f : std::filesystem::directory_iterator(root_ / "data" / "eu"))
    if (f.path().extension() == ".log" && (log.empty() || f.file_size() > std::filesystem::file_size(log))) log = f.path();
  ASSERT_FALSE(log.empty());
  ASSERT_GT(std::filesystem::file_size(log), 100'000u) << "the batches are in the log";
  Damage(log);
  std::vector<std::string> serve = {"serve", "--listen", "127.0.0.1:" + std::to_string(port_)};
  for (auto& a : Common()) serve.push_back(a);
  std::string out;
  EXPECT_EQ(RunKilledAfter(serve, 20s, &out), 1) << "serve started on a damaged log:\n" << out;
  EXPECT_NE(out.find(log.filename().string()), std::string::npos) << out;
  EXPECT_EQ(out.find("listening"), std::string::npos) << out;
}

// A log removed or cut short loses no record in the middle: what RocksDB
// finds simply ends early. The floor the store keeps beside it stops serve
// (and any command that opens the region) instead; the log put back, the
// region opens with everything acknowledged.
TEST_F(FaultTest, AWriteAheadLogRemovedOrCutShortStopsServeAtStart) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  TestClient client = Client();
  for (int b = 0; b < 20; ++b) {
    auto r = client.Send("POST", "/v1/eu/events", Batch(b));
    ASSERT_TRUE(r.ok() && r->status == 200);
  }
  const auto written = std::filesystem::file_time_type::clock::now();
  const std::filesystem::path eu = root_ / "data" / "eu", floor = eu / "SEQUENCE_FLOOR";
  ASSERT_TRUE(WaitUntil([&] {
    std::error_code ec;
    return std::filesystem::last_write_time(floor, ec) > written && !ec;
  }, 20s)) << "the store keeps no floor";
  ASSERT_NO_FATAL_FAILURE(KillServer());
  std::filesystem::path log;
  for (const auto& f : std::filesystem::directory_iterator(eu))
    if (f.path().extension() == ".log" && (log.empty() || f.file_size() > std::filesystem::file_size(log))) log = f.path();
  ASSERT_FALSE(log.empty());
  ASSERT_GT(std::filesystem::file_size(log), 100'000u) << "the batches are in the log";
  std::filesystem::copy_file(log, root_ / "log.bak");

  std::vector<std::string> serve = {"serve", "--listen", "127.0.0.1:" + std::to_string(port_)};
  std::vector<std::string> verify = {"audit", "verify", "--region", "eu"};
  for (auto& a : Common()) serve.push_back(a), verify.push_back(a);
  auto expect_refused = [&](const char* what) {
    std::string out;
    EXPECT_EQ(RunKilledAfter(serve, 20s, &out), 1) << "serve started on a log " << what << ":\n" << out;
    EXPECT_NE(out.find("*.log"), std::string::npos) << out;
    EXPECT_EQ(out.find("listening"), std::string::npos) << out;
    EXPECT_NE(Run(verify, &out), 0) << "audit verify passed on a log " << what << ":\n" << out;
  };
  std::filesystem::resize_file(log, std::filesystem::file_size(log) / 2);
  expect_refused("cut short");
  std::filesystem::remove(log);
  expect_refused("removed");

  std::filesystem::copy_file(root_ / "log.bak", log);
  ASSERT_NO_FATAL_FAILURE(StartServer());
  TestClient after = Client();
  for (int s = 0; s < 50; ++s) EXPECT_EQ(EventsOf(after, "cm-fault-" + std::to_string(s)), 40) << s;
  ASSERT_NO_FATAL_FAILURE(ExpectAuditVerifies());
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
  std::filesystem::copy_file(key_file, root_ / "key.bak");
  Damage(key_file);
  EXPECT_EQ(RunKilledAfter(serve, 20s, &out), 1) << "serve started on a damaged key file:\n" << out;
  EXPECT_NE(out.find(key_file.string()), std::string::npos) << out;
  EXPECT_EQ(out.find("listening"), std::string::npos) << out;

  // Damaged yet readable: one hex digit of a key changed (the pseudonym
  // key's first, or the KEK's last). Named as the key file's fault, not as
  // a broken erasure journal nor a damaged row.
  const std::string kept = Read(root_ / "key.bak");
  const size_t pseudonym = kept.find("\npseudonym ") + 11, kek = kept.find('\n', kept.find("\nkek ") + 1) - 1;
  ASSERT_LT(pseudonym, kept.size());
  ASSERT_LT(kek, kept.size());
  for (const auto& [at, says] : {std::pair<size_t, std::string>{pseudonym, ": its pseudonym key is not"},
                                 {kek, ": a key-encryption key here does not open"}}) {
    std::string text = kept;
    text[at] = text[at] == '0' ? '1' : '0';
    std::ofstream(key_file, std::ios::trunc) << text;
    EXPECT_EQ(RunKilledAfter(serve, 20s, &out), 1) << "serve started with a key changed:\n" << out;
    EXPECT_NE(out.find(key_file.string() + says), std::string::npos) << out;
    EXPECT_EQ(out.find(".erased"), std::string::npos) << out;
    EXPECT_EQ(out.find("listening"), std::string::npos) << out;
  }
}

}  // namespace
}  // namespace confide
