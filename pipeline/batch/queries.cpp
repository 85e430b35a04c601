// Running the 9 queries: looks up the SQL (query_sql.cpp), steps it, collects text values and
// applies the one sort rule of PIPELINE section 8. Writing the outputs is in outputs.cpp.
#include "pipeline/batch/queries.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "pipeline/batch/query_sql.hpp"
#include "pipeline/warehouse/sql.hpp"

namespace pinpipe::batch {
namespace {

namespace sql = warehouse::sql;

bool parse_int(const std::string& s, long long& out) {
  if (s.empty()) return false;
  errno = 0;
  char* end = nullptr;
  out = std::strtoll(s.c_str(), &end, 10);
  return errno == 0 && end == s.c_str() + s.size();
}

} // namespace

const std::vector<std::string>& query_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& d : query_defs())
      n.push_back(d.name);
    return n;
  }();
  return names;
}

const char* column_type(const std::string& column) {
  static const char* const integer_columns[] = {"category_count", "follower_count", "post_year",
                                                "median_follower_count", "number_users_joined"};
  for (const char* c : integer_columns)
    if (column == c) return "INTEGER";
  return "TEXT";
}

void sort_rows(const std::vector<std::string>& columns,
               std::vector<std::vector<std::optional<std::string>>>& rows) {
  std::vector<bool> numeric;
  for (const auto& c : columns)
    numeric.push_back(std::string(column_type(c)) == "INTEGER");
  auto less = [&](const auto& a, const auto& b) {
    size_t n = std::min({a.size(), b.size(), numeric.size()});
    for (size_t i = 0; i < n; ++i) {
      const auto& x = a[i];
      const auto& y = b[i];
      if (!x || !y) {
        if (x.has_value() != y.has_value()) return !x.has_value(); // null first
        continue;
      }
      long long xi = 0, yi = 0;
      if (numeric[i] && parse_int(*x, xi) && parse_int(*y, yi)) {
        if (xi != yi) return xi < yi;
        continue;
      }
      int c = x->compare(*y); // char_traits<char>: byte order, like memcmp
      if (c != 0) return c < 0;
    }
    return false;
  };
  std::stable_sort(rows.begin(), rows.end(), less);
}

result<query_output> run_query(sqlite3* db, const std::string& name) {
  const auto& defs = query_defs();
  auto it = std::find_if(defs.begin(), defs.end(), [&](const auto& d) { return d.name == name; });
  if (it == defs.end()) {
    std::string known;
    for (const auto& d : defs)
      known += (known.empty() ? "" : ", ") + d.name;
    return status{errc::invalid_argument, "unknown query '" + name + "'; known queries: " + known};
  }
  const std::string what = "query " + name;
  sql::stmt s;
  if (auto st = s.prepare(db, it->sql); !st) return query_failed(what, st);
  const int ncols = s.column_count();
  PINPIPE_ASSERT(ncols == static_cast<int>(it->columns.size()),
                 "query SQL selects a different number of columns than declared");
  query_output out{it->name, it->columns, {}};
  for (;;) {
    auto more = s.next(what);
    if (!more) return query_failed(what, more.error());
    if (!*more) break;
    std::vector<std::optional<std::string>> row;
    row.reserve(ncols);
    for (int i = 0; i < ncols; ++i)
      row.push_back(s.opt_text(i));
    out.rows.push_back(std::move(row));
  }
  sort_rows(out.columns, out.rows);
  return out;
}

} // namespace pinpipe::batch
