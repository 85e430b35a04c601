// Checks over a simulate data directory, shared by the pipeline tests: they open the real
// artefacts (the file log, the lake, the SQLite warehouse, the manifests) after the
// `pinpipe` process has exited and compare them with each other.
#pragma once

#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "pipeline/lake/lake_reader.hpp"
#include "pipeline/warehouse/sql.hpp"
#include "logclient/local_log_client.hpp"
#include "tests/node/node_process.hpp"

namespace pinpipe::test {

inline const std::string uid = "0a60b9a8a831";

/// Runs `pinpipe args...` to completion (up to `limit`), returning exit code and stdout.
inline run_result run_pinpipe(const std::vector<std::string>& args, std::chrono::seconds limit) {
  return run_cli(args, {}, limit);
}

/// Records per topic (high watermark - log start, summed over partitions), from the log.
inline std::map<std::string, int64_t>
log_counts(const std::string& data_dir, std::map<std::string, std::vector<int64_t>>* hw = nullptr) {
  std::map<std::string, int64_t> out;
  logclient::log_config lc;
  lc.dir = data_dir + "/log";
  auto log = logclient::open_local_log(lc);
  EXPECT_TRUE(log.ok()) << (log.ok() ? "" : log.error().to_string());
  if (!log.ok()) return out;
  for (const auto& t : (*log)->list_topics()) {
    for (const auto& p : t.partitions) {
      out[t.name] += p.high_watermark.get() - p.log_start.get();
      if (hw) (*hw)[t.name].push_back(p.high_watermark.get());
    }
  }
  log->reset(); // closes the log
  return out;
}

/// One integer from `sql` (-1 when it gives no row or fails; a failure is reported).
inline int64_t sql_int(sqlite3* db, const std::string& sql) {
  auto v = warehouse::sql::query_int(db, sql, -1);
  EXPECT_TRUE(v.ok()) << v.error().to_string();
  return v ? *v : -1;
}

/// Every record of every stream became exactly one row of its stream table or one dead
/// letter: per partition the offsets of rows and dead letters together are 0..hw-1, each
/// once (no gap, no duplicate). Returns the number of stream dead letters.
inline int64_t expect_stream_tables_exactly_once(const std::string& data_dir) {
  std::map<std::string, std::vector<int64_t>> hw;
  log_counts(data_dir, &hw);
  auto conn = warehouse::sql::open_readonly(data_dir + "/warehouse.db");
  EXPECT_TRUE(conn.ok()) << conn.error().to_string();
  if (!conn) return 0;
  sqlite3* db = conn->get();
  int64_t dead_total = 0;
  for (const char* kind : {"pin", "geo", "user"}) {
    std::string stream = "streaming-" + uid + "-" + kind;
    std::string table = "\"" + uid + "_" + kind + "_table\"";
    EXPECT_TRUE(hw.count(stream)) << stream;
    for (size_t p = 0; p < hw[stream].size(); ++p) {
      std::string both =
          "SELECT _offset AS o FROM " + table + " WHERE _partition=" + std::to_string(p) +
          " UNION ALL SELECT \"offset\" AS o FROM dead_letters WHERE path='stream' AND topic='" +
          stream + "' AND \"partition\"=" + std::to_string(p);
      int64_t all = sql_int(db, "SELECT COUNT(*) FROM (" + both + ")");
      int64_t distinct = sql_int(db, "SELECT COUNT(DISTINCT o) FROM (" + both + ")");
      int64_t max_off = sql_int(db, "SELECT COALESCE(MAX(o), -1) FROM (" + both + ")");
      int64_t min_off = sql_int(db, "SELECT COALESCE(MIN(o), 0) FROM (" + both + ")");
      EXPECT_EQ(all, hw[stream][p])
          << stream << " partition " << p << ": rows + dead letters vs log records";
      EXPECT_EQ(distinct, all) << stream << " partition " << p << ": an offset applied twice";
      EXPECT_EQ(max_off, hw[stream][p] - 1) << stream << " partition " << p;
      EXPECT_EQ(min_off, 0) << stream << " partition " << p;
    }
    dead_total += sql_int(db, "SELECT COUNT(*) FROM dead_letters WHERE path='stream' AND topic='" +
                                  stream + "'");
  }
  return dead_total;
}

/// The lake holds every record of the batch topics exactly once. A line the lake reader
/// reports as a problem (not JSON) still counts as present: it is the record as it was
/// logged. Returns the number of problems reported.
inline int64_t expect_lake_exactly_once(const std::string& data_dir, bool flushed) {
  auto counts = log_counts(data_dir);
  std::map<std::string, std::set<int64_t>> seen;
  int64_t dups = 0, problems = 0;
  std::string first_problem;
  auto st = lake::read_lake(
      data_dir + "/lake", uid,
      [&](const lake::lake_record& r) {
        if (!seen[r.topic].insert(r.offset).second) ++dups;
      },
      [&](const lake::lake_problem& p) {
        if (problems++ == 0) first_problem = p.object_path + ": " + p.reason;
        auto topic_dir =
            std::filesystem::path(p.object_path).parent_path().parent_path().filename().string();
        if (p.offset >= 0 && !seen[topic_dir].insert(p.offset).second) ++dups;
      });
  EXPECT_TRUE(st.ok()) << st.to_string();
  EXPECT_EQ(dups, 0) << first_problem;
  for (const char* kind : {"pin", "geo", "user"}) {
    std::string topic = uid + "." + kind;
    const auto& offs = seen[topic];
    if (!offs.empty()) {
      EXPECT_EQ(*offs.begin(), 0) << topic;
      EXPECT_EQ(*offs.rbegin(), static_cast<int64_t>(offs.size()) - 1)
          << topic << ": gap in the lake";
    }
    if (flushed)
      EXPECT_EQ(static_cast<int64_t>(offs.size()), counts[topic]) << topic;
    else
      EXPECT_LE(static_cast<int64_t>(offs.size()), counts[topic]) << topic;
  }
  return problems;
}

/// Lines of a CSV file, header excluded.
inline int64_t csv_data_lines(const std::string& path) {
  auto text = read_file(path);
  int64_t n = 0;
  for (char c : text)
    n += c == '\n';
  return n > 0 ? n - 1 : 0;
}

} // namespace pinpipe::test
