// The durable part of one replica of one Raft group: its hard state (term, vote) and its
// batches, in its own directory (docs/log-format.md, "Replica files (cluster)"; byte
// layout in cluster/raft_disk_format.hpp).
//
// Lifecycle: open() creates or recovers the directory; the host hands take_loaded() to a
// new raft::node, then for every ready with a persist request calls write() (in order)
// and, once per loop iteration, sync(); after sync() returns ok every request written
// before it is durable and the host may call node::persisted() for them and send their
// messages. Retention calls compact(). Errors: a full disk during an append (errc::disk_full) cuts
// the append back, so the same request can be written again once there is space; a failed hard
// state write is retried by the next sync(). Any other I/O error in write() or sync() (a failed
// fdatasync above all) leaves the files in an unknown state: every later call returns that error,
// and the host must reopen (recovery cuts what is not whole).
//
// Durability order inside sync(): the hard state file first (write tmp, fsync, rename,
// fsync the directory), then one fdatasync of the batch file. A crash in between leaves a
// newer hard state with an older log, which Raft allows; never batches of a term whose
// vote was lost. A reset replaces raft.log at once (tmp, fsync, rename), writing a staged
// hard state first for the same reason.
//
// Threading: not thread-safe; one owner (the replica's host loop) calls everything.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cluster/raft_disk_format.hpp"
#include "common/status.hpp"
#include "raft/node.hpp"

namespace pinpipe::storage::io {
class file;
}

namespace pinpipe::cluster {

/// The durable part of one replica of one Raft group, in its own directory.
class raft_disk {
public:
  /// What recovery did to raft.log's tail (cut_at < 0: nothing was cut).
  struct recovery_info {
    int64_t cut_at = -1;       ///< byte position of the first record dropped
    int64_t bytes_dropped = 0; ///< bytes removed from there to the old end of the file
    std::string reason;        ///< why that record was refused
    size_t entries = 0;        ///< whole entries kept
  };

  /// Opens (creating the directory and files if missing) and runs recovery: reads the hard
  /// state file and the batch file, cuts a torn or corrupt tail (CRC) and reports it in the
  /// log (spdlog via common/logging.hpp). errc::io_error / corrupt_data with the path on failure.
  /// The directory is flock()ed while the object lives: a second open of it, from this
  /// process or another, fails with io_error.
  static result<std::unique_ptr<raft_disk>> open(const std::string& dir);

  /// What recovery found: hard state, log_start, prefix_term, producer snapshot at log_start,
  /// and every batch (raft::entry with its payload) in order.
  const raft::durable_state& loaded() const { return loaded_; }
  raft::durable_state take_loaded() { return std::move(loaded_); }
  const recovery_info& recovery() const { return recovery_; }

  /// Applies one persist request IN ORDER: hard state (staged), reset, truncate, append.
  /// Nothing is sure to be durable before sync() (a reset is at once). Entries that do not
  /// continue the log (base not the previous last + 1, base > last, more than 2^31 - 1
  /// records, a term lower than the previous one, an unknown kind, a payload over 256 MiB)
  /// and hard states that go back (lower term, another vote in the same term) are refused
  /// with invalid_argument before anything is applied.
  status write(const raft::persist_request& r);
  /// Retention: drops the entries before `new_start` (an entry's base, or last() + 1; at or
  /// below log_start nothing happens) by writing raft.log.tmp with a new header (log_start
  /// = new_start, prefix_term = the term of the last dropped entry, the producer state
  /// there) and the bytes of the entries kept, fsync, rename, fsync of the directory. It
  /// costs a copy of what is kept: call it when the prefix to drop is large next to the
  /// rest (bytes_before()). Every entry written before it is durable after it. The caller
  /// drops only committed, persisted entries (raft::node::compact checks the same).
  /// invalid_argument for an offset inside an entry or past last() + 1; a failure before
  /// the rename leaves the old file and the disk usable.
  status compact(offset_t new_start);
  /// Bytes of the records before `o` (what compact(o) would free).
  int64_t bytes_before(offset_t o) const;
  /// Makes everything written so far durable: the hard state (if it changed) by write tmp +
  /// fsync + rename + fsync of the directory, then one fdatasync of the batch file (only if
  /// something was written), so the host can group several requests into one sync.
  status sync();

  int64_t bytes() const { return end_; } ///< size of the batch file
  const std::string& dir() const { return dir_; }
  /// The hard state as of the last write() (durable once sync() returns).
  const raft::hard_state& hard() const { return hard_staged_; }
  offset_t log_start() const { return log_start_; }
  term_t prefix_term() const { return prefix_term_; }
  /// Last offset stored (log_start - 1 when empty) and its term.
  offset_t last() const;
  term_t last_term() const;
  size_t entry_count() const { return index_.size(); }

  ~raft_disk();
  raft_disk(const raft_disk&) = delete;
  raft_disk& operator=(const raft_disk&) = delete;

private:
  /// Where one stored entry is: enough to truncate and to check what comes next.
  /// Where one stored entry is, and what compaction needs of it without reading it.
  struct position {
    offset_t base;
    offset_t last;
    term_t term;
    int64_t at; ///< byte position of its record in raft.log
    int64_t producer_id;
    int32_t base_sequence;
    raft::entry_kind kind;
  };
  static position position_of(const raft::entry& e, int64_t at) {
    return {e.base, e.last, e.term, at, e.producer_id, e.base_sequence, e.kind};
  }

  explicit raft_disk(std::string dir);
  status lock_dir();
  status load_state();
  status load_log();
  status create_log();
  status write_state();
  status replace_log(const disk_format::log_header& h);
  /// Checks `r` against the log as it will be after its reset and truncation.
  status check_request(const raft::persist_request& r) const;
  status fail(status st); ///< remembers an I/O failure and returns it

  std::string dir_, state_path_, log_path_;
  std::unique_ptr<storage::io::file> log_; ///< raft.log, open read/write
  int dir_fd_ = -1;                        ///< the directory, flock()ed while this object lives
  int64_t end_ = 0;                        ///< size of raft.log = where the next record goes
  int64_t header_end_ = 0;
  offset_t log_start_{0};
  term_t prefix_term_{0};
  std::vector<position> index_;
  raft::producer_snapshot producers_at_start_; ///< the header's producer state
  raft::hard_state hard_durable_, hard_staged_;
  bool dirty_ = false; ///< raft.log changed since the last fdatasync
  status failed_;
  std::string buf_; ///< the bytes of one write(), reused
  raft::durable_state loaded_;
  recovery_info recovery_;
};

} // namespace pinpipe::cluster
