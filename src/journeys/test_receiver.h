// For tests: a local HTTP receiver standing in for the retailer's
// webhook endpoint. Answers each request with the next scripted status
// (200 when the script runs out; -1 drops the connection unanswered; -2
// answers 200 with no length and closes, over TLS without close_notify) and
// records what it got (the Confide-Signature and Host headers included).
// With TLS material it serves HTTPS with that certificate (a client that
// refuses the certificate is counted in refused_handshakes()). One
// accepting thread; got() is thread-safe.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "journeys/throwaway_ca.h"

namespace confide {

class Receiver {
  using tcp = boost::asio::ip::tcp;
 public:
  explicit Receiver(std::deque<int> script, std::string path = "/hooks/cart", const TlsMaterial* tls = nullptr)
      : acceptor_(ioc_, {boost::asio::ip::make_address("127.0.0.1"), 0}), script_(std::move(script)), path_(std::move(path)) {
    if (tls) {
      tls_.emplace(boost::asio::ssl::context::tls_server);
      tls_->use_certificate_chain(boost::asio::buffer(tls->cert_pem));
      tls_->use_private_key(boost::asio::buffer(tls->key_pem), boost::asio::ssl::context::pem);
    }
    thread_ = std::thread([this] { Run(); });
  }
  ~Receiver() {
    stop_ = true;
    boost::beast::error_code ec;
    tcp::socket poke(ioc_);
    poke.connect(acceptor_.local_endpoint(), ec);
    thread_.join();
  }
  std::string url(std::string_view host = "127.0.0.1") const {
    return std::string(tls_ ? "https://" : "http://") + std::string(host) + ":" +
           std::to_string(acceptor_.local_endpoint().port()) + path_;
  }
  int refused_handshakes() const { return refused_handshakes_; }
  // Called on the receiver's thread with each request, before it is
  // answered (set it before anything is sent).
  void set_on_request(std::function<void(const std::string& body)> f) { on_request_ = std::move(f); }
  struct Got {
    std::string target, key, body, signature, host;
  };
  std::vector<Got> got() {
    std::lock_guard lock(mu_);
    return got_;
  }

 private:
  void Run() {
    while (!stop_) {
      tcp::socket socket(ioc_);
      boost::beast::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stop_) continue;
      if (!tls_) {
        Serve(socket);
        continue;
      }
      boost::asio::ssl::stream<tcp::socket&> secure(socket, *tls_);
      secure.handshake(boost::asio::ssl::stream_base::server, ec);
      if (ec) {
        ++refused_handshakes_;
        continue;
      }
      Serve(secure);
    }
  }

  template <typename Stream>
  void Serve(Stream& socket) {
    boost::beast::error_code ec;
    boost::beast::flat_buffer buffer;
    boost::beast::http::request<boost::beast::http::string_body> req;
    boost::beast::http::read(socket, buffer, req, ec);
    if (ec) return;
    int status = 200;
    {
      std::lock_guard lock(mu_);
      got_.push_back({std::string(req.target()), std::string(req["Idempotency-Key"]), req.body(),
                      std::string(req["Confide-Signature"]), std::string(req[boost::beast::http::field::host])});
      if (!script_.empty()) {
        status = script_.front();
        script_.pop_front();
      }
    }
    if (on_request_) on_request_(req.body());
    if (status == -1) return;  // drop the connection without answering
    if (status == -2) {          // the body runs to the close, which is abrupt
      boost::asio::write(socket, boost::asio::buffer(std::string_view("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{}")), ec);
      return;
    }
    boost::beast::http::response<boost::beast::http::string_body> res{static_cast<boost::beast::http::status>(status), 11};
    res.body() = "{}";
    res.prepare_payload();
    boost::beast::http::write(socket, res, ec);
  }
  boost::asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::optional<boost::asio::ssl::context> tls_;
  std::function<void(const std::string& body)> on_request_;
  std::atomic<int> refused_handshakes_{0};
  std::mutex mu_;
  std::deque<int> script_;
  const std::string path_;
  std::vector<Got> got_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace confide
