// pinpipe's errc as a CAF error category, so an error keeps its code when it crosses an
// actor boundary (a reply, a request's error handler, a node's message): an actor returns
// to_caf_error(status) and the receiver gets the same status back with from_caf_error.
//
// The category atom is "pinpipe"; the error's code is the errc value and its context the
// status message. register_message_types() (type_ids.hpp) installs the renderer, so
// `system().render(err)` prints "pinpipe: io_error: <message>". Errors of other
// categories (CAF's own `sec`, e.g. a request timeout) map to errc::timeout,
// errc::unavailable or errc::internal, with CAF's rendering as the message.
#pragma once

#include <string>

#include <caf/actor_system_config.hpp>
#include <caf/error.hpp>
#include <caf/make_message.hpp>

#include "common/status.hpp"

// errc converts to caf::error directly: caf::error{errc::io_error, std::string{"..."}}.
CAF_ERROR_CODE_ENUM(pinpipe::errc, "pinpipe")

namespace pinpipe::actors {

/// The category atom of errc errors.
constexpr caf::atom_value errc_category = caf::atom("pinpipe");

/// A status as a CAF error of the pinpipe category (none for an ok status).
caf::error to_caf_error(const status& st);

/// The status a CAF error carries: the same code and message for the pinpipe category;
/// CAF's own errors become timeout / unavailable / internal with `what` as a prefix of the
/// rendered error (e.g. "asking the sink").
status from_caf_error(const caf::error& err, const std::string& what = "");

/// Lets an actor system render errc errors (called by register_message_types).
void add_errc_category(caf::actor_system_config& cfg);

} // namespace pinpipe::actors
