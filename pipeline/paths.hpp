// What a node's data directory holds and how it is set up: the paths inside it, the log
// engine's settings for the log under it, and the pipeline's default topics.
//
// Used by the pipeline runtime (actors/), the CLI (nodes/) and the benchmarks. Plain C++, no
// CAF.
#pragma once

#include <string>

#include "common/config.hpp"
#include "common/status.hpp"
#include "logclient/log_client.hpp"

namespace pinpipe {

/// Paths inside a data directory, made in one place.
struct data_paths {
  std::string root, source, log, lake, warehouse, results, manifests;
  static data_paths of(const std::string& data_dir, const config::config& cfg);
};

/// The log engine's settings from the [log] section, for a log under `dir`.
storage::log_config log_config_of(const config::config& cfg, const std::string& dir);

/// Creates the default topics of the pipeline if missing: <uid>.pin/.geo/.user and the
/// streams streaming-<uid>-pin/-geo/-user (cfg.pipeline.stream_shards shards each).
status ensure_default_topics(logclient::log_client& log, const config::config& cfg);

} // namespace pinpipe
