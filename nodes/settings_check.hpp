// Checks the settings that config::load cannot check on its own, because their syntax
// belongs to a pipeline module: the [scheduler] cron expression and start_date, and the
// [gateway] listen address. Commands call it right after loading the config and the flags,
// before they create or open anything in the data directory, so a bad setting is reported
// at once and leaves no trace (no data directory, no log, no topics).
#pragma once

#include "common/config.hpp"
#include "common/status.hpp"

namespace pinpipe::cli {

/// invalid_config naming the key and what to write instead; ok when every setting parses.
status check_pipeline_settings(const config::config& cfg);

} // namespace pinpipe::cli
