#include "storage/fd_cache.hpp"

namespace pinpipe::storage {

result<std::shared_ptr<const io::file>> fd_cache::get(const void* owner, const std::string& path) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    auto it = by_owner_.find(owner);
    if (it != by_owner_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return it->second->file;
    }
  }
  auto f = io::file::open_ro(path);
  if (!f) return f.error();
  auto file = std::make_shared<const io::file>(std::move(f).value());
  std::lock_guard<std::mutex> guard{mtx_};
  auto it = by_owner_.find(owner);
  if (it != by_owner_.end()) { // opened by another reader meanwhile
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->file;
  }
  lru_.push_front(entry{owner, file});
  by_owner_[owner] = lru_.begin();
  while (lru_.size() > max_open_) {
    by_owner_.erase(lru_.back().owner);
    lru_.pop_back();
  }
  return std::shared_ptr<const io::file>(file);
}

void fd_cache::forget(const void* owner) {
  std::shared_ptr<const io::file> dropped;
  std::lock_guard<std::mutex> guard{mtx_};
  auto it = by_owner_.find(owner);
  if (it == by_owner_.end()) return;
  dropped = std::move(it->second->file);
  lru_.erase(it->second);
  by_owner_.erase(it);
}

size_t fd_cache::open_count() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return lru_.size();
}

} // namespace pinpipe::storage
