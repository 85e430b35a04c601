#include "actors/stream_cursor.hpp"

namespace pinpipe::actors {

stream_cursor::seen stream_cursor::observe(int64_t incarnation, size_t partitions) {
  if (incarnation_ && *incarnation_ == incarnation) {
    if (partitions > parts_.size()) resize(partitions);
    return seen::same;
  }
  const bool first = !incarnation_;
  incarnation_ = incarnation;
  resize(partitions);
  for (auto& c : parts_)
    c.next = -1; // unresumed: the sink tells where this incarnation resumes
  return first ? seen::first : seen::recreated;
}

void stream_cursor::set_resume(int32_t p, int64_t committed) {
  at(p).next = committed;
}

std::optional<int64_t> stream_cursor::ready(int32_t p) const {
  const auto& c = at(p);
  if (c.in_flight || c.next < 0) return std::nullopt;
  return c.next;
}

void stream_cursor::begin(int32_t p) {
  at(p).in_flight = true;
}

bool stream_cursor::acknowledge(int32_t p, int64_t committed) {
  auto& c = at(p);
  if (!c.in_flight) return false;
  c.next = committed;
  c.in_flight = false;
  return true;
}

void stream_cursor::fail(int32_t p) {
  at(p).in_flight = false;
}

std::optional<std::string> stream_cursor::skip_to_log_start(int32_t p, int64_t log_start) {
  auto& c = at(p);
  if (c.next < 0 || log_start <= c.next) return std::nullopt;
  std::string msg = "records " + std::to_string(c.next) + ".." + std::to_string(log_start - 1) +
                    " of partition " + std::to_string(p) +
                    " were deleted by retention before they were processed";
  c.next = log_start;
  return msg;
}

} // namespace pinpipe::actors
