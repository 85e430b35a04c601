// The stream reader's bookkeeping as a plain class (no CAF): where each partition of one
// stream resumes, whether a batch of it is in flight, and what happens when retention has
// removed records the reader never processed. The actor (stream_reader_actor.cpp) owns one
// and does the I/O; this class decides positions, so it is tested on its own
// (tests/actors/stream_cursor_test.cpp).
//
// Rules, per partition:
//  - nothing is fetched until the sink has told the committed position (set_resume);
//  - at most one batch is in flight; the next fetch starts only after it is acknowledged;
//  - an acknowledgement moves the position to the sink's committed next offset;
//  - a failure leaves the position where it was, so the same records are fetched again;
//  - retention: when the log start has moved past the position, the position jumps to the
//    log start and the skipped range is reported (never silently);
//  - incarnation: the positions belong to one creation of the stream. When the stream was
//    deleted and recreated (observe() sees another incarnation) every partition becomes
//    unresumed again, so the caller asks the sink for the new incarnation's positions (0: the
//    stream starts over); a batch still in flight stays in flight until it is settled, and
//    its acknowledgement must not move the new positions (the caller drops it with fail()).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pinpipe::actors {

class stream_cursor {
public:
  /// What observe() found.
  enum class seen {
    first,     ///< no incarnation was known: positions must be asked for
    same,      ///< the stream is the one the positions belong to
    recreated, ///< another incarnation: positions reset, must be asked for again
  };

  stream_cursor() = default;
  explicit stream_cursor(size_t partitions) { resize(partitions); }

  /// Tracks `partitions` partitions; new ones start unresumed.
  void resize(size_t partitions) { parts_.resize(partitions); }
  size_t partitions() const { return parts_.size(); }

  /// The stream now has `incarnation` and `partitions` partitions (from the log). On `first`
  /// and `recreated` every partition is unresumed until set_resume (in-flight flags stay);
  /// on `same` only a grown partition count is taken.
  seen observe(int64_t incarnation, size_t partitions);
  /// The incarnation the positions belong to; nothing before the first observe().
  std::optional<int64_t> incarnation() const { return incarnation_; }

  /// The sink's committed position of `p`: fetching starts here.
  void set_resume(int32_t p, int64_t committed);

  /// The offset to fetch `p` from, or nothing while it is unresumed or has a batch in flight.
  std::optional<int64_t> ready(int32_t p) const;

  /// A batch of `p` was sent down the pipeline: no further fetch until it is settled.
  void begin(int32_t p);

  /// The sink committed `p` up to (not including) `committed`. Returns false, changing
  /// nothing, when no batch of `p` was in flight.
  bool acknowledge(int32_t p, int64_t committed);

  /// The batch in flight failed (cleaner or sink): the position stays, so it is retried.
  void fail(int32_t p);

  /// Retention: the log of `p` now starts at `log_start`. If that is past the position,
  /// moves the position there and returns a message naming the lost range; otherwise
  /// returns nothing and changes nothing.
  std::optional<std::string> skip_to_log_start(int32_t p, int64_t log_start);

  int64_t next(int32_t p) const { return at(p).next; }
  bool resumed(int32_t p) const { return at(p).next >= 0; }
  bool in_flight(int32_t p) const { return at(p).in_flight; }

private:
  struct partition {
    int64_t next = -1; ///< -1 until the sink told the committed position
    bool in_flight = false;
  };
  partition& at(int32_t p) { return parts_.at(static_cast<size_t>(p)); }
  const partition& at(int32_t p) const { return parts_.at(static_cast<size_t>(p)); }

  std::vector<partition> parts_;
  std::optional<int64_t> incarnation_;
};

} // namespace pinpipe::actors
