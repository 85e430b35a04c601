#include "nodes/summary.hpp"

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include <sqlite3.h>

#include "pipeline/batch/queries.hpp"

namespace fs = std::filesystem;

namespace pinpipe::cli {
namespace {

struct lake_counts {
  int64_t objects = 0;
  int64_t records = 0;
};

lake_counts count_lake(const std::string& lake_dir) {
  lake_counts c;
  std::error_code ec;
  if (!fs::exists(lake_dir, ec)) return c;
  for (auto it = fs::recursive_directory_iterator(lake_dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file() || it->path().extension() != ".json") continue;
    ++c.objects;
    std::ifstream in(it->path(), std::ios::binary);
    c.records +=
        std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n');
  }
  return c;
}

/// Row count of a warehouse table, or -1 when it does not exist.
int64_t count_rows(sqlite3* db, const std::string& table) {
  sqlite3_stmt* st = nullptr;
  std::string sql = "SELECT COUNT(*) FROM \"" + table + "\"";
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    sqlite3_finalize(st);
    return -1;
  }
  int64_t n = -1;
  if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return n;
}

/// The header and first `n` data lines of a CSV file.
std::vector<std::string> head_lines(const std::string& path, size_t n) {
  std::vector<std::string> out;
  std::ifstream in(path);
  std::string line;
  while (out.size() < n + 1 && std::getline(in, line))
    out.push_back(line);
  return out;
}

int64_t csv_rows(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  int64_t lines =
      std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n');
  return lines > 0 ? lines - 1 : 0;
}

} // namespace

void print_summary(std::ostream& os, storage::log_store& log, const config::config& cfg,
                   const actors::data_paths& paths, const simulation_summary& s) {
  const auto& uid = cfg.pipeline.user_id;
  os << "\n=== pinpipe simulation summary ===\n";
  os << "time taken        " << std::fixed << std::setprecision(1) << s.seconds << " s"
     << (s.interrupted ? "  (interrupted: run again to continue)" : "") << "\n";
  for (const auto& a : s.final_stats) {
    if (a.name.rfind("emulator", 0) == 0)
      os << std::left << std::setw(18) << a.name << a.items << " events sent this run"
         << (a.errors ? ", " + std::to_string(a.errors) + " send errors (retried)" : "") << "\n";
  }
  os << "manifests         " << paths.manifests << "/{batch,stream}.csv\n";

  os << "\nlog (" << paths.log << ")\n";
  for (const auto& t : log.list_topics()) {
    if (t.name.rfind("__", 0) == 0) continue;
    int64_t records = 0;
    for (const auto& p : t.partitions)
      records += p.high_watermark.get() - p.log_start.get();
    os << "  " << std::left << std::setw(34) << t.name << std::right << std::setw(8) << records
       << " records in " << t.partitions.size()
       << (t.config.is_stream ? " shards" : " partition(s)") << "\n";
  }

  auto lake = count_lake(paths.lake);
  os << "\nlake (" << paths.lake << ")\n  " << lake.objects << " objects holding " << lake.records
     << " records (topics/<topic>/partition=<p>/<topic>+<p>+<offset>.json)\n";

  os << "\nwarehouse (" << paths.warehouse << ")\n";
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(paths.warehouse.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 5000);
    const std::pair<std::string, const char*> tables[] = {
        {uid + "_pin_table", "stream table: one row per stream record"},
        {uid + "_geo_table", "stream table"},
        {uid + "_user_table", "stream table"},
        {"pin_clean", "batch table: one row per key, from the lake"},
        {"geo_clean", "batch table"},
        {"user_clean", "batch table"},
        {"dead_letters", "records that could not be cleaned, with the reason"}};
    for (const auto& [t, what] : tables) {
      auto n = count_rows(db, t);
      os << "  " << std::left << std::setw(34) << t << std::right << std::setw(8)
         << (n < 0 ? std::string("-") : std::to_string(n)) << " rows  (" << what << ")\n";
    }
  } else {
    os << "  (cannot open: " << (db ? sqlite3_errmsg(db) : "out of memory") << ")\n";
  }
  sqlite3_close(db);

  if (!s.batch_error.empty()) {
    os << "\nbatch run failed: " << s.batch_error << "\n";
  } else if (!s.run.run_id.empty()) {
    os << "\nbatch run " << s.run.run_id << ": " << s.run.state
       << (s.run.error.empty() ? "" : " (" + s.run.error + ")") << "\n";
    if (!s.run.report.empty()) os << "  " << s.run.report << "\n";
    if (!s.run.results_dir.empty()) {
      os << "  results in " << s.run.results_dir
         << "/ (one CSV per query, also warehouse tables)\n";
      const auto report = fs::path(s.run.results_dir) / "report.html";
      std::error_code report_ec;
      if (fs::exists(report, report_ec))
        os << "  report " << report.string() << " (charts and tables; open it in a browser)\n";
      for (const auto& name : batch::query_names()) {
        auto path = (fs::path(s.run.results_dir) / (name + ".csv")).string();
        auto lines = head_lines(path, 3);
        auto n = csv_rows(path);
        os << "\n  " << name << " (" << n << (n == 1 ? " row)\n" : " rows)\n");
        for (const auto& l : lines)
          os << "    " << l << "\n";
      }
    }
  }
  os << std::flush;
}

} // namespace pinpipe::cli
