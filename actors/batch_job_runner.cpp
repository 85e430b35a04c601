#include "actors/batch_job_runner.hpp"

#include <chrono>

#include <caf/all.hpp>

#include "actors/interfaces.hpp"
#include "pipeline/batch/batch_job.hpp"
#include "pipeline/warehouse/warehouse.hpp"

namespace pinpipe::actors {

namespace {

/// Asks the connector (if this node runs one) to close its lake objects up to now.
status flush_connector(caf::actor_system& sys, const caf::actor& conn) {
  if (!conn) return {};
  caf::scoped_actor self{sys};
  status out{errc::timeout, "the connector did not close its lake objects within 120 s"};
  self->request(conn, std::chrono::seconds(120), flush_atom::value)
      .receive([&](int64_t) { out = {}; },
               [&](caf::error& err) {
                 out = status{errc::internal, "closing the lake objects before the batch run: " +
                                                  sys.render(err)};
               });
  return out;
}

} // namespace

batch_job make_batch_job(caf::actor_system& sys, caf::actor connector, batch_job_options opt) {
  caf::actor_system* system = &sys;
  return [opt = std::move(opt), conn = std::move(connector),
          system](const std::string& run_id, run_outcome& out) -> status {
    // A run includes every record the batch topics hold when it starts.
    if (auto st = flush_connector(*system, conn); !st.ok()) return st;
    auto wh = warehouse::warehouse::open(opt.warehouse_path, opt.uid);
    if (!wh) return wh.error();
    batch::batch_options b;
    b.lake_dir = opt.lake_dir;
    b.uid = opt.uid;
    b.results_dir = opt.results_dir;
    b.run_id = run_id;
    auto report = batch::run_batch(**wh, b);
    if (!report) return report.error();
    out.results_dir = report->output_dir;
    out.report = "objects " + std::to_string(report->objects_read) + ", records " +
                 std::to_string(report->records_read) + ", cleaned " +
                 std::to_string(report->records_cleaned) + ", dead letters " +
                 std::to_string(report->dead_letters) + ", duplicates dropped " +
                 std::to_string(report->duplicates_dropped) + ", rows pin/geo/user " +
                 std::to_string(report->pin_rows) + "/" + std::to_string(report->geo_rows) + "/" +
                 std::to_string(report->user_rows) + ", " +
                 std::to_string(static_cast<int64_t>(report->total_seconds * 1000 + 0.5)) + " ms";
    return {};
  };
}

} // namespace pinpipe::actors
