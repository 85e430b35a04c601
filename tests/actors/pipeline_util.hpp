// Helpers for the pipeline actor suites: records in the in-memory log, valid and invalid
// user records, and read-back of the warehouse file through its own SQLite connection.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "logclient/local_log_client.hpp"
#include "pipeline/warehouse/sql.hpp"

namespace pinpipe::actors::testing {

inline const std::string uid = "actortest";
inline const std::string user_stream = "streaming-" + uid + "-user";
inline const std::string user_table = uid + "_user_table";

/// A user record that cleans into one row; `ind` identifies it.
inline std::string user_json(int64_t ind) {
  return "{\"ind\": " + std::to_string(ind) +
         ", \"first_name\": \"Abigail\", \"last_name\": \"Ali\", \"age\": 20, "
         "\"date_joined\": \"2015-10-24 11:23:51\"}";
}

/// Appends `values` to (topic, p) and checks the log accepted them.
inline void produce(logclient::log_client& log, const std::string& topic, int32_t p,
                    const std::vector<std::string>& values) {
  storage::produce_request req;
  req.topic = topic;
  req.partition = partition_id{p};
  for (const auto& v : values) {
    storage::record r;
    r.value = v;
    req.records.push_back(std::move(r));
  }
  req.required_acks = storage::acks::leader;
  bool called = false;
  status got;
  log.produce(std::move(req), [&](storage::produce_result r) {
    called = true;
    got = r.st;
  });
  ASSERT_TRUE(called) << "produce callback did not run on the calling thread";
  ASSERT_TRUE(got.ok()) << got.to_string();
}

/// Creates a stream (or topic) with `partitions` partitions.
inline void create(logclient::log_client& log, const std::string& name, int32_t partitions,
                   bool stream = true, int64_t segment_bytes = -1, int64_t retention_bytes = -1) {
  storage::topic_config c;
  c.partitions = partitions;
  c.is_stream = stream;
  c.segment_bytes = segment_bytes;
  c.retention_bytes = retention_bytes;
  auto st = log.create_topic(name, c);
  ASSERT_TRUE(st.ok()) << st.to_string();
}

/// A read-only view of the warehouse file through a second connection (what a reader in
/// another process sees: committed data only).
class warehouse_reader {
public:
  explicit warehouse_reader(const std::string& path) {
    auto db = warehouse::sql::open(path, SQLITE_OPEN_READWRITE, /*busy_ms=*/2000);
    if (db)
      db_ = std::move(*db);
    else
      ADD_FAILURE() << db.error().to_string();
  }

  /// Runs a statement that returns nothing (DDL: the failure-injection trigger).
  void exec(const std::string& sql) {
    if (auto st = warehouse::sql::exec(db_.get(), sql); !st) ADD_FAILURE() << st.to_string();
  }

  /// The integers of the first column of `sql`, in row order.
  std::vector<int64_t> ints(const std::string& sql) {
    std::vector<int64_t> out;
    warehouse::sql::stmt st;
    if (auto s = st.prepare(db_.get(), sql); !s) {
      ADD_FAILURE() << s.to_string();
      return out;
    }
    for (auto row = st.next(sql); row && *row; row = st.next(sql))
      out.push_back(st.integer(0));
    return out;
  }

  /// The stored _offset values of partition `p` of `table`, in offset order.
  std::vector<int64_t> offsets(const std::string& table, int32_t p) {
    return ints("SELECT _offset FROM \"" + table + "\" WHERE _partition = " + std::to_string(p) +
                " ORDER BY _offset");
  }

  int64_t count(const std::string& table) {
    auto v = ints("SELECT COUNT(*) FROM \"" + table + "\"");
    return v.empty() ? -1 : v[0];
  }

private:
  warehouse::sql::db_ptr db_;
};

/// 0, 1, ..., n-1
inline std::vector<int64_t> iota(int64_t n) {
  std::vector<int64_t> v;
  for (int64_t i = 0; i < n; ++i)
    v.push_back(i);
  return v;
}

} // namespace pinpipe::actors::testing
