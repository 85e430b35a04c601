#include "storage/log_check.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/logging.hpp"
#include "storage/file_io.hpp"
#include "storage/filename.hpp"
#include "storage/log.hpp"
#include "storage/segment_scan.hpp"

namespace pinpipe::storage {
namespace {

namespace fs = std::filesystem;

struct seg_file {
  int64_t base = 0;
  std::string path;
};

std::vector<seg_file> segments_of(const std::string& pdir) {
  std::vector<seg_file> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(pdir, ec)) {
    offset_t base{0};
    if (filename::parse(e.path().filename().string(), base) == filename::file_kind::segment)
      out.push_back({base.get(), e.path().string()});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.base < b.base; });
  return out;
}

/// Partition numbers of a topic directory, sorted.
std::vector<int32_t> partitions_of(const std::string& tdir) {
  std::vector<int32_t> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(tdir, ec)) {
    const std::string n = e.path().filename().string();
    if (!e.is_directory() || n.empty() || n.size() > 9 ||
        !std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; }))
      continue;
    out.push_back(std::stoi(n));
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// The damage of one partition's segments, in file order.
struct partition_walk {
  int segments = 0;
  int64_t batches = 0;
  int64_t end_offset = 0; ///< after the last verified batch of the last segment
  std::vector<damage_report> damage;
  std::vector<damaged_range> ranges; ///< for repairable reports, same order
};

result<partition_walk> walk_partition(const std::string& topic, int32_t p,
                                      const std::string& pdir) {
  partition_walk w;
  const auto segs = segments_of(pdir);
  for (size_t i = 0; i < segs.size(); ++i) {
    auto f = io::file::open_ro(segs[i].path);
    if (!f) return f.error();
    auto size = f->size();
    if (!size) return size.error();
    ++w.segments;
    auto sc = scan_segment(*f, segs[i].base, *size, 0,
                           [&](const format::batch_header&, int64_t) { ++w.batches; });
    if (!sc) return sc.error();
    damage_report base;
    base.topic = topic;
    base.partition = p;
    base.file = segs[i].path;
    for (const auto& d : sc->damaged) {
      damage_report r = base;
      r.pos = d.pos;
      r.bytes = d.end - d.pos;
      r.first_offset = d.first_offset;
      r.end_offset = d.next_offset;
      r.reason = d.reason;
      r.what = d.repairable ? damage_report::kind::repairable : damage_report::kind::lost;
      w.damage.push_back(r);
      w.ranges.push_back(d);
    }
    const bool last = i + 1 == segs.size();
    if (!sc->tail_zero) {
      damage_report r = base;
      r.pos = sc->valid_end;
      r.bytes = *size - sc->valid_end;
      r.first_offset = sc->next_offset;
      r.end_offset = last ? sc->next_offset : segs[i + 1].base;
      r.reason = sc->tail_reason;
      r.what = damage_report::kind::tail;
      w.damage.push_back(r);
      w.ranges.emplace_back();
    } else if (!last && sc->next_offset != segs[i + 1].base) {
      damage_report r = base;
      r.pos = sc->valid_end;
      r.first_offset = sc->next_offset;
      r.end_offset = segs[i + 1].base;
      r.reason = "the segment ends at offset " + std::to_string(sc->next_offset) +
                 " but the next one starts at " + std::to_string(segs[i + 1].base);
      r.what = damage_report::kind::gap;
      w.damage.push_back(r);
      w.ranges.emplace_back();
    }
    w.end_offset = sc->next_offset;
  }
  return w;
}

/// Holds the log's lock (flock on <dir>/.lock) until destroyed.
class dir_lock {
public:
  ~dir_lock() {
    if (fd_ >= 0) ::close(fd_);
  }
  status take(const std::string& log_dir) {
    const std::string path = filename::lock_file(log_dir);
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) return io::errno_status("cannot open", path, errno);
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      return {errc::unavailable, "the log " + log_dir + " is open in a running node (lock on " +
                                     path + "); stop the node first"};
    }
    return status::success();
  }

private:
  int fd_ = -1;
};

std::string now_text() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

} // namespace

std::string removed_text(const repair_plan& plan) {
  if (plan.removed_to <= plan.removed_from) return "no verified offsets removed";
  return "offsets " + std::to_string(plan.removed_from) + ".." +
         std::to_string(plan.removed_to - 1) + " removed";
}

std::string describe(const damage_report& d) {
  std::string s = d.file + " byte " + std::to_string(d.pos) + ": " + d.reason + " (";
  switch (d.what) {
  case damage_report::kind::repairable:
    s += "offsets " + std::to_string(d.first_offset) + ".." + std::to_string(d.end_offset - 1) +
         " intact; only header fields outside the CRC are wrong: the node's recovery or "
         "`pinpipe log repair` rewrites them";
    break;
  case damage_report::kind::lost:
    s += std::to_string(d.bytes) + " bytes, offsets " + std::to_string(d.first_offset) + ".." +
         std::to_string(d.end_offset - 1) + " unreadable; verified batches follow";
    break;
  case damage_report::kind::tail:
    s += std::to_string(d.bytes) + " bytes to the end of the file, nothing after verifies";
    if (d.end_offset > d.first_offset) {
      s += "; offsets " + std::to_string(d.first_offset) + ".." +
           std::to_string(d.end_offset - 1) + " unreadable";
    }
    break;
  case damage_report::kind::gap:
    s += "offsets " + std::to_string(d.first_offset) + ".." + std::to_string(d.end_offset - 1) +
         " missing";
    break;
  }
  return s + ")";
}

result<verify_summary> verify_log(const std::string& log_dir) {
  verify_summary out;
  std::error_code ec;
  if (!fs::is_directory(log_dir, ec)) {
    return status{errc::invalid_argument,
                  log_dir + " is not a log directory (expected <data dir>/log)"};
  }
  std::vector<std::string> topics;
  for (const auto& e : fs::directory_iterator(log_dir, ec)) {
    const std::string name = e.path().filename().string();
    if (e.is_directory() && validate_topic_name(name).ok() &&
        fs::exists(filename::topic_meta(log_dir, name)))
      topics.push_back(name);
  }
  if (ec) return status{errc::io_error, "cannot list " + log_dir + ": " + ec.message()};
  std::sort(topics.begin(), topics.end());
  for (const auto& t : topics) {
    ++out.topics;
    for (int32_t p : partitions_of(filename::topic_dir(log_dir, t))) {
      ++out.partitions;
      auto w = walk_partition(t, p, filename::partition_dir(log_dir, t, partition_id{p}));
      if (!w) return w.error();
      out.segments += w->segments;
      out.batches += w->batches;
      out.damage.insert(out.damage.end(), w->damage.begin(), w->damage.end());
    }
  }
  return out;
}

result<repair_plan> repair_partition(const std::string& log_dir, const std::string& topic,
                                     partition_id p, bool apply) {
  repair_plan plan;
  plan.partition_dir = filename::partition_dir(log_dir, topic, p);
  std::error_code ec;
  if (!fs::exists(filename::topic_meta(log_dir, topic), ec)) {
    return status{errc::unknown_topic, "no topic '" + topic + "' in " + log_dir +
                                           " (`pinpipe log verify` lists the damaged ones)"};
  }
  if (!fs::is_directory(plan.partition_dir, ec)) {
    return status{errc::unknown_partition,
                  "topic '" + topic + "' has no partition " + std::to_string(p.get())};
  }
  dir_lock lock;
  if (auto st = lock.take(log_dir); !st) return st;
  auto w = walk_partition(topic, p.get(), plan.partition_dir);
  if (!w) return w.error();
  const auto segs = segments_of(plan.partition_dir);
  for (size_t i = 0; i < w->damage.size(); ++i) {
    const auto& d = w->damage[i];
    if (d.what == damage_report::kind::repairable) {
      plan.headers.push_back(d);
      if (apply) {
        auto f = io::file::open_rw(d.file, false);
        if (!f) return f.error();
        if (auto st = repair_header(*f, w->ranges[i]); !st) return st;
        if (auto st = f->datasync(); !st) return st;
      }
      continue;
    }
    if (d.what == damage_report::kind::gap) continue; // nothing stored there to cut
    plan.needed = true;
    plan.first = d;
    plan.cut_file = d.file;
    plan.cut_pos = d.pos;
    plan.removed_from = d.first_offset;
    plan.removed_to = w->end_offset;
    break;
  }
  if (!plan.needed) return plan;
  size_t cut = 0;
  while (cut < segs.size() && segs[cut].path != plan.cut_file)
    ++cut;
  plan.removed_bytes = static_cast<int64_t>(fs::file_size(plan.cut_file, ec)) - plan.cut_pos;
  for (size_t i = cut + 1; i < segs.size(); ++i) {
    plan.files.push_back(segs[i].path);
    plan.removed_bytes += static_cast<int64_t>(fs::file_size(segs[i].path, ec));
  }
  if (!apply) return plan;
  auto log = logging::get("storage");
  {
    auto f = io::file::open_rw(plan.cut_file, false);
    if (!f) return f.error();
    if (auto st = f->truncate(plan.cut_pos); !st) return st;
    if (auto st = f->sync(); !st) return st;
  }
  std::vector<std::string> remove = plan.files;
  for (size_t i = cut; i < segs.size(); ++i) {
    remove.push_back(filename::offset_index(plan.partition_dir, offset_t{segs[i].base}));
    remove.push_back(filename::time_index(plan.partition_dir, offset_t{segs[i].base}));
  }
  for (const auto& path : remove) {
    fs::remove(path, ec);
    if (ec) return status{errc::io_error, "cannot delete " + path + ": " + ec.message()};
  }
  if (auto st = io::fsync_dir(plan.partition_dir); !st) return st;
  const std::string line = now_text() + " cut " + plan.cut_file + " at byte " +
                           std::to_string(plan.cut_pos) + ", deleted " +
                           std::to_string(plan.files.size()) + " later segment(s): " +
                           removed_text(plan) + " (" + std::to_string(plan.removed_bytes) +
                           " bytes); first damage: " + plan.first.reason;
  std::ofstream(plan.partition_dir + "/repairs.txt", std::ios::app) << line << "\n";
  log->warn("log repair of {}/{}: {}", topic, p.get(), line);
  return plan;
}

} // namespace pinpipe::storage
