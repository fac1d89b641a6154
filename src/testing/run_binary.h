// For tests that run the confide binary as a user would: one command, its
// exit code and what it printed on each stream.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace confide {

struct RunResult {
  int exit_code;  // -1 if it did not exit normally
  std::string out;
  std::string err;
};

// Runs `binary args` through the shell with stdin from /dev/null; its
// output passes through the files `out` and `err` in `dir`.
inline RunResult RunBinary(const std::string& binary, const std::string& args, const std::filesystem::path& dir) {
  const std::string out = (dir / "out").string(), err = (dir / "err").string();
  const std::string cmd = binary + " " + args + " >" + out + " 2>" + err + " </dev/null";
  const int status = std::system(cmd.c_str());
  auto slurp = [](const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
}

}  // namespace confide
