#include "transport/curve.hpp"

#include <zmq.h>

namespace pinpipe::transport {

result<curve_keypair> make_curve_keypair() {
  char pub[41] = {};
  char sec[41] = {};
  if (zmq_curve_keypair(pub, sec) != 0)
    return status{errc::unavailable,
                  "libzmq has no CURVE support (install a libzmq built with libsodium)"};
  return curve_keypair{pub, sec};
}

} // namespace pinpipe::transport
