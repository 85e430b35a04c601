#include "nodes/summary.hpp"

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "pipeline/batch/queries.hpp"
#include "pipeline/warehouse/inspect.hpp"

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

void print_summary(std::ostream& os, logclient::log_client& log, const config::config& cfg,
                   const data_paths& paths, const simulation_summary& s) {
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
  // In the order of warehouse::reported_tables: 3 stream tables, 3 batch tables, dead letters.
  const char* what[] = {"stream table: one row per stream record",
                        "stream table",
                        "stream table",
                        "batch table: one row per key, from the lake",
                        "batch table",
                        "batch table",
                        "records that could not be cleaned, with the reason"};
  if (auto counts = warehouse::table_counts(paths.warehouse, warehouse::reported_tables(uid))) {
    for (size_t i = 0; i < counts->size(); ++i) {
      const auto& [t, n] = (*counts)[i];
      os << "  " << std::left << std::setw(34) << t << std::right << std::setw(8)
         << (n < 0 ? std::string("-") : std::to_string(n)) << " rows  ("
         << (i < std::size(what) ? what[i] : "table") << ")\n";
    }
  } else {
    os << "  (" << counts.error().message() << ")\n";
  }

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
