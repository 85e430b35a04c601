// The emulator's manifest: a CSV of every record it sent and where it landed, so tests and
// users can prove that nothing was lost or duplicated downstream (PIPELINE §2).
//
// Format (docs/emulator.md): UTF-8, LF line endings, RFC 4180 quoting when needed, header
//   event,key,destination,partition,position
// then one line per acknowledged record, in send order: `event` is the event number
// (continuing across runs that append to the same file), `key` the source row key,
// `destination` the topic or stream, `partition` the partition (shard) number, `position`
// the offset or sequence number the log or gateway returned. Lines are flushed after every
// event, so a crash loses at most the lines of the event in flight.
//
// Threading: one writer per file, used by one thread.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "common/status.hpp"
#include "pipeline/emulator/sender.hpp"

namespace pinpipe::emulator {

class manifest_writer {
public:
  /// Opens `path` for appending (creating it and its header if needed) and finds the next
  /// event number from the lines already there.
  static result<std::unique_ptr<manifest_writer>> open(const std::string& path);
  ~manifest_writer();

  int64_t next_event() const { return next_event_; }
  status append(int64_t event, int64_t key, const std::string& destination, const sent_record& r);
  /// Flushes to the OS; called after each event.
  status flush();

private:
  manifest_writer(std::string path, std::FILE* f, int64_t next_event)
      : path_(std::move(path)), file_(f), next_event_(next_event) {}

  std::string path_;
  std::FILE* file_;
  int64_t next_event_;
};

} // namespace pinpipe::emulator
