// TLS for the node's listener ([server] tls_cert and tls_key, PEM files):
// TLS 1.2 and 1.3 only; for TLS 1.2, ECDHE key exchange with AEAD ciphers
// only (AES-GCM, ChaCha20-Poly1305), the server's order preferred; no
// compression, no renegotiation, no session tickets (no ticket key to
// rotate or leak). A context is immutable once made: a reload
// (Server::ReloadTls, SIGHUP) makes a new one for new connections while
// open ones finish on theirs.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "core/status.h"

namespace confide {

// kInvalidArgument naming the field (server.tls_cert or server.tls_key)
// and the file when a file does not read as PEM, the key is under a
// passphrase (never asked for) or is not the certificate's.
Result<std::shared_ptr<boost::asio::ssl::context>> LoadTlsContext(const std::string& cert_file,
                                                                  const std::string& key_file);

}  // namespace confide
