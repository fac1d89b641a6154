// HTTPS ([server] tls_cert and tls_key): a throwaway CA made here signs
// the node's certificate; a client that trusts only that CA is served over
// TLS 1.2 and 1.3 with AEAD ciphers, and refused anything older, weaker or
// in the clear. A reload gives new connections the new certificate without
// dropping open ones, in process (Server::ReloadTls) and by SIGHUP to the
// real binary.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <signal.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <filesystem>
#include <fstream>
#include <functional>

#include "core/config.h"
#include "core/test_paths.h"
#include "server/server.h"
#include "testing/serve_process.h"
#include "testing/test_client.h"
#include "testing/wait_until.h"

namespace confide {
namespace {

namespace fs = std::filesystem;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using namespace std::chrono_literals;

// A P-256 key and a certificate for it, signed by `issuer` (self-signed
// without one): a CA, or a server certificate for localhost and 127.0.0.1.
struct Issued {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  ~Issued() {
    X509_free(cert);
    EVP_PKEY_free(key);
  }
};

void Issue(Issued& out, const std::string& common_name, const Issued* issuer, bool ca, long serial) {
  out.key = EVP_EC_gen("P-256");
  out.cert = X509_new();
  X509_set_version(out.cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(out.cert), serial);
  X509_gmtime_adj(X509_getm_notBefore(out.cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(out.cert), 86'400);
  X509_set_pubkey(out.cert, out.key);
  X509_NAME* name = X509_get_subject_name(out.cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name.c_str()),
                             -1, -1, 0);
  X509_set_issuer_name(out.cert, issuer ? X509_get_subject_name(issuer->cert) : name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer ? issuer->cert : out.cert, out.cert, nullptr, nullptr, 0);
  auto add = [&](int nid, const char* value) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(out.cert, ext, -1);
    X509_EXTENSION_free(ext);
  };
  if (ca) {
    add(NID_basic_constraints, "critical,CA:TRUE");
    add(NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add(NID_basic_constraints, "CA:FALSE");
    add(NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
    add(NID_ext_key_usage, "serverAuth");
  }
  X509_sign(out.cert, issuer ? issuer->key : out.key, EVP_sha256());
}

void WritePem(const fs::path& path, const std::function<int(BIO*)>& write) {
  BIO* bio = BIO_new_file(path.c_str(), "w");
  ASSERT_NE(bio, nullptr) << path;
  EXPECT_EQ(write(bio), 1);
  BIO_free(bio);
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
}

// A client connection that trusts only the test's CA and checks the name.
class TlsClient {
 public:
  // `tune` narrows what the client offers (a protocol version, ciphers).
  explicit TlsClient(const std::string& ca_file, const std::function<void(SSL_CTX*)>& tune = {})
      : ctx_(ssl::context::tls_client) {
    ctx_.load_verify_file(ca_file);
    ctx_.set_verify_mode(ssl::verify_peer);
    if (tune) tune(ctx_.native_handle());
    stream_.emplace(ioc_, ctx_);
  }
  // Connects and shakes hands: false when the server refused.
  bool Connect(uint16_t port) {
    SSL_set_tlsext_host_name(stream_->native_handle(), "localhost");
    stream_->set_verify_callback(ssl::host_name_verification("localhost"));
    beast::get_lowest_layer(*stream_).expires_after(10s);
    beast::error_code ec;
    beast::get_lowest_layer(*stream_).connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    if (ec) return false;
    stream_->handshake(ssl::stream_base::client, ec);
    return !ec;
  }
  http::response<http::string_body> Get(const std::string& target) {
    http::request<http::empty_body> req(http::verb::get, target, 11);
    req.set(http::field::host, "localhost");
    req.keep_alive(true);
    http::write(*stream_, req);
    http::response<http::string_body> res;
    http::read(*stream_, buffer_, res);
    return res;
  }
  std::string PeerCommonName() {
    X509* cert = SSL_get1_peer_certificate(stream_->native_handle());
    if (!cert) return "";
    char cn[256] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
    X509_free(cert);
    return cn;
  }
  std::string Protocol() { return SSL_get_version(stream_->native_handle()); }

 private:
  asio::io_context ioc_;
  ssl::context ctx_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> stream_;
  beast::flat_buffer buffer_;
};

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("confide-tls-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
    fs::permissions(root_, fs::perms::owner_all, fs::perm_options::replace);
    Issue(ca_, "Confide test CA", nullptr, true, 1);
    WritePem(ca_file(), [&](BIO* b) { return PEM_write_bio_X509(b, ca_.cert); });
    WriteServerCertificate("node-1", 2);
    config_ = DefaultConfig();
    config_.hosted_regions = {"eu"};
    config_.data_dir = (root_ / "data").string();
    config_.listen = "127.0.0.1:0";
    config_.threads = 2;
    config_.tls_cert = (root_ / "node.pem").string();
    config_.tls_key = (root_ / "node.key").string();
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(root_);
  }
  std::string ca_file() const { return (root_ / "ca.pem").string(); }
  // The node's certificate and key, named `common_name`, issued by the CA.
  void WriteServerCertificate(const std::string& common_name, long serial) {
    Issued leaf;
    Issue(leaf, common_name, &ca_, false, serial);
    WritePem(root_ / "node.pem", [&](BIO* b) { return PEM_write_bio_X509(b, leaf.cert); });
    WritePem(root_ / "node.key",
             [&](BIO* b) { return PEM_write_bio_PrivateKey(b, leaf.key, nullptr, nullptr, 0, nullptr, nullptr); });
  }
  void Start() {
    auto server = Server::Create(config_);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    ASSERT_TRUE(server_->Start().ok());
  }

  fs::path root_;
  Issued ca_;
  Config config_;
  std::unique_ptr<Server> server_;
};

TEST_F(TlsTest, ServesTls12AndUpWithAeadCiphersAndRefusesOlderWeakerOrPlain) {
  Start();
  TlsClient modern(ca_file());
  ASSERT_TRUE(modern.Connect(server_->port()));
  EXPECT_EQ(modern.Protocol(), "TLSv1.3");
  EXPECT_EQ(modern.Get("/healthz").result_int(), 200);
  EXPECT_EQ(modern.PeerCommonName(), "node-1");

  TlsClient tls12(ca_file(), [](SSL_CTX* c) {
    SSL_CTX_set_max_proto_version(c, TLS1_2_VERSION);
    SSL_CTX_set_cipher_list(c, "ECDHE-ECDSA-AES128-GCM-SHA256");
  });
  ASSERT_TRUE(tls12.Connect(server_->port()));
  EXPECT_EQ(tls12.Protocol(), "TLSv1.2");
  EXPECT_EQ(tls12.Get("/healthz").result_int(), 200);

  TlsClient tls11(ca_file(), [](SSL_CTX* c) {
    SSL_CTX_set_security_level(c, 0);  // so that the client offers it at all
    SSL_CTX_set_min_proto_version(c, TLS1_1_VERSION);
    SSL_CTX_set_max_proto_version(c, TLS1_1_VERSION);
  });
  EXPECT_FALSE(tls11.Connect(server_->port())) << "TLS 1.1 is refused";

  TlsClient cbc(ca_file(), [](SSL_CTX* c) {
    SSL_CTX_set_max_proto_version(c, TLS1_2_VERSION);
    SSL_CTX_set_cipher_list(c, "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384");
  });
  EXPECT_FALSE(cbc.Connect(server_->port())) << "no CBC cipher";

  TestClient plain("127.0.0.1", server_->port(), 5s);
  auto r = plain.Send("GET", "/healthz");
  EXPECT_FALSE(r.ok() && r->status == 200) << "plain HTTP gets no answer";
}

TEST_F(TlsTest, HtmlResponsesOverTlsCarryStrictTransportSecurity) {
  Start();
  TlsClient c(ca_file());
  ASSERT_TRUE(c.Connect(server_->port()));
  auto page = c.Get("/privacy/");
  ASSERT_EQ(page.result_int(), 200);
  EXPECT_EQ(std::string(page[http::field::strict_transport_security]), "max-age=31536000");
  auto health = c.Get("/healthz");
  EXPECT_EQ(health[http::field::strict_transport_security], "") << "JSON answers go without it";
}

TEST_F(TlsTest, AReloadServesTheNewCertificateToNewConnectionsAndKeepsOpenOnes) {
  Start();
  TlsClient open(ca_file());
  ASSERT_TRUE(open.Connect(server_->port()));
  ASSERT_EQ(open.Get("/healthz").result_int(), 200);

  WriteServerCertificate("node-1-renewed", 3);
  ASSERT_TRUE(server_->ReloadTls().ok());
  TlsClient fresh(ca_file());
  ASSERT_TRUE(fresh.Connect(server_->port()));
  EXPECT_EQ(fresh.PeerCommonName(), "node-1-renewed");
  EXPECT_EQ(open.Get("/healthz").result_int(), 200) << "the connection opened before the reload goes on";
  EXPECT_EQ(open.PeerCommonName(), "node-1");

  // A broken file is refused, naming it, and the certificate loaded stays.
  std::ofstream(root_ / "node.key", std::ios::trunc) << "not a key\n";
  Status broken = server_->ReloadTls();
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.message().find("server.tls_key: " + config_.tls_key), std::string::npos) << broken.message();
  TlsClient after(ca_file());
  ASSERT_TRUE(after.Connect(server_->port()));
  EXPECT_EQ(after.PeerCommonName(), "node-1-renewed");
}

TEST_F(TlsTest, ACertificateThatDoesNotLoadKeepsTheServerFromStarting) {
  WriteServerCertificate("node-1", 2);
  Issued other;
  Issue(other, "other", &ca_, false, 9);
  WritePem(root_ / "other.key",
           [&](BIO* b) { return PEM_write_bio_PrivateKey(b, other.key, nullptr, nullptr, 0, nullptr, nullptr); });
  config_.tls_key = (root_ / "other.key").string();
  auto mismatched = Server::Create(config_);
  ASSERT_FALSE(mismatched.ok());
  EXPECT_NE(mismatched.status().message().find("is not the private key of the certificate"), std::string::npos)
      << mismatched.status().message();
  WritePem(root_ / "locked.key", [&](BIO* b) {
    return PEM_write_bio_PrivateKey(b, other.key, EVP_aes_256_cbc(), reinterpret_cast<const unsigned char*>("pass"),
                                    4, nullptr, nullptr);
  });
  config_.tls_key = (root_ / "locked.key").string();
  auto locked = Server::Create(config_);
  ASSERT_FALSE(locked.ok());
  EXPECT_NE(locked.status().message().find("is encrypted: give the key without a passphrase"), std::string::npos)
      << locked.status().message();
  WritePem(root_ / "open.key",
           [&](BIO* b) { return PEM_write_bio_PrivateKey(b, other.key, nullptr, nullptr, 0, nullptr, nullptr); });
  std::filesystem::permissions(root_ / "open.key", std::filesystem::perms::others_read, std::filesystem::perm_options::add);
  config_.tls_key = (root_ / "open.key").string();
  auto open = Server::Create(config_);
  ASSERT_FALSE(open.ok());
  EXPECT_NE(open.status().message().find("is readable by every user of this machine"), std::string::npos)
      << open.status().message();
  config_.tls_cert = (root_ / "missing.pem").string();
  auto missing = Server::Create(config_);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("server.tls_cert: " + config_.tls_cert), std::string::npos)
      << missing.status().message();
}

TEST_F(TlsTest, SighupReloadsTheRealBinarysCertificate) {
  const std::string binary = ConfideBinary();
  if (!fs::exists(binary)) GTEST_SKIP() << "the confide binary is not built at " << binary;
  const uint16_t port = FreePort();
  ASSERT_NE(port, 0);
  std::ofstream(root_ / "confide.toml") << "data_dir = \"" << config_.data_dir << "\"\nlisten = \"127.0.0.1:" << port
                                        << "\"\nhosted_regions = [\"eu\"]\n[server]\ntls_cert = \"" << config_.tls_cert
                                        << "\"\ntls_key = \"" << config_.tls_key << "\"\n";
  ServeProcess serve;
  ASSERT_TRUE(serve.Start(binary, {"serve", "--config", (root_ / "confide.toml").string()}, root_ / "serve.log"));
  std::unique_ptr<TlsClient> first;
  ASSERT_TRUE(WaitUntil(
      [&] {
        first = std::make_unique<TlsClient>(ca_file());
        return !serve.Running() || first->Connect(port);
      },
      30s));
  ASSERT_TRUE(serve.Running());
  ASSERT_EQ(first->Get("/readyz").result_int(), 200);
  WriteServerCertificate("node-1-by-sighup", 4);
  serve.Kill(SIGHUP);
  std::string seen;
  ASSERT_TRUE(WaitUntil(
      [&] {
        TlsClient c(ca_file());
        if (c.Connect(port)) seen = c.PeerCommonName();
        return seen == "node-1-by-sighup";
      },
      10s))
      << seen;
  EXPECT_TRUE(serve.Running());
  EXPECT_EQ(first->Get("/healthz").result_int(), 200) << "the connection opened before SIGHUP goes on";
}

}  // namespace
}  // namespace confide
