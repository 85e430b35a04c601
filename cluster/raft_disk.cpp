#include "cluster/raft_disk.hpp"

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <limits>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/file_write.hpp"
#include "common/logging.hpp"
#include "storage/file_io.hpp"

namespace pinpipe::cluster {
namespace {

namespace io = storage::io;

/// Files of the replica directory (docs/log-format.md, "Replica files (cluster)").
constexpr const char* state_name = "raft.state";
constexpr const char* log_name = "raft.log";

/// What to do about a file that was written whole and is damaged now.
constexpr const char* damaged_advice =
    "; the replica's disk is damaged: move its directory away and let the replica rejoin "
    "under a new node id (docs/raft.md, \"Limits\")";

/// Reads a file front to back in large chunks; peek(n) keeps at least n bytes (or the
/// rest of the file) available at the cursor, so records are decoded in place.
class chunk_reader {
public:
  static constexpr size_t chunk = 4u << 20;
  chunk_reader(const io::file& f, int64_t size) : f_(f), size_(size) {}

  result<std::string_view> peek(size_t n) {
    const size_t have = buf_.size() - start_;
    if (have < n && file_pos_ < size_) {
      buf_.erase(0, start_);
      start_ = 0;
      const size_t want = static_cast<size_t>(
          std::min<int64_t>(static_cast<int64_t>(std::max(n, chunk) - have), size_ - file_pos_));
      const size_t old = buf_.size();
      buf_.resize(old + want);
      auto got = f_.pread_some(&buf_[old], want, file_pos_);
      if (!got) return got.error();
      buf_.resize(old + *got);
      file_pos_ += static_cast<int64_t>(*got);
    }
    return std::string_view(buf_).substr(start_);
  }
  void skip(size_t n) {
    start_ += n;
    pos_ += static_cast<int64_t>(n);
  }
  int64_t pos() const { return pos_; } ///< file position of the cursor

private:
  const io::file& f_;
  int64_t size_;
  int64_t file_pos_ = 0; ///< file position of the end of buf_
  int64_t pos_ = 0;
  std::string buf_;
  size_t start_ = 0;
};

status remove_leftover(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return files::errno_status("removing the leftover temp file", path, errno);
  return status::success();
}

/// A batch counts its records in an i32, and the offset after it must exist.
bool count_fits(const raft::entry& e) {
  return e.last.value - e.base.value < std::numeric_limits<int32_t>::max() &&
         e.last.value < std::numeric_limits<int64_t>::max();
}

std::string range(const raft::entry& e) {
  return "[" + std::to_string(e.base.value) + ", " + std::to_string(e.last.value) + "]";
}

} // namespace

raft_disk::raft_disk(std::string dir)
    : dir_(std::move(dir)), state_path_(dir_ + "/" + state_name), log_path_(dir_ + "/" + log_name),
      log_(std::make_unique<io::file>()) {}

raft_disk::~raft_disk() {
  if (dir_fd_ >= 0) ::close(dir_fd_); // releases the flock
}

status raft_disk::lock_dir() {
  dir_fd_ = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd_ < 0) return files::errno_status("opening the replica directory", dir_, errno);
  if (::flock(dir_fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK)
      return {errc::io_error, "the replica directory " + dir_ +
                                  " is already open (by this process or another): one "
                                  "raft_disk per directory; stop the other user first"};
    return files::errno_status("locking the replica directory", dir_, errno);
  }
  return status::success();
}

result<std::unique_ptr<raft_disk>> raft_disk::open(const std::string& dir_in) {
  std::string dir = dir_in;
  while (dir.size() > 1 && dir.back() == '/')
    dir.pop_back();
  if (dir.empty())
    return status{errc::invalid_argument,
                  "raft_disk: empty directory path; pass the replica's own directory"};
  // The directories this call creates, deepest first: each new name is made durable by an
  // fsync of its parent.
  std::vector<std::string> created;
  std::error_code ec;
  for (std::filesystem::path p = dir; !p.empty() && !std::filesystem::exists(p, ec) && !ec;
       p = p.parent_path()) {
    created.push_back(p.string());
    if (p == p.parent_path()) break;
  }
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return status{errc::io_error, "cannot create the replica directory " + dir + ": " +
                                      ec.message() + "; check the path and its permissions"};
  if (!std::filesystem::is_directory(dir, ec))
    return status{errc::io_error,
                  "the replica directory " + dir + " is not a directory; move that file away"};
  for (auto it = created.rbegin(); it != created.rend(); ++it) {
    if (auto st = files::fsync_dir(files::parent_dir(*it)); !st) return st;
  }
  std::unique_ptr<raft_disk> d(new raft_disk(dir));
  if (auto st = d->lock_dir(); !st) return st;
  // An interrupted atomic replace leaves its temp file; the real file is whole.
  for (const std::string& p : {d->state_path_ + ".tmp", d->log_path_ + ".tmp"}) {
    if (auto st = remove_leftover(p); !st) return st;
  }
  if (auto st = d->load_state(); !st) return st;
  if (auto st = d->load_log(); !st) return st;
  d->loaded_.hard = d->hard_durable_;
  return d;
}

status raft_disk::load_state() {
  std::error_code ec;
  const bool present = std::filesystem::exists(state_path_, ec);
  if (ec) return files::errno_status("checking", state_path_, ec.value());
  if (!present) return status::success(); // {0, none}
  auto bytes = io::read_small_file(state_path_);
  if (!bytes) return bytes.error();
  raft::hard_state h;
  if (auto st = disk_format::decode_state(*bytes, h); !st)
    return {errc::corrupt_data, "the hard state file " + state_path_ + " " + st.message() +
                                    " (the replica's term and vote are lost)" + damaged_advice};
  hard_durable_ = hard_staged_ = h;
  return status::success();
}

status raft_disk::load_log() {
  std::error_code ec;
  const bool present = std::filesystem::exists(log_path_, ec);
  if (ec) return files::errno_status("checking", log_path_, ec.value()); // never replace it blind
  if (!present) return replace_log({});
  auto f = io::file::open_rw(log_path_, false);
  if (!f) return f.error();
  *log_ = std::move(*f);
  auto size = log_->size();
  if (!size) return size.error();

  chunk_reader in(*log_, *size);
  auto head = in.peek(disk_format::log_header_fixed);
  if (!head) return head.error();
  if (size_t hs = disk_format::log_header_size(*head); hs > head->size()) {
    head = in.peek(hs);
    if (!head) return head.error();
  }
  disk_format::log_header h;
  size_t header_size = 0;
  if (auto st = disk_format::decode_log_header(*head, h, header_size); !st)
    return {errc::corrupt_data, "the replica log " + log_path_ + " " + st.message() +
                                    " (the header is written whole, by rename)" + damaged_advice};
  in.skip(header_size);
  header_end_ = static_cast<int64_t>(header_size);
  log_start_ = h.log_start;
  prefix_term_ = h.prefix_term;
  loaded_.log_start = h.log_start;
  loaded_.prefix_term = h.prefix_term;
  producers_at_start_ = h.producers;
  loaded_.producers = std::move(h.producers);

  offset_t next = log_start_;
  term_t prev = prefix_term_;
  while (true) {
    auto v = in.peek(disk_format::entry_header);
    if (!v) return v.error();
    if (v->empty()) break;
    size_t rec_size = 0;
    auto check = disk_format::check_entry(*v, rec_size);
    if (check == disk_format::record_check::short_record && rec_size > v->size()) {
      v = in.peek(rec_size);
      if (!v) return v.error();
      check = disk_format::check_entry(*v, rec_size);
    }
    const int64_t at = in.pos();
    if (check != disk_format::record_check::ok) {
      recovery_ = {at, *size - at, disk_format::to_string(check), index_.size()};
      break;
    }
    raft::entry e;
    if (auto st = disk_format::decode_entry(v->substr(0, rec_size), e); !st)
      return {errc::corrupt_data, "the replica log " + log_path_ + " " + st.message() +
                                      " at byte " + std::to_string(at) + damaged_advice};
    std::string wrong;
    if (e.base != next)
      wrong = "holds offsets " + range(e) + " where offset " + std::to_string(next.value) +
              " was due (entries must be contiguous)";
    else if (e.last < e.base)
      wrong = "holds offsets " + range(e) + ", an empty range";
    else if (!count_fits(e))
      wrong = "holds offsets " + range(e) + ", more records than a batch can count";
    else if (e.term < prev)
      wrong = "has term " + std::to_string(e.term.value) + " after term " +
              std::to_string(prev.value) + " (terms never decrease)";
    if (!wrong.empty())
      return {errc::corrupt_data, "the replica log " + log_path_ + ": the entry at byte " +
                                      std::to_string(at) + " " + wrong + damaged_advice};
    index_.push_back(position_of(e, at));
    next = e.last + 1;
    prev = e.term;
    loaded_.entries.push_back(std::move(e));
    in.skip(rec_size);
  }
  end_ = in.pos();
  recovery_.entries = index_.size();
  if (recovery_.cut_at >= 0) {
    if (auto st = log_->truncate(end_); !st) return st;
    if (auto st = log_->datasync(); !st) return st;
    auto log = logging::get("cluster");
    const int64_t after = recovery_.bytes_dropped;
    const std::string what = "replica log " + log_path_ + ": the record at byte " +
                             std::to_string(end_) + " is refused (" + recovery_.reason + "); cut " +
                             std::to_string(after) + " bytes from there, keeping " +
                             std::to_string(index_.size()) + " entries up to offset " +
                             std::to_string(last().value);
    if (recovery_.reason == disk_format::to_string(disk_format::record_check::short_record))
      log->warn("{} (a write torn by a crash)", what);
    else
      log->error("{} (a torn write, or damage to synced data: the entries after it are dropped "
                 "too; if this replica acknowledged them, replace it under a new node id, "
                 "docs/raft.md \"Limits\")",
                 what);
  }
  return status::success();
}

offset_t raft_disk::last() const {
  return index_.empty() ? offset_t{log_start_.value - 1} : index_.back().last;
}

term_t raft_disk::last_term() const {
  return index_.empty() ? prefix_term_ : index_.back().term;
}

status raft_disk::check_request(const raft::persist_request& r) const {
  const std::string where = "persist request " + std::to_string(r.id) + " for " + dir_ + ": ";
  if (r.hard) {
    if (r.hard->term < hard_staged_.term)
      return {errc::invalid_argument,
              where + "hard state term " + std::to_string(r.hard->term.value) + " is below term " +
                  std::to_string(hard_staged_.term.value) +
                  " already written (terms never decrease); nothing written"};
    if (r.hard->term == hard_staged_.term && hard_staged_.vote != raft::no_node &&
        r.hard->vote != hard_staged_.vote)
      return {errc::invalid_argument,
              where + "changes the vote of term " + std::to_string(r.hard->term.value) + " from " +
                  std::to_string(hard_staged_.vote.value) + " to " +
                  std::to_string(r.hard->vote.value) + " (one vote per term); nothing written"};
  }
  offset_t next = last() + 1;
  term_t prev = last_term();
  if (r.reset) {
    if (r.reset_log_start.value < 0)
      return {errc::invalid_argument, where + "reset to a negative log_start; nothing written"};
    next = r.reset_log_start;
    prev = r.reset_prefix_term;
  } else if (r.truncate_from != raft::no_offset) {
    auto it = std::lower_bound(index_.begin(), index_.end(), r.truncate_from,
                               [](const position& p, offset_t o) { return p.base < o; });
    if (it != index_.end()) {
      next = it->base;
      prev = it == index_.begin() ? prefix_term_ : std::prev(it)->term;
    }
  }
  for (const raft::entry& e : r.entries) {
    std::string wrong;
    if (e.base != next)
      wrong = "does not continue the log: offset " + std::to_string(next.value) + " is next";
    else if (e.last < e.base)
      wrong = "is an empty range";
    else if (!count_fits(e))
      wrong = "holds more records than a batch can count (2^31 - 1)";
    else if (e.term < prev)
      wrong = "has term " + std::to_string(e.term.value) + " after term " +
              std::to_string(prev.value) + " (terms never decrease)";
    else if (e.kind != raft::entry_kind::data && e.kind != raft::entry_kind::noop)
      wrong = "has an unknown kind " + std::to_string(static_cast<int>(e.kind));
    else if (e.payload.size() > disk_format::max_payload)
      wrong = "has a payload of " + std::to_string(e.payload.size()) + " bytes (at most " +
              std::to_string(disk_format::max_payload) + ")";
    if (!wrong.empty())
      return {errc::invalid_argument,
              where + "the entry " + range(e) + " " + wrong + "; nothing written"};
    next = e.last + 1;
    prev = e.term;
  }
  return status::success();
}

status raft_disk::write(const raft::persist_request& r) {
  if (!failed_.ok()) return failed_;
  if (auto st = check_request(r); !st) return st;
  if (r.hard) hard_staged_ = *r.hard;
  if (r.reset) {
    // The new log may start in a term whose vote is only staged: write the vote first.
    if (hard_staged_ != hard_durable_) {
      if (auto st = write_state(); !st) return fail(st);
    }
    if (auto st = replace_log({r.reset_log_start, r.reset_prefix_term, r.reset_producers}); !st)
      return fail(st);
  }
  if (r.truncate_from != raft::no_offset) {
    auto it = std::lower_bound(index_.begin(), index_.end(), r.truncate_from,
                               [](const position& p, offset_t o) { return p.base < o; });
    if (it != index_.end()) {
      if (auto st = log_->truncate(it->at); !st) return fail(st);
      end_ = it->at;
      index_.erase(it, index_.end());
      dirty_ = true;
    }
  }
  if (!r.entries.empty()) {
    size_t total = 0;
    for (const raft::entry& e : r.entries)
      total += disk_format::entry_size(e);
    buf_.clear();
    buf_.reserve(total);
    for (const raft::entry& e : r.entries) {
      index_.push_back(position_of(e, end_ + static_cast<int64_t>(buf_.size())));
      disk_format::append_entry(e, buf_);
    }
    if (auto st = log_->pwrite_all(buf_.data(), buf_.size(), end_); !st) {
      if (st.code() != errc::disk_full) return fail(st);
      // Cut back what part of the append went in: the log is as before this append, and
      // the same request may be written again once there is space.
      index_.resize(index_.size() - r.entries.size());
      if (auto cut = log_->truncate(end_); !cut) return fail(cut);
      return st;
    }
    end_ += static_cast<int64_t>(buf_.size());
    dirty_ = true;
    if (buf_.capacity() > (8u << 20)) std::string().swap(buf_); // keep no catch-up sized buffer
  }
  return status::success();
}

status raft_disk::sync() {
  if (!failed_.ok()) return failed_;
  // A failed hard state write leaves the old file (or the new one, not yet durable): it is
  // written again by the next sync, so it does not stop the disk.
  if (hard_staged_ != hard_durable_) {
    if (auto st = write_state(); !st) return st;
  }
  if (dirty_) {
    if (auto st = log_->datasync(); !st) return fail(st);
    dirty_ = false;
  }
  return status::success();
}

status raft_disk::write_state() {
  if (auto st = io::write_file_atomic(state_path_, disk_format::encode_state(hard_staged_)); !st)
    return st;
  hard_durable_ = hard_staged_;
  return status::success();
}

status raft_disk::replace_log(const disk_format::log_header& h) {
  const std::string bytes = disk_format::encode_log_header(h);
  if (auto st = io::write_file_atomic(log_path_, bytes); !st) return st;
  auto f = io::file::open_rw(log_path_, false);
  if (!f) return f.error();
  *log_ = std::move(*f);
  end_ = header_end_ = static_cast<int64_t>(bytes.size());
  log_start_ = h.log_start;
  prefix_term_ = h.prefix_term;
  producers_at_start_ = h.producers;
  index_.clear();
  dirty_ = false; // the new file was fsynced whole
  return status::success();
}

status raft_disk::fail(status st) {
  logging::get("cluster")->error("replica disk {}: {}; refusing further writes until it is "
                                 "reopened (recovery cuts what is not whole)",
                                 dir_, st.message());
  failed_ = st;
  return st;
}

} // namespace pinpipe::cluster
