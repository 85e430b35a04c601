// CURVE key pairs for node-to-node and client-to-node encryption (libzmq's built-in
// CurveZMQ). Keys are 40-character Z85 strings. `pinpipe keygen` prints one pair: put
// the secret into [node] curve_secret_key and the public into [node] curve_public_key of
// the node, and give the public key to clients (--server-key / the same config).
#pragma once

#include <string>

#include "common/status.hpp"

namespace pinpipe::transport {

struct curve_keypair {
  std::string public_key;
  std::string secret_key;
};

/// A fresh key pair; errc::unavailable if libzmq was built without CURVE.
result<curve_keypair> make_curve_keypair();

} // namespace pinpipe::transport
