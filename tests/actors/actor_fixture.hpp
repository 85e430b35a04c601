// A gtest fixture that runs actors on CAF 0.17's deterministic test coordinator: no worker
// threads; messages are processed only when the test calls run(), and delayed sends wait
// on a simulated clock until the test calls trigger_timeouts() / advance(). Actors spawned
// on their own thread (caf::detached) would escape it, so the pipeline actors under test
// are spawned with actor_thread::shared (actors/actor_thread.hpp).
#pragma once

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <gtest/gtest.h>

#include "actors/type_ids.hpp"

namespace pinpipe::actors::testing {

struct deterministic_config : caf::actor_system_config {
  deterministic_config() {
    set("scheduler.policy", caf::atom("testing"));
    set("logger.file-verbosity", caf::atom("quiet"));
    set("logger.console", caf::atom("none"));
    register_message_types(*this); // as a node does: errc errors render with their text
  }
};

/// A fresh directory under /tmp, removed with everything in it at the end of the scope.
class temp_dir {
public:
  temp_dir() {
    char tmpl[] = "/tmp/pinpipe-actors-XXXXXX";
    if (const char* made = mkdtemp(tmpl)) path_ = made;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
  std::string path_;
};

class actor_test : public ::testing::Test {
protected:
  deterministic_config cfg;
  caf::actor_system sys{cfg};
  caf::scheduler::test_coordinator& sched =
      dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  caf::scoped_actor self{sys, true};
  std::vector<caf::actor> spawned; ///< stopped at the end of the test

  void SetUp() override { ASSERT_TRUE(dir.path().size() > 0) << "mkdtemp failed"; }

  void TearDown() override {
    for (auto& a : spawned)
      self->send_exit(a, caf::exit_reason::user_shutdown);
    sched.run();
    spawned.clear();
  }

  /// Keeps `a` for TearDown and returns it.
  template <class Handle>
  Handle track(Handle a) {
    spawned.push_back(caf::actor_cast<caf::actor>(a));
    return a;
  }

  /// Runs every message that is ready (not the delayed ones). Returns how many ran.
  size_t run() { return sched.run(); }

  /// Fires the delayed messages that are due after `d` of simulated time, then runs.
  size_t advance(std::chrono::milliseconds d) {
    sched.advance_time(d);
    return run();
  }

  /// Fires every pending delayed message at once (whatever its delay), then runs.
  size_t fire_timeouts() {
    sched.trigger_timeouts();
    return run();
  }

  /// The answer to a request made by ask(): a value, an error, or (still) nothing.
  template <class T>
  struct reply {
    bool answered = false;
    T value{};
    std::string error; ///< rendered; empty on success
    bool ok() const { return answered && error.empty(); }
  };

  /// Sends `xs` to `a` as a request from a probe actor on the test coordinator, runs every
  /// ready message, and returns what came back. Never blocks: a request nobody answers
  /// comes back with answered == false.
  template <class T, class Handle, class... Ts>
  reply<T> ask(const Handle& a, Ts... xs) {
    auto out = std::make_shared<reply<T>>();
    sys.spawn([=](caf::event_based_actor* probe) {
      probe->request(a, caf::infinite, xs...)
          .then(
              [=](T& x) {
                out->value = std::move(x);
                out->answered = true;
              },
              [=](caf::error& err) {
                out->error = probe->system().render(err);
                if (out->error.empty()) out->error = "error";
                out->answered = true;
              });
    });
    run();
    return *out;
  }

  temp_dir dir;
};

} // namespace pinpipe::actors::testing
