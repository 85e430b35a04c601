#include "pipeline/warehouse/warehouse.hpp"

#include "common/topic_names.hpp"

#include <cctype>
#include <optional>
#include <ctime>
#include <type_traits>
#include <variant>

#include <sqlite3.h>

#include "common/logging.hpp"
#include "pipeline/warehouse/schema.hpp"
#include "pipeline/warehouse/sql.hpp"

namespace pinpipe::warehouse {

using clean::kind;
using schema::quote;

namespace {

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

const char* pin_insert_columns =
    "(ind, unique_id, title, description, follower_count, poster_name, tag_list, "
    "is_image_or_video, image_src, save_location, category";
const char* geo_insert_columns = "(ind, country, coordinates, timestamp";
const char* user_insert_columns = "(ind, user_name, age, date_joined";

std::string insert_sql(const std::string& table, const char* columns, int n, bool stream) {
  std::string sql = "INSERT INTO " + quote(table) + " " + columns;
  if (stream) sql += ", _partition, _offset, _incarnation", n += 3;
  sql += ") VALUES (";
  for (int i = 1; i <= n; ++i)
    sql += (i > 1 ? ", ?" : "?") + std::to_string(i);
  return sql + ")";
}

// Binds a row's columns from index 1; returns the next free index.
int bind_row(sql::stmt& s, const clean::pin_row& p) {
  s.bind(1, p.ind);
  s.bind(2, p.unique_id);
  s.bind(3, p.title);
  s.bind(4, p.description);
  s.bind(5, p.follower_count);
  s.bind(6, p.poster_name);
  s.bind(7, p.tag_list);
  s.bind(8, p.is_image_or_video);
  s.bind(9, p.image_src);
  s.bind(10, p.save_location);
  s.bind(11, p.category);
  return 12;
}
// `coords` holds the coordinates text until the statement has run (bound SQLITE_STATIC).
int bind_row(sql::stmt& s, const clean::geo_row& g, std::string& coords) {
  coords = clean::coordinates_json(g);
  s.bind(1, g.ind);
  s.bind(2, g.country);
  s.bind(3, std::string_view(coords));
  s.bind(4, std::string_view(g.timestamp));
  return 5;
}
int bind_row(sql::stmt& s, const clean::user_row& u) {
  s.bind(1, u.ind);
  s.bind(2, std::string_view(u.user_name));
  s.bind(3, u.age);
  s.bind(4, std::string_view(u.date_joined));
  return 5;
}

bool valid_uid(const std::string& uid) {
  if (uid.empty() || uid.size() > 64) return false;
  for (char c : uid)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

} // namespace

struct warehouse::impl {
  sql::db_ptr conn; // declared first: destroyed after the statements
  sqlite3* db = nullptr;
  std::string path, uid;
  std::shared_ptr<spdlog::logger> log = logging::get("sink");
  sql::stmt stream_insert[3], batch_insert[3], batch_delete[3];
  sql::stmt dead_insert, position_get, position_set;

  status prepare_all() {
    const char* cols[3] = {pin_insert_columns, geo_insert_columns, user_insert_columns};
    const int ncols[3] = {11, 4, 4};
    const char* batch_names[3] = {"pin_clean", "geo_clean", "user_clean"};
    const kind kinds[3] = {kind::pin, kind::geo, kind::user};
    for (int i = 0; i < 3; ++i) {
      std::string stream_name = uid + "_" + clean::to_string(kinds[i]) + "_table";
      if (auto st = stream_insert[i].prepare(db, insert_sql(stream_name, cols[i], ncols[i], true));
          !st)
        return st;
      if (auto st =
              batch_insert[i].prepare(db, insert_sql(batch_names[i], cols[i], ncols[i], false));
          !st)
        return st;
      if (auto st = batch_delete[i].prepare(db, std::string("DELETE FROM ") + batch_names[i]); !st)
        return st;
    }
    if (auto st = dead_insert.prepare(
            db, "INSERT OR IGNORE INTO dead_letters (path, topic, \"partition\", \"offset\", raw, "
                "reason, time, incarnation) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
        !st)
      return st;
    if (auto st = position_get.prepare(
            db, "SELECT next_offset, incarnation FROM stream_positions WHERE topic = ?1 AND "
                "\"partition\" = ?2");
        !st)
      return st;
    return position_set.prepare(
        db, "INSERT INTO stream_positions (topic, \"partition\", next_offset, incarnation) VALUES "
            "(?1, ?2, ?3, ?4) ON CONFLICT(topic, \"partition\") DO UPDATE SET next_offset = "
            "CASE WHEN incarnation = excluded.incarnation THEN max(next_offset, "
            "excluded.next_offset) ELSE excluded.next_offset END, incarnation = "
            "excluded.incarnation");
  }

  /// (next offset, incarnation) stored for (topic, partition); (0, none) if no row.
  result<std::pair<int64_t, std::optional<int64_t>>> position_row(const std::string& topic,
                                                                  int32_t partition) {
    position_get.bind(1, std::string_view(topic));
    position_get.bind(2, int64_t{partition});
    int rc = 0;
    auto st = position_get.step("reading the stream position of " + topic, &rc);
    if (!st) return st;
    std::pair<int64_t, std::optional<int64_t>> out{0, std::nullopt};
    if (rc == SQLITE_ROW)
      out = {position_get.integer(0), position_get.integer(1)};
    position_get.reset();
    return out;
  }

  result<int64_t> position(const std::string& topic, int32_t partition) {
    position_get.bind(1, std::string_view(topic));
    position_get.bind(2, int64_t{partition});
    int rc = 0;
    auto st = position_get.step("reading the stream position of " + topic, &rc);
    if (!st) return st;
    int64_t pos = rc == SQLITE_ROW ? position_get.integer(0) : 0;
    position_get.reset();
    return pos;
  }

  status insert_dead(const dead_letter& d, const std::string& now) {
    dead_insert.bind(1, std::string_view(d.path));
    dead_insert.bind(2, std::string_view(d.topic));
    dead_insert.bind(3, int64_t{d.partition});
    dead_insert.bind(4, d.offset);
    dead_insert.bind(5, std::string_view(d.raw));
    dead_insert.bind(6, std::string_view(d.reason));
    dead_insert.bind(7, std::string_view(now));
    dead_insert.bind(8, d.incarnation);
    return dead_insert.run("storing a dead letter");
  }

  status insert_row(sql::stmt& s, const clean::row& r, bool stream, int32_t partition,
                    int64_t offset, int64_t incarnation = 0) {
    std::string coords;
    int next = std::visit(
        [&](const auto& row) {
          using T = std::decay_t<decltype(row)>;
          if constexpr (std::is_same_v<T, clean::geo_row>)
            return bind_row(s, row, coords);
          else
            return bind_row(s, row);
        },
        r);
    if (stream) {
      s.bind(next, int64_t{partition});
      s.bind(next + 1, offset);
      s.bind(next + 2, incarnation);
    }
    return s.run("inserting a row");
  }
};

warehouse::warehouse(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
warehouse::~warehouse() = default;

result<std::unique_ptr<warehouse>> warehouse::open(const std::string& path,
                                                   const std::string& uid) {
  if (!valid_uid(uid))
    return status{errc::invalid_argument,
                  "warehouse: user id '" + uid +
                      "' is not usable in table names; use 1-64 letters, digits or '_'"};
  auto p = std::make_unique<impl>();
  p->path = path;
  p->uid = uid;
  auto conn =
      sql::open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX);
  if (!conn)
    return status{conn.error().code(), "opening warehouse: " + conn.error().message() +
                                           " (check the directory exists and is writable)"};
  p->conn = std::move(*conn);
  p->db = p->conn.get();
  sqlite3_extended_result_codes(p->db, 1);
  {
    sql::stmt wal;
    if (auto st = wal.prepare(p->db, "PRAGMA journal_mode=WAL"); !st) return st;
    int src = 0;
    if (auto st = wal.step("switching " + path + " to WAL", &src); !st) return st;
    std::string mode = src == SQLITE_ROW ? wal.text(0) : "";
    if (mode != "wal" && path != ":memory:")
      return status{errc::io_error, "warehouse " + path + ": cannot use WAL mode (got '" + mode +
                                        "'); put the file on a local file system"};
  }
  if (auto st = sql::exec(p->db, "PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536"); !st)
    return st;
  if (auto st = schema::create_or_check(p->db, path, uid); !st) return st;
  if (auto st = p->prepare_all(); !st) return st;
  p->log->debug("opened warehouse {} for user id {}", path, uid);
  return std::unique_ptr<warehouse>(new warehouse(std::move(p)));
}

std::string warehouse::stream_table(kind k) const {
  return impl_->uid + "_" + clean::to_string(k) + "_table";
}

sqlite3* warehouse::handle() {
  return impl_->db;
}

result<int64_t> warehouse::stream_position(const std::string& topic, int32_t partition) const {
  return impl_->position(topic, partition);
}

result<int64_t> warehouse::stream_position(const std::string& topic, int32_t partition,
                                           int64_t incarnation) const {
  auto row = impl_->position_row(topic, partition);
  if (!row) return row.error();
  return row->second == incarnation ? row->first : 0;
}

namespace {

// Checks the batch's own consistency before anything is written.
status validate(const stream_batch& b, kind k) {
  auto bad = [&](const std::string& what) {
    return status{errc::invalid_argument,
                  "apply_stream(" + b.topic + "/" + std::to_string(b.partition) + "): " + what};
  };
  if (b.partition < 0) return bad("negative partition");
  int64_t prev = -1;
  for (auto& [offset, r] : b.rows) {
    if (offset <= prev) return bad("row offsets must be >= 0 and strictly increasing");
    if (r.index() != static_cast<std::size_t>(k))
      return bad(std::string("a row is not a ") + clean::to_string(k) + " row");
    prev = offset;
  }
  if (prev >= b.next_offset) return bad("next_offset must be above every row offset");
  prev = -1;
  std::size_t ri = 0;
  for (auto& d : b.dead) {
    if (d.offset <= prev) return bad("dead letter offsets must be >= 0 and strictly increasing");
    if (d.offset >= b.next_offset) return bad("next_offset must be above every dead letter");
    if (d.topic != b.topic || d.partition != b.partition)
      return bad("a dead letter names another topic or partition");
    while (ri < b.rows.size() && b.rows[ri].first < d.offset)
      ++ri;
    if (ri < b.rows.size() && b.rows[ri].first == d.offset)
      return bad("offset " + std::to_string(d.offset) + " is both a row and a dead letter");
    prev = d.offset;
  }
  return status::success();
}

} // namespace

status warehouse::apply_stream(const stream_batch& b) {
  // Exactly one stream feeds each stream table, which is what makes UNIQUE(_partition, _offset)
  // a valid guard: only "streaming-<uid>-pin|geo|user" is accepted.
  auto k = clean::kind_of(b.topic);
  if (!k || b.topic != names::stream_name(impl_->uid, clean::to_string(*k)))
    return {errc::invalid_argument, "apply_stream: '" + b.topic +
                                        "' is not one of the streams streaming-" + impl_->uid +
                                        "-pin, -geo or -user"};
  if (auto st = validate(b, *k); !st) return st;
  auto& p = *impl_;
  sql::transaction txn{p.db};
  if (auto st = txn.begin(); !st) return st;
  auto stored = p.position_row(b.topic, b.partition);
  if (!stored) return stored.error();
  const auto& [stored_next, stored_inc] = *stored;
  if (stored_inc && *stored_inc > b.incarnation)
    return {errc::invalid_argument,
            "apply_stream(" + b.topic + "/" + std::to_string(b.partition) + "): the batch is of "
            "incarnation " + std::to_string(b.incarnation) + " but the warehouse already holds "
            "incarnation " + std::to_string(*stored_inc) + " (the stream was deleted and "
            "recreated); read the stream again from the sink's position"};
  // A newer incarnation (the stream was deleted and recreated) starts over at 0; its first
  // commit replaces the old position, and the old incarnation's rows stay.
  const int64_t start = stored_inc && *stored_inc == b.incarnation ? stored_next : 0;
  if (stored_inc && *stored_inc != b.incarnation)
    p.log->info("{}/{}: incarnation {} -> {}: the position starts over at 0 (was {}); the "
                "rows of incarnation {} stay",
                b.topic, b.partition, *stored_inc, b.incarnation, stored_next, *stored_inc);
  if (b.next_offset <= start) {
    p.log->debug("{}/{}: batch up to {} already applied (position {})", b.topic, b.partition,
                 b.next_offset, start);
    return status::success(); // nothing to do; the transaction rolls back
  }
  auto& ins = p.stream_insert[static_cast<int>(*k)];
  for (auto& [offset, r] : b.rows) {
    if (offset < start) continue; // applied by an earlier transaction
    if (auto st = p.insert_row(ins, r, true, b.partition, offset, b.incarnation); !st)
      return {st.code(), "apply_stream(" + b.topic + "/" + std::to_string(b.partition) +
                             ") offset " + std::to_string(offset) + ": " + st.message()};
  }
  std::string now = utc_now();
  for (auto d : b.dead) {
    if (d.offset < start) continue;
    d.incarnation = b.incarnation;
    if (auto st = p.insert_dead(d, now); !st) return st;
  }
  p.position_set.bind(1, std::string_view(b.topic));
  p.position_set.bind(2, int64_t{b.partition});
  p.position_set.bind(3, b.next_offset);
  p.position_set.bind(4, b.incarnation);
  if (auto st = p.position_set.run("storing the stream position"); !st) return st;
  return txn.commit();
}

status warehouse::replace_batch_tables(const std::vector<clean::pin_row>& pins,
                                       const std::vector<clean::geo_row>& geos,
                                       const std::vector<clean::user_row>& users) {
  auto& p = *impl_;
  sql::transaction txn{p.db};
  if (auto st = txn.begin(); !st) return st;
  for (auto& del : p.batch_delete)
    if (auto st = del.run("emptying a batch table"); !st) return st;
  for (auto& r : pins)
    if (auto st = p.insert_row(p.batch_insert[0], r, false, 0, 0); !st) return st;
  for (auto& r : geos)
    if (auto st = p.insert_row(p.batch_insert[1], r, false, 0, 0); !st) return st;
  for (auto& r : users)
    if (auto st = p.insert_row(p.batch_insert[2], r, false, 0, 0); !st) return st;
  if (auto st = txn.commit(); !st) return st;
  p.log->info("batch tables replaced: {} pins, {} geos, {} users", pins.size(), geos.size(),
              users.size());
  return status::success();
}

status warehouse::add_dead_letters(const std::vector<dead_letter>& letters) {
  auto& p = *impl_;
  sql::transaction txn{p.db};
  if (auto st = txn.begin(); !st) return st;
  std::string now = utc_now();
  for (auto& d : letters)
    if (auto st = p.insert_dead(d, now); !st) return st;
  return txn.commit();
}

result<int64_t> warehouse::count(const std::string& table) const {
  auto* db = impl_->db;
  sql::stmt exists;
  if (auto st = exists.prepare(db, "SELECT count(*) FROM sqlite_master WHERE type IN ('table', "
                                   "'view') AND name = ?1");
      !st)
    return st;
  exists.bind(1, std::string_view(table));
  if (auto st = exists.step("looking up table " + table); !st) return st;
  if (exists.integer(0) == 0)
    return status{errc::not_found, "warehouse " + impl_->path + ": no table named '" + table + "'"};
  sql::stmt s;
  if (auto st = s.prepare(db, "SELECT count(*) FROM " + quote(table)); !st) return st;
  if (auto st = s.step("counting " + table); !st) return st;
  return s.integer(0);
}

} // namespace pinpipe::warehouse
