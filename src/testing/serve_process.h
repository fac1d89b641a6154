// For end-to-end tests: the real `confide` binary (core/test_paths.h says
// where it is) as a child process, and a free TCP port for it to listen on.
//
// Not thread-safe: one thread drives a ServeProcess.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace confide {

// A TCP port on 127.0.0.1 that was free a moment ago (0 if none was found).
uint16_t FreePort();

class ServeProcess {
 public:
  ServeProcess() = default;
  // SIGKILLs the process if it still runs.
  ~ServeProcess();
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  // Spawns `binary` with `args`, its stdout and stderr appended to `log`.
  // False if it could not be spawned.
  bool Start(const std::string& binary, const std::vector<std::string>& args, const std::filesystem::path& log);

  // Spawns `binary serve --config <config>` and waits until it answers
  // GET /readyz on `port` with 200: false if it exited first or `within`
  // passed.
  bool Serve(const std::string& binary, const std::filesystem::path& config, uint16_t port,
             const std::filesystem::path& log, std::chrono::seconds within = std::chrono::seconds(60));

  // Whether the process is still running (reaps it once it has exited).
  bool Running();

  // The process id while it runs (-1 before Start and once reaped).
  pid_t pid() const { return pid_; }

  // Sends `signal` to the process, if it runs.
  void Kill(int signal);

  // Waits for the process to exit: its wait status, or -1 if it still runs
  // after `within`.
  int WaitExit(std::chrono::milliseconds within);

 private:
  pid_t pid_ = -1;
  int exit_status_ = 0;
};

}  // namespace confide
