#include "server/tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <sys/stat.h>

namespace confide {
namespace {

namespace ssl = boost::asio::ssl;

// Mozilla's "intermediate" list for TLS 1.2; TLS 1.3's suites are all AEAD.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

Status Refused(const char* field, const std::string& file, const std::string& what) {
  std::string reason;
  if (unsigned long e = ERR_get_error(); e != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    reason = std::string(" (") + buf + ")";
  }
  ERR_clear_error();
  return Status(Code::kInvalidArgument, std::string(field) + ": " + file + ": " + what + reason, field);
}

}  // namespace

Result<std::shared_ptr<ssl::context>> LoadTlsContext(const std::string& cert_file, const std::string& key_file) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                  SSL_OP_NO_TICKET);
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1)
    return Refused("server.tls_cert", cert_file, "no cipher of the allowed list is available");
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(native, cert_file.c_str()) != 1)
    return Refused("server.tls_cert", cert_file, "cannot read a PEM certificate chain");
  // A key under a passphrase would make OpenSSL ask for it on the
  // terminal, or hang a reload: refused instead.
  bool encrypted = false;
  auto no_passphrase = [](char*, int, int, void* flag) {
    *static_cast<bool*>(flag) = true;
    return 0;
  };
  // A key every user of the machine may read is a key given away.
  if (struct stat st{}; ::stat(key_file.c_str(), &st) == 0 && (st.st_mode & S_IROTH))
    return Refused("server.tls_key", key_file, "is readable by every user of this machine: run chmod 600 on it (or 640 "
                                               "for a group)");
  BIO* bio = BIO_new_file(key_file.c_str(), "r");
  EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio, nullptr, no_passphrase, &encrypted) : nullptr;
  BIO_free(bio);
  if (!key && encrypted)
    return Refused("server.tls_key", key_file, "is encrypted: give the key without a passphrase (mode 0600)");
  if (!key) return Refused("server.tls_key", key_file, "cannot read a PEM private key");
  const bool paired = SSL_CTX_use_PrivateKey(native, key) == 1 && SSL_CTX_check_private_key(native) == 1;
  EVP_PKEY_free(key);
  if (!paired)
    return Refused("server.tls_key", key_file, "is not the private key of the certificate in server.tls_cert");
  return ctx;
}

}  // namespace confide
