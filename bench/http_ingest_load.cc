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
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  std::string port = "8080", key, region = "eu", run = std::to_string(::time(nullptr));
  int connections = 8, batch = 500, batches = 2000, seconds = 60;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--port") port = value;
    else if (flag == "--key") key = value;
    else if (flag == "--region") region = value;
    else if (flag == "--connections") connections = std::stoi(value);
    else if (flag == "--batch") batch = std::stoi(value);
    else if (flag == "--batches") batches = std::stoi(value);
    else if (flag == "--seconds") seconds = std::stoi(value);
    else if (flag == "--run") run = value;
    else {
      std::fprintf(stderr, "http_ingest_load: unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  std::atomic<int> next_batch{0};
  std::atomic<uint64_t> accepted{0}, failed{0};
  std::mutex mu;
  std::vector<double> latencies_ms;
  auto deadline = Clock::now() + std::chrono::seconds(seconds);
  auto start = Clock::now();

  auto worker = [&](int conn) {
    try {
      boost::asio::io_context ioc;
      tcp::resolver resolver(ioc);
      beast::tcp_stream stream(ioc);
      stream.connect(resolver.resolve("127.0.0.1", port));
      beast::flat_buffer buffer;
      std::vector<double> mine;
      for (int b; (b = next_batch++) < batches && Clock::now() < deadline;) {
        std::string body = "[";
        for (int i = 0; i < batch; ++i) {
          char event[400];
          int shopper = (b * 7919 + i * 104729) % 200000;
          std::snprintf(event, sizeof event,
                        "%s{\"event_id\":\"load-%s-%d-%d\",\"type\":\"view\",\"timestamp\":\"2025-%02d-%02dT%02d:%02d:00Z\","
                        "\"customer_id\":\"C%07d\",\"channel\":\"%s\",\"product_id\":\"P%06d\"}",
                        i ? "," : "", run.c_str(), b, i, 1 + b % 12, 1 + i % 28, i % 24, b % 60, shopper,
                        i % 3 ? "web" : "app", (i * 31 + b) % 20000);
          body += event;
        }
        body += "]";
        http::request<http::string_body> req{http::verb::post, "/v1/" + region + "/events", 11};
        req.set(http::field::host, "127.0.0.1");
        req.set(http::field::authorization, "Bearer " + key);
        req.set(http::field::content_type, "application/json");
        req.keep_alive(true);
        req.body() = std::move(body);
        req.prepare_payload();
        auto t0 = Clock::now();
        http::write(stream, req);
        http::response<http::string_body> res;
        http::read(stream, buffer, res);
        mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        if (res.result() == http::status::ok) accepted += batch;
        else ++failed;
      }
      std::lock_guard lock(mu);
      latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "connection %d: %s\n", conn, e.what());
      ++failed;
    }
  };
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) threads.emplace_back(worker, c);
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto pct = [&](double p) {
    return latencies_ms.empty() ? 0.0 : latencies_ms[std::min(latencies_ms.size() - 1, size_t(p * latencies_ms.size()))];
  };
  std::printf("connections %d, batch %d: %zu batches, %llu events acknowledged in %.2f s = %.0f events/s; "
              "batch latency p50 %.1f ms, p99 %.1f ms; failed batches %llu\n",
              connections, batch, latencies_ms.size(), static_cast<unsigned long long>(accepted.load()), secs,
              accepted.load() / secs, pct(0.5), pct(0.99), static_cast<unsigned long long>(failed.load()));
  return failed.load() ? 1 : 0;
}
