// Fuzz target: recovery of a damaged segment (storage/file_log.cpp, segment_scan.hpp) and
// the operator tools (storage/log_check.hpp). Each input becomes the only (active)
// segment of topic "t" partition 0 in a fresh copy of a real log directory; then:
//  1. `pinpipe log verify` (verify_log) reads it;
//  2. with bit 0 of the first byte set, `pinpipe log repair` (repair_partition, apply)
//     cuts it at its first damage, and verify must then find nothing damaged;
//  3. the log opens (recovery), every stored record is fetched (a lost range answers
//     corrupt_data), one record is appended, and the log closes;
//  4. verify finds no torn tail: recovery cut it.
// Properties, beyond "no crash": fetched offsets only go forward; the appended record gets
// the old high watermark (no offset is handed out twice); recovery leaves no torn tail.
// The first byte only selects; the segment is the whole input (its first byte included).
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <future>
#include <string>

#include "storage/file_io.hpp"
#include "storage/filename.hpp"
#include "storage/log.hpp"
#include "storage/log_check.hpp"
#include "tests/fuzz/fuzz_util.hpp"
#include "tests/fuzz/scratch_dir.hpp"

using namespace pinpipe;
using namespace pinpipe::storage;
using pinpipe::fuzz::fuzz_check;
namespace fs = std::filesystem;

namespace {

log_config config_for(const std::string& dir) {
  log_config cfg;
  cfg.dir = dir;
  cfg.preallocate = false;
  cfg.retention_ms = -1;
  return cfg;
}

/// A log directory with topic "t" (1 partition), made once by the real log.
const std::string& template_dir() {
  static const std::string dir = [] {
    std::string d = fuzz::scratch_dir() + "/template";
    auto log = open_file_log(config_for(d));
    fuzz_check(log.ok(), "the template log opens");
    fuzz_check((*log)->create_topic("t", topic_config{}).ok(), "the template topic is created");
    (*log)->close();
    return d;
  }();
  return dir;
}

bool no_damage_in_t(const verify_summary& s, bool tails_only) {
  for (const auto& d : s.damage)
    if (d.topic == "t" && (!tails_only || d.what == damage_report::kind::tail)) return false;
  return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::quiet_logs();
  const std::string& tmpl = template_dir();
  const std::string dir = fuzz::scratch_dir() + "/log";
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::copy(tmpl, dir, fs::copy_options::recursive, ec);
  fuzz_check(!ec, "the template log is copied");
  const std::string pdir = filename::partition_dir(dir, "t", partition_id{0});
  for (const auto& e : fs::directory_iterator(pdir)) fs::remove(e.path());
  {
    auto f = io::file::open_rw(filename::segment(pdir, offset_t{0}), true);
    fuzz_check(f.ok(), "the segment is created");
    if (size > 0) fuzz_check(f->pwrite_all(data, size, 0).ok(), "the segment is written");
  }

  auto before = verify_log(dir);
  fuzz_check(before.ok(), "verify reads a damaged log");
  if (size > 0 && (data[0] & 1)) {
    auto plan = repair_partition(dir, "t", partition_id{0}, true);
    fuzz_check(plan.ok(), "repair handles a damaged partition");
    auto after_repair = verify_log(dir);
    fuzz_check(after_repair.ok() && no_damage_in_t(*after_repair, false),
               "after repair, verify finds no damage");
  }

  auto opened = open_file_log(config_for(dir));
  if (!opened) {
    fuzz_check(!opened.error().message().empty(), "a refused open says why");
    return 0;
  }
  auto& log = **opened;
  auto start = log.list_offset("t", partition_id{0}, offset_spec::earliest);
  auto hw = log.list_offset("t", partition_id{0}, offset_spec::latest);
  fuzz_check(start.ok() && hw.ok() && start->value <= hw->value,
             "the recovered partition has log start <= high watermark");
  int64_t next = start->value;
  for (int fetches = 0; fetches < 64 && next < hw->value; ++fetches) {
    auto r = log.fetch("t", partition_id{0}, offset_t{next}, 1 << 16);
    if (!r) {
      fuzz_check(r.error().code() == errc::corrupt_data, "a stored offset fetches or is corrupt_data");
      ++next;
      continue;
    }
    if (r->records.empty())
      std::fprintf(stderr, "fetch from %lld: no records, high watermark %lld (log says %lld), "
                           "log start %lld\n",
                   static_cast<long long>(next), static_cast<long long>(hw->value),
                   static_cast<long long>(r->high_watermark.value),
                   static_cast<long long>(r->log_start.value));
    fuzz_check(!r->records.empty(), "a fetch below the high watermark returns records");
    for (const auto& rec : r->records) {
      fuzz_check(rec.offset.value >= next && rec.offset.value < hw->value,
                 "fetched offsets go forward and stay below the high watermark");
      next = rec.offset.value + 1;
    }
  }
  produce_request req;
  req.topic = "t";
  req.records.resize(1);
  req.records[0].value = "after recovery";
  std::promise<produce_result> done;
  log.produce(std::move(req), [&](produce_result r) { done.set_value(std::move(r)); });
  auto pr = done.get_future().get();
  if (pr.st.ok())
    fuzz_check(pr.base_offset.value == hw->value, "the next append gets the old high watermark");
  log.close();
  opened->reset();

  auto after = verify_log(dir);
  fuzz_check(after.ok() && no_damage_in_t(*after, true),
             "after recovery and an append, no torn tail is left");
  return 0;
}
