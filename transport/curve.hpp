// CURVE key pairs for node-to-node and client-to-node encryption (libzmq's built-in
// CurveZMQ). Keys are 40-character Z85 strings. `pinpipe keygen` prints one pair: put
// the secret into [node] curve_secret_key and the public into [node] curve_public_key of
// the node, and give the public key to clients (--server-key / the same config).
#pragma once

#include <string>
#include <vector>

#include "common/status.hpp"

namespace pinpipe::transport {

struct curve_keypair {
  std::string public_key;
  std::string secret_key;
};

/// A fresh key pair; errc::unavailable if libzmq was built without CURVE.
result<curve_keypair> make_curve_keypair();

/// The key pair in a file as `pinpipe keygen` writes it (TOML lines curve_public_key = "..."
/// and curve_secret_key = "..."); a file with a bare 40-char key counts as a public key.
/// Missing lines stay empty; errc::not_found / invalid_argument name the file.
result<curve_keypair> read_key_file(const std::string& path);

/// The public keys of a directory of client key files (one client per file, as `pinpipe
/// keygen` writes them; dot files are skipped): for [node] curve_allowed_clients_dir.
/// A file without a public key is an error naming it.
result<std::vector<std::string>> read_public_key_dir(const std::string& dir);

/// [node] curve_allowed_clients plus the keys of curve_allowed_clients_dir (when set).
result<std::vector<std::string>> allowed_client_keys(const std::vector<std::string>& listed,
                                                     const std::string& dir);

} // namespace pinpipe::transport
