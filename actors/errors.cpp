#include "actors/errors.hpp"

#include <caf/sec.hpp>

namespace pinpipe::actors {

caf::error to_caf_error(const status& st) {
  if (st.ok()) return caf::error{};
  return caf::error{st.code(), st.message()};
}

status from_caf_error(const caf::error& err, const std::string& what) {
  if (!err) return {};
  const std::string prefix = what.empty() ? "" : what + ": ";
  if (err.category() == errc_category) {
    std::string msg;
    if (err.context().match_elements<std::string>()) msg = err.context().get_as<std::string>(0);
    return status{static_cast<errc>(err.code()), prefix + msg};
  }
  errc code = errc::internal;
  if (err.category() == caf::atom("system")) {
    switch (static_cast<caf::sec>(err.code())) {
      case caf::sec::request_timeout:
        code = errc::timeout;
        break;
      case caf::sec::request_receiver_down:
      case caf::sec::cannot_connect_to_node:
        code = errc::unavailable;
        break;
      default:
        break;
    }
  }
  std::string name = err.category() == caf::atom("system")
                         ? "caf: " + caf::to_string(static_cast<caf::sec>(err.code()))
                         : caf::to_string(err);
  if (err.category() == caf::atom("system") && !err.context().empty())
    name += " " + caf::to_string(err.context());
  return status{code, prefix + name};
}

void add_errc_category(caf::actor_system_config& cfg) {
  cfg.add_error_category(errc_category, [](uint8_t code, caf::atom_value,
                                           const caf::message& ctx) -> std::string {
    std::string out = std::string("pinpipe: ") + to_string(static_cast<errc>(code));
    if (ctx.match_elements<std::string>()) out += ": " + ctx.get_as<std::string>(0);
    return out;
  });
}

} // namespace pinpipe::actors
