// The end-of-run summary of `pinpipe simulate`: what was sent, what each stage holds now and
// where every output is, readable at a glance. Reads the log, the lake directory, the
// warehouse (read-only) and the run's CSV files; changes nothing.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "actors/pipeline_runtime.hpp"
#include "actors/stats.hpp"
#include "logclient/log_client.hpp"

namespace pinpipe::cli {

struct simulation_summary {
  actors::run_outcome run; ///< empty run_id when no batch run happened
  std::string batch_error;
  std::vector<actors::actor_stats> final_stats;
  bool interrupted = false;
  double seconds = 0;
};

void print_summary(std::ostream& os, logclient::log_client& log, const config::config& cfg,
                   const data_paths& paths, const simulation_summary& s);

} // namespace pinpipe::cli
