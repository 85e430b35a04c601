// Helpers shared by the warehouse suites: a temp directory and row factories.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

#include "pipeline/warehouse/sql.hpp"
#include "pipeline/warehouse/warehouse.hpp"

namespace pinpipe::warehouse::testing {

/// A fresh directory under /tmp, removed with everything in it at the end of the scope.
class temp_dir {
public:
  temp_dir() {
    char tmpl[] = "/tmp/pinpipe-warehouse-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
  std::string path_;
};

inline clean::pin_row make_pin(int64_t ind) {
  clean::pin_row p;
  p.ind = ind;
  p.unique_id = "uuid-" + std::to_string(ind);
  p.title = "Title " + std::to_string(ind);
  p.description = "A description that is about as long as the real ones are, with some text "
                  "about budgeting, travel and crafts, ending in an ellipsis\u2026\u00a0";
  p.follower_count = ind % 7 == 0 ? std::nullopt : std::optional<int64_t>(ind * 1000);
  p.poster_name = "Poster " + std::to_string(ind % 100);
  p.tag_list = "Tag One,Tag Two,Tag Three,Tag Four,Tag Five";
  p.is_image_or_video = "image";
  p.image_src = "https://i.pinimg.com/originals/0d/29/9f/0d299f3df020395aa7ce8387f40fbeed.jpg";
  p.save_location = "/data/vehicles";
  p.category = "vehicles";
  return p;
}

inline clean::geo_row make_geo(int64_t ind) {
  return clean::geo_row{ind, "Albania", -89.9787, -173.293, "2020-08-28 03:52:47"};
}

inline clean::user_row make_user(int64_t ind) {
  return clean::user_row{ind, "Abigail Ali", 20, "2015-10-24 11:23:51"};
}

/// A batch of pin rows at offsets [from, to).
inline stream_batch pin_batch(const std::string& topic, int32_t partition, int64_t from,
                              int64_t to) {
  stream_batch b;
  b.topic = topic;
  b.partition = partition;
  for (int64_t o = from; o < to; ++o)
    b.rows.emplace_back(o, clean::row{make_pin(o)});
  b.next_offset = to;
  return b;
}

/// Runs `sql_text` on the SQLite file at `path` (created when missing), through its own
/// connection: a file as something else (an older release, another program) left it.
inline status exec_file(const std::string& path, const std::string& sql_text) {
  auto db = sql::open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!db) return db.error();
  return sql::exec(db->get(), sql_text);
}

/// Runs a query returning one integer: -998 when it gives no row, -999 when it fails.
inline int64_t query_int(sqlite3* db, const std::string& sql) {
  auto v = sql::query_int(db, sql, -998);
  return v ? *v : -999;
}

} // namespace pinpipe::warehouse::testing
