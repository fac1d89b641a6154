#include "testing/serve_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testing/test_client.h"
#include "testing/wait_until.h"

extern char** environ;

namespace confide {

uint16_t FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    return 0;
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

ServeProcess::~ServeProcess() { Kill(SIGKILL); }

bool ServeProcess::Start(const std::string& binary, const std::vector<std::string>& args,
                         const std::filesystem::path& log) {
  std::vector<std::string> argv_storage = {binary};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  int rc = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0;
}

bool ServeProcess::Serve(const std::string& binary, const std::filesystem::path& config, uint16_t port,
                         const std::filesystem::path& log, std::chrono::seconds within) {
  if (!Start(binary, {"serve", "--config", config.string()}, log)) return false;
  const bool settled = WaitUntil(
      [&] {
        if (!Running()) return true;
        TestClient probe("127.0.0.1", port, std::chrono::seconds(1));
        auto r = probe.Send("GET", "/readyz");
        return r.ok() && r->status == 200;
      },
      within);
  return settled && Running();
}

bool ServeProcess::Running() {
  if (pid_ <= 0) return false;
  int status;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    exit_status_ = status;
    return false;
  }
  return true;
}

void ServeProcess::Kill(int signal) {
  if (pid_ > 0) ::kill(pid_, signal);
}

int ServeProcess::WaitExit(std::chrono::milliseconds within) {
  if (!WaitUntil([&] { return !Running(); }, within)) return -1;
  return exit_status_;
}

}  // namespace confide
