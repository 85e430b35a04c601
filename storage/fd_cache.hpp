// A bounded set of open read-only files of closed segments. A partition keeps every
// segment it has ever rolled; with three files each, a few hundred segments used to exhaust
// the process's descriptors (issue 11). Closed segments therefore hold no descriptor of
// their own: a read asks the cache, which opens the file on demand and closes the least
// recently used ones beyond `max_open` (log.max_open_files). Active segments (appends,
// fsyncs) keep their files open and are not counted.
//
// Files are handed out as shared_ptr: a read in progress keeps its descriptor even when the
// cache drops it meanwhile, so the bound is max_open plus the reads in flight.
//
// Threading: every method is safe from any thread (one mutex; open() runs outside it).
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/status.hpp"
#include "storage/file_io.hpp"

namespace pinpipe::storage {

class fd_cache {
public:
  explicit fd_cache(size_t max_open) : max_open_(max_open < 1 ? 1 : max_open) {}

  /// The open file of `owner` (a segment), opening `path` read-only when it is not cached.
  result<std::shared_ptr<const io::file>> get(const void* owner, const std::string& path);
  /// Drops `owner`'s file (segment closed or deleted); readers holding it keep it.
  void forget(const void* owner);
  /// Files the cache holds open now.
  size_t open_count() const;
  size_t max_open() const { return max_open_; }

private:
  struct entry {
    const void* owner;
    std::shared_ptr<const io::file> file;
  };
  const size_t max_open_;
  mutable std::mutex mtx_;
  std::list<entry> lru_; ///< most recently used first
  std::unordered_map<const void*, std::list<entry>::iterator> by_owner_;
};

} // namespace pinpipe::storage
