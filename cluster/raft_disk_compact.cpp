// raft_disk::compact: retention for a replica's log (cluster/raft_disk.hpp). The log is
// one file, so dropping a prefix rewrites what is kept behind a new header, atomically.
#include <algorithm>
#include <cerrno>

#include <unistd.h>

#include "cluster/raft_disk.hpp"
#include "common/file_write.hpp"
#include "raft/producers.hpp"
#include "storage/file_io.hpp"

namespace pinpipe::cluster {
namespace {

namespace io = storage::io;

/// Copies [from, to) of `src` to the end of `dst` at `at`, in large chunks.
status copy_range(const io::file& src, int64_t from, int64_t to, const io::file& dst, int64_t at) {
  std::string buf(std::min<int64_t>(to - from, 4 << 20), '\0');
  while (from < to) {
    const size_t n = static_cast<size_t>(std::min<int64_t>(to - from, buf.size()));
    auto got = src.pread_some(buf.data(), n, from);
    if (!got) return got.error();
    if (*got != n)
      return {errc::io_error, "the replica log " + src.path() + " ended at byte " +
                                  std::to_string(from + static_cast<int64_t>(*got)) +
                                  " while it was copied (expected " + std::to_string(to) +
                                  " bytes); was it changed by another program?"};
    if (auto st = dst.pwrite_all(buf.data(), n, at); !st) return st;
    from += static_cast<int64_t>(n);
    at += static_cast<int64_t>(n);
  }
  return status::success();
}

} // namespace

int64_t raft_disk::bytes_before(offset_t o) const {
  auto it = std::lower_bound(index_.begin(), index_.end(), o,
                             [](const position& p, offset_t x) { return p.base < x; });
  return (it == index_.end() ? end_ : it->at) - header_end_;
}

status raft_disk::compact(offset_t new_start) {
  if (!failed_.ok()) return failed_;
  if (new_start <= log_start_) return status::success();
  const std::string where =
      "compacting " + log_path_ + " to offset " + std::to_string(new_start.value) + ": ";
  if (new_start > last() + 1)
    return {errc::invalid_argument,
            where + "the log ends at offset " + std::to_string(last().value) + "; nothing dropped"};
  auto keep = std::lower_bound(index_.begin(), index_.end(), new_start,
                               [](const position& p, offset_t x) { return p.base < x; });
  if (keep != index_.end() ? keep->base != new_start : new_start != last() + 1)
    return {errc::invalid_argument, where + "not the first offset of a batch; nothing dropped"};

  // The header of the new file: the state just before new_start.
  raft::producer_table producers;
  producers.restore(producers_at_start_);
  for (auto p = index_.begin(); p != keep; ++p) {
    raft::entry e;
    e.base = p->base;
    e.last = p->last;
    e.term = p->term;
    e.kind = p->kind;
    e.producer_id = p->producer_id;
    e.base_sequence = p->base_sequence;
    producers.apply(e); // the payload is not needed
  }
  const disk_format::log_header h{new_start,
                                  keep == index_.begin() ? prefix_term_ : std::prev(keep)->term,
                                  producers.snapshot()};
  const std::string header = disk_format::encode_log_header(h);
  const int64_t from = keep == index_.end() ? end_ : keep->at;

  // raft.log.tmp: header + the records kept, fsynced; a failure leaves raft.log as it was.
  const std::string tmp_path = log_path_ + ".tmp";
  {
    auto tmp = io::file::open_rw(tmp_path, true);
    status st = tmp ? tmp->truncate(0) : tmp.error();
    if (st.ok()) st = tmp->pwrite_all(header.data(), header.size(), 0);
    if (st.ok()) st = copy_range(*log_, from, end_, *tmp, static_cast<int64_t>(header.size()));
    if (st.ok()) st = tmp->sync();
    if (!st.ok()) {
      ::unlink(tmp_path.c_str());
      return st;
    }
  }
  if (::rename(tmp_path.c_str(), log_path_.c_str()) != 0) {
    status st = files::errno_status("renaming to '" + log_path_ + "'", tmp_path, errno);
    ::unlink(tmp_path.c_str());
    return st;
  }
  // From here raft.log is the new file: the object must follow it, or stop.
  auto f = io::file::open_rw(log_path_, false);
  if (!f) return fail(f.error());
  *log_ = std::move(*f);
  const int64_t shift = from - static_cast<int64_t>(header.size());
  index_.erase(index_.begin(), keep);
  for (position& p : index_)
    p.at -= shift;
  end_ -= shift;
  header_end_ = static_cast<int64_t>(header.size());
  log_start_ = h.log_start;
  prefix_term_ = h.prefix_term;
  producers_at_start_ = h.producers;
  dirty_ = false; // every byte kept was copied and fsynced
  if (auto st = io::fsync_dir(dir_); !st) return fail(st);
  return status::success();
}

} // namespace pinpipe::cluster
