// `pinpipe keygen`: prints a CURVE key pair as TOML lines for the [node] section.
#include <iostream>

#include "nodes/command.hpp"
#include "transport/curve.hpp"

namespace pinpipe::cli {

command make_keygen_command(const std::shared_ptr<common_options>&) {
  command c;
  c.name = "keygen";
  c.help = "print a CURVE key pair for [node] curve_public_key / curve_secret_key";
  c.run = [] {
    auto keys = transport::make_curve_keypair();
    if (!keys) return fail(keys.error());
    std::cout << "# pinpipe CURVE key pair: both lines go into the node's [node] section;\n"
              << "# clients only need the public key (--server-key or curve_public_key).\n"
              << "curve_public_key = \"" << keys->public_key << "\"\n"
              << "curve_secret_key = \"" << keys->secret_key << "\"" << std::endl;
    return 0;
  };
  return c;
}

} // namespace pinpipe::cli
