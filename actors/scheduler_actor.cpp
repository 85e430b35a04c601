#include "actors/scheduler_actor.hpp"

#include <chrono>
#include <thread>

#include "actors/errors.hpp"
#include "common/logging.hpp"

namespace pinpipe::actors {
namespace {

struct scheduler_state {
  std::shared_ptr<batch::scheduler> sched;
  batch_job job;
  bool automatic = true;
  const batch::sched_clock* clock = nullptr;
  batch::scheduler::sleep_fn sleep;
  std::shared_ptr<spdlog::logger> logger = logging::get("scheduler");
};

using scheduler_ptr = caf::stateful_actor<scheduler_state>*;

/// Runs one planned run with retries; the outcome of its last attempt.
run_outcome execute(scheduler_ptr self, const batch::planned_run& run) {
  auto& st = self->state;
  run_outcome out;
  out.run_id = run.run_id;
  auto job = [&](const batch::planned_run& r, int32_t attempt) {
    st.logger->info("batch run {} attempt {} started", r.run_id, attempt);
    out.error.clear();
    auto s = st.job(r.run_id, out);
    if (!s.ok()) out.error = s.to_string();
    st.logger->info("batch run {} attempt {}: {}", r.run_id, attempt,
                    s.ok() ? "success" : out.error);
    return s;
  };
  auto final_state = st.sched->run_with_retries(run, job, st.sleep);
  if (!final_state) {
    out.state = "failed";
    out.error = final_state.error().to_string();
  } else {
    out.state = *final_state;
  }
  return out;
}

caf::behavior scheduler_fn(scheduler_ptr self, std::shared_ptr<batch::scheduler> sched,
                           batch_job job, bool automatic, const batch::sched_clock* clock,
                           batch::scheduler::sleep_fn sleep) {
  auto& st = self->state;
  st.sched = std::move(sched);
  st.job = std::move(job);
  st.automatic = automatic;
  st.clock = clock;
  st.sleep = std::move(sleep);
  if (automatic) self->send(self, tick_atom::value);
  return {
      [=](tick_atom) {
        auto& s = self->state;
        auto due = s.sched->due_run(s.clock->now());
        if (!due)
          s.logger->error("scheduler: {}", due.error().to_string());
        else if (*due)
          execute(self, **due);
        self->delayed_send(self, std::chrono::seconds(1), tick_atom::value);
      },
      [=](trigger_atom) -> caf::result<run_outcome> {
        auto plan = self->state.sched->trigger_manual();
        if (!plan) return to_caf_error(plan.error());
        return execute(self, *plan);
      },
      [=](runs_atom) -> caf::result<std::vector<batch::run_record>> {
        auto runs = self->state.sched->list_runs();
        if (!runs) return to_caf_error(runs.error());
        return std::move(*runs);
      },
  };
}

} // namespace

result<caf::actor> spawn_scheduler(caf::actor_system& sys, scheduler_actor_options opt,
                                   batch_job job) {
  const batch::sched_clock* clock = opt.clock ? opt.clock : &batch::system_sched_clock();
  auto sched = batch::scheduler::open(opt.warehouse_path, opt.schedule, *clock);
  if (!sched) return sched.error();
  std::shared_ptr<batch::scheduler> shared = std::move(*sched);
  batch::scheduler::sleep_fn sleep = opt.sleep;
  if (!sleep)
    sleep = [](int64_t seconds) { std::this_thread::sleep_for(std::chrono::seconds(seconds)); };
  if (opt.thread == actor_thread::shared)
    return sys.spawn(scheduler_fn, shared, std::move(job), opt.automatic, clock, sleep);
  return sys.spawn<caf::detached>(scheduler_fn, shared, std::move(job), opt.automatic, clock,
                                  sleep);
}

} // namespace pinpipe::actors
