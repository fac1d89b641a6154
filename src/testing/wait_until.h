// WaitUntil: for tests that wait for what another thread or process does
// (a training, a scheduled job, a server coming up or going away). Polls
// `done` until it holds or `within` has passed, backing off from 1 ms to
// 20 ms between polls; true when `done` held. Never waits longer than
// needed, and a fixed sleep is never the test's synchronisation.
#pragma once

#include <algorithm>
#include <chrono>
#include <thread>

namespace confide {

template <typename Done>
bool WaitUntil(Done done, std::chrono::milliseconds within = std::chrono::seconds(30)) {
  auto deadline = std::chrono::steady_clock::now() + within;
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
}

}  // namespace confide
