// HTTP ingestion load: C keep-alive connections each POST batches of B
// events to /v1/{region}/events and wait for the (durable) answer.
// Bounded: stops after N batches in total or T seconds, whichever first.
// Prints events/s and batch latency percentiles; only loopback targets.
//
//   http_ingest_load --port 8080 --key ck_... [--region eu] [--connections 8]
//                    [--batch 500] [--batches 2000] [--seconds 60]
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;
using Stopwatch = std::chrono::steady_clock;

namespace {

struct Flags {
  std::string port = "8080", key, region = "eu", run = std::to_string(::time(nullptr));
  int connections = 8, batch = 500, batches = 2000, seconds = 60;
};

// False (after saying so) on an unknown flag.
bool ParseFlags(int argc, char** argv, Flags& f) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--port") f.port = value;
    else if (flag == "--key") f.key = value;
    else if (flag == "--region") f.region = value;
    else if (flag == "--connections") f.connections = std::stoi(value);
    else if (flag == "--batch") f.batch = std::stoi(value);
    else if (flag == "--batches") f.batches = std::stoi(value);
    else if (flag == "--seconds") f.seconds = std::stoi(value);
    else if (flag == "--run") f.run = value;
    else {
      std::fprintf(stderr, "http_ingest_load: unknown flag %s\n", flag.c_str());
      return false;
    }
  }
  return true;
}

// The JSON array of batch number `b`: views by shoppers spread over
// 200,000 customers, with event ids unique to the run.
std::string BatchBody(const Flags& f, int b) {
  std::string body = "[";
  for (int i = 0; i < f.batch; ++i) {
    char event[400];
    int shopper = (b * 7919 + i * 104729) % 200000;
    std::snprintf(event, sizeof event,
                  "%s{\"event_id\":\"load-%s-%d-%d\",\"type\":\"view\",\"timestamp\":\"2025-%02d-%02dT%02d:%02d:00Z\","
                  "\"customer_id\":\"C%07d\",\"channel\":\"%s\",\"product_id\":\"P%06d\"}",
                  i ? "," : "", f.run.c_str(), b, i, 1 + b % 12, 1 + i % 28, i % 24, b % 60, shopper,
                  i % 3 ? "web" : "app", (i * 31 + b) % 20000);
    body += event;
  }
  body += "]";
  return body;
}

// What the connections share.
struct Load {
  Stopwatch::time_point deadline;
  std::atomic<int> next_batch{0};
  std::atomic<uint64_t> accepted{0}, failed{0}, retried{0};
  std::mutex mu;
  std::vector<double> latencies_ms;  // guarded by mu
};

// One keep-alive connection posting batches until they or the time run out.
void RunConnection(const Flags& f, int conn, Load& load) {
  try {
    boost::asio::io_context ioc;
    tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    stream.connect(resolver.resolve("127.0.0.1", f.port));
    beast::flat_buffer buffer;
    std::vector<double> mine;
    // A batch answered 503 is sent again, as a client does after a failover
    // or another node's change (several nodes serving one region).
    for (int b = load.next_batch++; b < f.batches && Stopwatch::now() < load.deadline;) {
      http::request<http::string_body> req{http::verb::post, "/v1/" + f.region + "/events", 11};
      req.set(http::field::host, "127.0.0.1");
      req.set(http::field::authorization, "Bearer " + f.key);
      req.set(http::field::content_type, "application/json");
      req.keep_alive(true);
      req.body() = BatchBody(f, b);
      req.prepare_payload();
      auto t0 = Stopwatch::now();
      http::write(stream, req);
      http::response<http::string_body> res;
      http::read(stream, buffer, res);
      mine.push_back(std::chrono::duration<double, std::milli>(Stopwatch::now() - t0).count());
      if (res.result() == http::status::service_unavailable) {
        ++load.retried;
        continue;
      }
      if (res.result() == http::status::ok) load.accepted += f.batch;
      else ++load.failed;
      b = load.next_batch++;
    }
    std::lock_guard lock(load.mu);
    load.latencies_ms.insert(load.latencies_ms.end(), mine.begin(), mine.end());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "connection %d: %s\n", conn, e.what());
    ++load.failed;
  }
}

}  // namespace

int main(int argc, char** argv) {
  Flags f;
  if (!ParseFlags(argc, argv, f)) return 2;
  Load load;
  load.deadline = Stopwatch::now() + std::chrono::seconds(f.seconds);
  auto start = Stopwatch::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < f.connections; ++c) threads.emplace_back([&f, c, &load] { RunConnection(f, c, load); });
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(Stopwatch::now() - start).count();
  std::vector<double>& latencies_ms = load.latencies_ms;
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto pct = [&](double p) {
    return latencies_ms.empty() ? 0.0 : latencies_ms[std::min(latencies_ms.size() - 1, size_t(p * latencies_ms.size()))];
  };
  std::printf(
      "connections %d, batch %d: %zu batches, %llu events acknowledged in %.2f s = %.0f events/s; "
      "batch latency p50 %.1f ms, p99 %.1f ms; failed batches %llu, answered 503 and sent again %llu\n",
      f.connections, f.batch, latencies_ms.size(), static_cast<unsigned long long>(load.accepted.load()),
      secs, load.accepted.load() / secs, pct(0.5), pct(0.99),
      static_cast<unsigned long long>(load.failed.load()),
      static_cast<unsigned long long>(load.retried.load()));
  return load.failed.load() ? 1 : 0;
}
