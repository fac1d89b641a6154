// End to end, from outside: a backup taken over HTTP while `confide serve`
// runs, a shopper erased after it, the server stopped and the region
// restored with `confide restore`: the erased shopper stays erased, every
// other comes back, and a backup that is not whole is refused in one line.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/test_paths.h"
#include "crypto/api_key.h"
#include "testing/run_binary.h"
#include "testing/serve_process.h"
#include "testing/server_fixture.h"
#include "testing/test_client.h"
#include "testing/test_json.h"
#include "testing/wait_until.h"

namespace confide {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string Purchase(const std::string& event, const std::string& customer) {
  return R"({"event_id":")" + event + R"(","type":"purchase","timestamp":"2026-11-20T10:00:00Z","customer_id":")" +
         customer + R"(","channel":"web","product_id":"p1"})";
}

class BackupEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    binary_ = ConfideBinary();
    if (!fs::exists(binary_)) GTEST_SKIP() << "the confide binary is not built at " << binary_;
    root_ = fs::temp_directory_path() / ("confide-e2e-backup-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_);
    fs::permissions(root_, fs::perms::owner_all, fs::perm_options::replace);
    port_ = FreePort();
    ASSERT_NE(port_, 0);
    key_ = GenerateApiKey();
    std::ofstream(root_ / "confide.toml")
        << "data_dir = \"" << (root_ / "data").string() << "\"\n"
        << "key_dir = \"" << (root_ / "keys").string() << "\"\n"
        << "backup_dir = \"" << (root_ / "backups").string() << "\"\n"
        << "listen = \"127.0.0.1:" << port_ << "\"\nhosted_regions = [\"eu\"]\n"
        << "[[regions]]\nid = \"eu\"\nlegal_basis = \"opt_out\"\ncurrency = \"EUR\"\n"
        << "[[api_keys]]\nid = \"" << key_.id << "\"\nhash = \"" << key_.hash << "\"\n"
        << "scopes = [\"ingest\", \"admin\", \"dsar\"]\nregions = [\"*\"]\n";
  }
  void TearDown() override {
    server_.reset();
    if (!root_.empty() && !HasFailure()) fs::remove_all(root_);
  }

  std::string Config() const { return "--config " + (root_ / "confide.toml").string(); }
  RunResult Confide(const std::string& args) { return RunBinary(binary_, args + " " + Config(), root_); }

  void StartServer() {
    server_ = std::make_unique<ServeProcess>();
    ASSERT_TRUE(server_->Start(binary_, {"serve", "--config", (root_ / "confide.toml").string()}, root_ / "serve.log"));
    const bool ready = WaitUntil(
        [&] {
          if (!server_->Running()) return true;
          TestClient probe("127.0.0.1", port_, 1s);
          auto r = probe.Send("GET", "/readyz");
          return r.ok() && r->status == 200;
        },
        30s);
    ASSERT_TRUE(ready && server_->Running()) << "confide serve did not start";
  }
  void StopServer() {
    server_->Kill(SIGINT);
    ASSERT_NE(server_->WaitExit(30s), -1);
    server_.reset();
  }
  TestClient Client() {
    TestClient c("127.0.0.1", port_, 20s);
    c.set_token(key_.token);
    return c;
  }
  int Status(TestClient& c, const std::string& method, const std::string& target, const std::string& body = "") {
    auto r = c.Send(method, target, body);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    last_body_ = r.ok() ? r->body : "";
    return r.ok() ? r->status : 0;
  }

  std::string binary_;
  fs::path root_;
  uint16_t port_ = 0;
  NewApiKey key_;
  std::unique_ptr<ServeProcess> server_;
  std::string last_body_;
};

TEST_F(BackupEndToEndTest, AnOnlineBackupRestoredKeepsTheShopperErasedSince) {
  StartServer();
  TestClient c = Client();
  ASSERT_EQ(Status(c, "POST", "/v1/eu/events", "[" + Purchase("g1", "gone") + "," + Purchase("k1", "kept") + "]"), 200);
  ASSERT_EQ(Status(c, "POST", "/v1/eu/backups"), 201) << last_body_;
  const std::string dir = JStr(last_body_, "/dir");
  const std::string id = JStr(last_body_, "/id");
  EXPECT_EQ(dir, (root_ / "backups").string() + "/eu-" + id);
  ASSERT_EQ(Status(c, "DELETE", "/v1/eu/customers/gone"), 200) << last_body_;
  StopServer();

  RunResult restored = Confide("restore --region eu " + dir);
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  EXPECT_NE(restored.out.find("restored backup " + id), std::string::npos) << restored.out;
  EXPECT_NE(restored.out.find("erasures made since and replayed from the journal: 1"), std::string::npos)
      << restored.out;
  EXPECT_EQ(Confide("audit verify --region eu").exit_code, 0);

  StartServer();
  c = Client();
  EXPECT_EQ(Status(c, "GET", "/v1/eu/customers/gone/profile"), 404) << last_body_;
  EXPECT_EQ(Status(c, "GET", "/v1/eu/customers/kept/profile"), 200) << last_body_;
  EXPECT_EQ(JInt(last_body_, "/events"), 1);
  // The key's dsar scope may learn of erasures: the resend is refused by name.
  EXPECT_EQ(Status(c, "POST", "/v1/eu/events", "[" + Purchase("g1", "gone") + "]"), 400);
  EXPECT_EQ(JStr(last_body_, "/rejected/0/reason").rfind("erased:", 0), 0u) << last_body_;
  EXPECT_EQ(Status(c, "GET", "/v1/eu/customers/gone/profile"), 404) << "nothing was stored again";
}

// A region database that does not open cannot be checked against the
// erasure journal: with the journal cut at its end, a restore over it
// would bring back a shopper erased since the backup. Refused, changing
// nothing, unless asked to replace it.
TEST_F(BackupEndToEndTest, ARegionThatDoesNotOpenIsNotReplacedUnlessAsked) {
  StartServer();
  TestClient c = Client();
  ASSERT_EQ(Status(c, "POST", "/v1/eu/events", "[" + Purchase("g1", "gone") + "," + Purchase("k1", "kept") + "]"), 200);
  ASSERT_EQ(Status(c, "POST", "/v1/eu/backups"), 201) << last_body_;
  const std::string dir = JStr(last_body_, "/dir");
  ASSERT_EQ(Status(c, "DELETE", "/v1/eu/customers/gone"), 200) << last_body_;
  StopServer();
  const fs::path journal = root_ / "keys" / "eu.erased", floor = root_ / "data" / "eu" / "SEQUENCE_FLOOR";
  fs::resize_file(journal, std::string("confide-erasure-journal-v1\n").size());
  std::ofstream(floor, std::ios::trunc) << "garbage\n";

  RunResult refused = Confide("restore --region eu " + dir);
  EXPECT_EQ(refused.exit_code, 1) << refused.out;
  EXPECT_EQ(std::count(refused.err.begin(), refused.err.end(), '\n'), 1) << refused.err;
  EXPECT_NE(refused.err.find("the region's database does not open"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--replace-unreadable"), std::string::npos) << refused.err;
  // Nothing changed: the floor repaired, the erasure holds.
  fs::remove(floor);
  RunResult exported = Confide("dsar export --region eu gone");
  EXPECT_NE(exported.exit_code, 0) << exported.out;
  EXPECT_NE(exported.err.find("no data is held"), std::string::npos) << exported.err;

  std::ofstream(floor, std::ios::trunc) << "garbage\n";
  RunResult replaced = Confide("restore --replace-unreadable --region eu " + dir);
  EXPECT_EQ(replaced.exit_code, 0) << replaced.err;
  EXPECT_NE(replaced.out.find("the unreadable database replaced was not checked"), std::string::npos) << replaced.out;
}

// A region whose database is gone (a lost disk) is not served empty: the
// new database would be taken by a later restore for the region's own,
// with nothing to check the erasure journal against.
TEST_F(BackupEndToEndTest, ARegionWhoseDatabaseIsGoneIsNotServedEmpty) {
  StartServer();
  TestClient c = Client();
  ASSERT_EQ(Status(c, "POST", "/v1/eu/events", "[" + Purchase("k1", "kept") + "]"), 200);
  ASSERT_EQ(Status(c, "POST", "/v1/eu/backups"), 201) << last_body_;
  StopServer();
  fs::remove_all(root_ / "data" / "eu");
  // Told by the erasure journal, and without it by the backup's keys.
  for (const char* witness : {"eu.erased", ".backup-"}) {
    ServeProcess serve;
    ASSERT_TRUE(serve.Start(binary_, {"serve", "--config", (root_ / "confide.toml").string()}, root_ / "refused.log"));
    const int status = serve.WaitExit(30s);
    ASSERT_NE(status, -1) << "serve started on a region whose database is gone";
    EXPECT_EQ(WEXITSTATUS(status), 1);
    std::ifstream log(root_ / "refused.log");
    const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("has no database here, though"), std::string::npos) << text;
    EXPECT_NE(text.find(witness), std::string::npos) << text;
    EXPECT_FALSE(fs::exists(root_ / "data" / "eu" / "CURRENT")) << "a new database was made";
    fs::remove(root_ / "keys" / "eu.erased");
  }
}

// A restore holds the region's lock (data/eu.lock, beside the directory it
// replaces) from its check of the database to its end, and a serve holds
// it while it runs: neither starts while the other has it, and nothing is
// made or removed meanwhile.
TEST_F(BackupEndToEndTest, ARestoreAndAServeOfTheRegionKeepEachOtherOut) {
  std::ofstream(root_ / "events.ndjson") << Purchase("a1", "alice") << "\n";
  ASSERT_EQ(Confide("import --region eu --quiet " + (root_ / "events.ndjson").string()).exit_code, 0);
  const std::string backup = (root_ / "b1").string();
  ASSERT_EQ(Confide("backup --region eu " + backup).exit_code, 0);

  StartServer();
  RunResult busy = Confide("restore --region eu " + backup);
  EXPECT_EQ(busy.exit_code, 1);
  EXPECT_EQ(std::count(busy.err.begin(), busy.err.end(), '\n'), 1) << busy.err;
  EXPECT_NE(busy.err.find("eu.lock: the region is open in another process"), std::string::npos) << busy.err;
  EXPECT_FALSE(fs::exists(root_ / "data" / "eu.restoring"));
  StopServer();

  // As a restore midway holds it (this test's process stands in for it).
  const int held = ::open((root_ / "data" / "eu.lock").c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(held, 0);
  ASSERT_EQ(::flock(held, LOCK_EX | LOCK_NB), 0);
  fs::remove_all(root_ / "data" / "eu");
  ServeProcess serve;
  ASSERT_TRUE(serve.Start(binary_, {"serve", "--config", (root_ / "confide.toml").string()}, root_ / "refused.log"));
  const int status = serve.WaitExit(30s);
  ASSERT_NE(status, -1) << "serve started while a restore held the region";
  EXPECT_EQ(WEXITSTATUS(status), 1);
  std::ifstream log(root_ / "refused.log");
  const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("eu.lock: the region is open in another process"), std::string::npos) << text;
  EXPECT_FALSE(fs::exists(root_ / "data" / "eu")) << "serve made a directory where the restore is putting the backup";
  ::close(held);

  // The restore killed after it removed the database, half through its
  // copy: nothing reads the half-restored region, and running it again
  // finishes it.
  std::ifstream manifest(fs::path(backup) / "MANIFEST");
  std::string line, id;
  while (std::getline(manifest, line))
    if (line.rfind("id ", 0) == 0) id = line.substr(3);
  ASSERT_FALSE(id.empty());
  std::ofstream(root_ / "data" / "eu.restoring") << id << "\nremoved\n";
  fs::create_directories(root_ / "data" / "eu");
  std::ofstream(root_ / "data" / "eu" / "000000.dbtmp") << "left by the cut run's open";
  RunResult verify = Confide("audit verify --region eu");
  EXPECT_EQ(verify.exit_code, 1) << verify.out;
  EXPECT_NE(verify.err.find("eu.restoring: a restore of region eu did not finish"), std::string::npos) << verify.err;
  RunResult restored = Confide("restore --region eu " + backup);
  EXPECT_EQ(restored.exit_code, 0) << restored.err;
  EXPECT_EQ(Confide("audit verify --region eu").exit_code, 0);
  StartServer();
  TestClient c = Client();
  EXPECT_EQ(Status(c, "GET", "/v1/eu/customers/alice/profile"), 200) << last_body_;
}

TEST_F(BackupEndToEndTest, BackupsRefusedSayWhyInOneLine) {
  std::ofstream(root_ / "events.ndjson") << Purchase("a1", "alice") << "\n";
  ASSERT_EQ(Confide("import --region eu --quiet " + (root_ / "events.ndjson").string()).exit_code, 0);
  RunResult taken = Confide("backup --region eu " + (root_ / "b1").string());
  ASSERT_EQ(taken.exit_code, 0) << taken.err;
  RunResult again = Confide("backup --region eu " + (root_ / "b1").string());
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_EQ(again.err, "confide: eu: " + (root_ / "b1").string() +
                           ": not empty: a backup goes into a new or empty directory\n");

  std::ofstream(root_ / "b1/MANIFEST", std::ios::app) << "file 1 00 db/extra\n";
  RunResult tampered = Confide("restore --region eu " + (root_ / "b1").string());
  EXPECT_EQ(tampered.exit_code, 1);
  EXPECT_EQ(std::count(tampered.err.begin(), tampered.err.end(), '\n'), 1) << tampered.err;
  EXPECT_NE(tampered.err.find("does not verify under region eu's keys"), std::string::npos) << tampered.err;

  StartServer();
  RunResult busy = Confide("backup --region eu " + (root_ / "b2").string());
  EXPECT_EQ(busy.exit_code, 1);
  EXPECT_NE(busy.err.find("POST /v1/eu/backups"), std::string::npos) << busy.err;
}

// The route in process: where it writes is the configuration's alone.
class BackupRouteTest : public ServerFixture {};

TEST_F(BackupRouteTest, TheRouteWritesIntoBackupDirOnlyAndSaysWhyNot) {
  ClientResponse off = Send(admin_, "POST", "/v1/eu/backups");
  EXPECT_EQ(off.status, 409) << off.body;
  EXPECT_EQ(JStr(off.body, "/error/field"), "backup_dir");

  config_.backup_dir = (root_ / "not-a-dir").string();
  std::ofstream(config_.backup_dir) << "x";
  Start();
  ClientResponse file = Send(admin_, "POST", "/v1/eu/backups?dir=/tmp/elsewhere", R"({"dir":"/tmp/elsewhere"})");
  EXPECT_EQ(file.status, 409) << file.body;
  EXPECT_EQ(JStr(file.body, "/error/field"), "backup_dir");

  config_.backup_dir = (root_ / "backups").string();
  Start();
  ClientResponse taken = Send(admin_, "POST", "/v1/eu/backups?dir=/tmp/elsewhere", R"({"dir":"/tmp/elsewhere"})");
  ASSERT_EQ(taken.status, 201) << taken.body;
  EXPECT_EQ(JStr(taken.body, "/dir"), config_.backup_dir + "/eu-" + JStr(taken.body, "/id"));
  EXPECT_TRUE(fs::exists(JStr(taken.body, "/dir") + "/MANIFEST"));
  EXPECT_TRUE(fs::exists(JStr(taken.body, "/keys_file")));
  EXPECT_EQ(Send(recommend_, "POST", "/v1/eu/backups").status, 403) << "the admin scope alone";
}

}  // namespace
}  // namespace confide
