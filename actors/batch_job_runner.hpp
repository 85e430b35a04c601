// The batch job the scheduler actor runs (the DAG's one task): close the connector's lake
// objects up to now, then run the batch over the lake into the warehouse and the results
// directory, and summarise the run for the run history.
#pragma once

#include <string>

#include <caf/fwd.hpp>

#include "actors/scheduler_actor.hpp"

namespace pinpipe::actors {

struct batch_job_options {
  std::string lake_dir, results_dir, warehouse_path, uid;
};

/// A batch_job for the scheduler actor. `connector` may be null (this node runs no connector:
/// the run reads the lake as it is). `sys` must outlive the job.
batch_job make_batch_job(caf::actor_system& sys, caf::actor connector, batch_job_options opt);

} // namespace pinpipe::actors
