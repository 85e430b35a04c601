#include "pipeline/emulator/manifest.hpp"

#include "common/csv.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace pinpipe::emulator {

namespace {
constexpr const char* header = "event,key,destination,partition,position\n";

/// The highest event number in an existing manifest, -1 when none.
int64_t last_event(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  int64_t last = -1;
  while (std::getline(in, line)) {
    if (line.empty() || line.rfind("event,", 0) == 0) continue;
    try {
      last = std::max<int64_t>(last, std::stoll(line.substr(0, line.find(','))));
    } catch (const std::exception&) {
      // a torn last line from a crash: ignore it
    }
  }
  return last;
}
} // namespace

result<std::unique_ptr<manifest_writer>> manifest_writer::open(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  const bool fresh = !std::filesystem::exists(p, ec) || std::filesystem::file_size(p, ec) == 0;
  const int64_t next = fresh ? 0 : last_event(path) + 1;
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (!f)
    return status{errc::io_error, "cannot open emulator manifest " + path + ": " +
                                      std::strerror(errno) + "; check the path and permissions"};
  if (fresh && (std::fputs(header, f) < 0 || std::fflush(f) != 0)) {
    std::fclose(f);
    return status{errc::io_error, "cannot write emulator manifest " + path};
  }
  return std::unique_ptr<manifest_writer>(new manifest_writer(path, f, next));
}

manifest_writer::~manifest_writer() {
  if (file_) std::fclose(file_);
}

status manifest_writer::append(int64_t event, int64_t key, const std::string& destination,
                               const sent_record& r) {
  const std::string line = std::to_string(event) + "," + std::to_string(key) + "," +
                           csv::field(destination) + "," + std::to_string(r.partition.get()) + "," +
                           csv::field(r.position) + "\n";
  if (std::fputs(line.c_str(), file_) < 0)
    return {errc::io_error, "cannot append to emulator manifest " + path_};
  if (event >= next_event_) next_event_ = event + 1;
  return {};
}

status manifest_writer::flush() {
  if (std::fflush(file_) != 0)
    return {errc::io_error,
            "cannot flush emulator manifest " + path_ + ": " + std::strerror(errno)};
  return {};
}

} // namespace pinpipe::emulator
