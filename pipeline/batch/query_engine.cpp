// In-memory evaluation of the 9 queries (see query_engine.hpp for why it exists). Strings
// that are grouped on (country, category, poster) are interned to small ids once; the
// aggregations then work on integers.
#include "pipeline/batch/query_engine.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "pipeline/batch/query_sql.hpp"
#include "pipeline/warehouse/sql.hpp"

namespace pinpipe::batch {
namespace {

namespace sql = warehouse::sql;
using row = sql::stmt; // the current row of a statement being stepped

using text = std::optional<std::string>;
constexpr int32_t no_id = -1;

// Strings to dense ids; null -> no_id.
class interner {
public:
  int32_t id(const row& s, int col) {
    if (s.is_null(col)) return no_id;
    auto [it, added] = ids_.emplace(s.text(col), static_cast<int32_t>(names_.size()));
    if (added) names_.push_back(&it->first);
    return it->second;
  }
  text name(int32_t id) const { return id == no_id ? text{} : text{*names_[id]}; }

private:
  std::unordered_map<std::string, int32_t> ids_;
  std::vector<const std::string*> names_; // keys of ids_ (node-based: stable addresses)
};

// Year of a timestamp column: the first 4 characters when all digits, else 0 (none).
int32_t year_of(const row& s, int col) {
  if (s.is_null(col)) return 0;
  std::string_view t = s.text_view(col);
  if (t.size() < 4) return 0;
  int32_t y = 0;
  for (int i = 0; i < 4; ++i) {
    if (t[i] < '0' || t[i] > '9') return 0;
    y = y * 10 + (t[i] - '0');
  }
  return y;
}

// Age group index into age_groups, or -1: numeric ages only, like the SQL CASE.
const char* const age_groups[] = {"18-24", "25-35", "36-50", "+50"};
int age_group_of(const row& s, int col) {
  int t = s.type(col);
  if (t != SQLITE_INTEGER && t != SQLITE_FLOAT) return -1;
  double a = s.real(col);
  if (t == SQLITE_INTEGER) a = static_cast<double>(s.integer(col));
  if (a >= 18 && a <= 24) return 0;
  if (a >= 25 && a <= 35) return 1;
  if (a >= 36 && a <= 50) return 2;
  if (a >= 51) return 3;
  return -1;
}

std::optional<int64_t> int_or_null(const row& s, int col) {
  if (s.type(col) != SQLITE_INTEGER) return std::nullopt;
  return s.integer(col);
}

// An injective byte encoding of (user_name, age, date_joined) for SQL-DISTINCT semantics
// (nulls equal to each other, distinct from every value): per column a tag byte (0 = null,
// 1 = text, 2 = integer, 3 = real) then, for values, the 8-byte length and the bytes.
std::string user_key(const row& s) {
  std::string key;
  for (int c = 1; c <= 3; ++c) {
    int t = s.type(c);
    if (t == SQLITE_NULL) {
      key += '\0';
      continue;
    }
    key += static_cast<char>(t == SQLITE_INTEGER ? 2 : t == SQLITE_FLOAT ? 3 : 1);
    std::string_view v = s.text_view(c);
    uint64_t n = v.size();
    key.append(reinterpret_cast<const char*>(&n), sizeof n);
    key.append(v.data(), v.size());
  }
  return key;
}

// (group key, category id) packed into one hash key.
uint64_t pack(int32_t key, int32_t cat) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(key)) << 32) | static_cast<uint32_t>(cat);
}
using counts_t = std::unordered_map<uint64_t, int64_t>;

struct geo_info {
  int64_t ind;
  int32_t country; // interned, no_id = null
  int32_t year;    // 0 = none
};
struct user_info {
  int64_t ind;
  int age_group; // -1 = none
  int32_t year;  // join year, 0 = none
};

template <class T> void sort_by_ind(std::vector<T>& v) {
  std::stable_sort(v.begin(), v.end(), [](const T& a, const T& b) { return a.ind < b.ind; });
}
template <class T> std::pair<const T*, const T*> matches(const std::vector<T>& v, int64_t ind) {
  auto lo =
      std::lower_bound(v.begin(), v.end(), ind, [](const T& a, int64_t i) { return a.ind < i; });
  auto hi = lo;
  while (hi != v.end() && hi->ind == ind)
    ++hi;
  return {v.data() + (lo - v.begin()), v.data() + (hi - v.begin())};
}

// Steps a statement to the end, calling f for each row.
template <class F>
status each_row(sqlite3* db, const std::string& text_sql, const std::string& what, F&& f) {
  sql::stmt s;
  if (auto st = s.prepare(db, text_sql); !st) return query_failed(what, st);
  for (;;) {
    auto more = s.next(what);
    if (!more) return query_failed(what, more.error());
    if (!*more) return {};
    f(static_cast<const row&>(s));
  }
}

// count per (key, category) -> rows of the categories at each key's maximum (ties kept).
template <class KeyText>
std::vector<std::vector<text>> most_popular(const counts_t& counts, const interner& cats,
                                            KeyText key_text) {
  std::unordered_map<int32_t, int64_t> top;
  for (const auto& [k, n] : counts) {
    auto& t = top[static_cast<int32_t>(k >> 32)];
    t = std::max(t, n);
  }
  std::vector<std::vector<text>> rows;
  for (const auto& [k, n] : counts) {
    auto key = static_cast<int32_t>(k >> 32);
    if (n == top[key])
      rows.push_back(
          {key_text(key), cats.name(static_cast<int32_t>(k & 0xffffffffu)), std::to_string(n)});
  }
  return rows;
}

int64_t lower_median(std::vector<int64_t>& v) {
  auto k = static_cast<std::ptrdiff_t>((v.size() + 1) / 2 - 1);
  std::nth_element(v.begin(), v.begin() + k, v.end());
  return v[static_cast<size_t>(k)];
}

} // namespace

result<std::vector<query_output>> run_all_queries(sqlite3* db) {
  interner countries, categories, posters;
  std::vector<geo_info> geos;
  std::vector<user_info> users;
  // Q7: distinct (user_name, age, date_joined) per join year 2015..2020, over user_clean alone.
  std::map<int32_t, std::unordered_set<std::string>> joined_users; // keys: user_key()

  auto st = each_row(db, "SELECT ind, country, timestamp FROM geo_clean", "read geo_clean",
                     [&](const row& s) {
                       auto ind = int_or_null(s, 0);
                       if (ind) geos.push_back({*ind, countries.id(s, 1), year_of(s, 2)});
                     });
  if (!st) return st;
  st = each_row(db, "SELECT ind, user_name, age, date_joined FROM user_clean", "read user_clean",
                [&](const row& s) {
                  int32_t y = year_of(s, 3);
                  if (y >= 2015 && y <= 2020) {
                    joined_users[y].insert(user_key(s));
                  }
                  auto ind = int_or_null(s, 0);
                  if (ind) users.push_back({*ind, age_group_of(s, 2), y});
                });
  if (!st) return st;
  sort_by_ind(geos);
  sort_by_ind(users);

  counts_t by_country, by_year, by_age; // pack(key, category) -> rows
  struct best {
    int64_t fc;
    std::set<int32_t> posters;
  };
  std::unordered_map<int32_t, best> most_followed;         // country -> max and posters
  std::map<int, std::vector<int64_t>> fc_by_age;           // age group -> counts
  std::map<int32_t, std::vector<int64_t>> fc_by_join_year; // join year -> counts
  std::map<std::pair<int, int32_t>, std::vector<int64_t>> fc_by_age_year;

  st = each_row(db, "SELECT ind, category, follower_count, poster_name FROM pin_clean",
                "read pin_clean", [&](const row& s) {
                  auto ind = int_or_null(s, 0);
                  if (!ind) return;
                  auto [g0, g1] = matches(geos, *ind);
                  auto [u0, u1] = matches(users, *ind);
                  if (g0 == g1 && u0 == u1) return;
                  int32_t cat = categories.id(s, 1);
                  auto fc = int_or_null(s, 2);
                  int32_t poster = (fc && g0 != g1) ? posters.id(s, 3) : no_id;
                  for (auto g = g0; g != g1; ++g) {
                    if (g->country != no_id && cat != no_id) ++by_country[pack(g->country, cat)];
                    if (g->year >= 2018 && g->year <= 2022 && cat != no_id)
                      ++by_year[pack(g->year, cat)];
                    if (g->country != no_id && fc) {
                      auto [it, added] = most_followed.try_emplace(g->country, best{*fc, {}});
                      if (*fc > it->second.fc) it->second = best{*fc, {}};
                      if (*fc == it->second.fc) it->second.posters.insert(poster);
                    }
                  }
                  for (auto u = u0; u != u1; ++u) {
                    if (u->age_group >= 0 && cat != no_id) ++by_age[pack(u->age_group, cat)];
                    if (!fc) continue;
                    if (u->age_group >= 0) fc_by_age[u->age_group].push_back(*fc);
                    if (u->year >= 2015 && u->year <= 2020) {
                      fc_by_join_year[u->year].push_back(*fc);
                      if (u->age_group >= 0) fc_by_age_year[{u->age_group, u->year}].push_back(*fc);
                    }
                  }
                });
  if (!st) return st;

  auto country_name = [&](int32_t id) { return countries.name(id); };
  auto year_text = [](int32_t y) -> text { return std::to_string(y); };
  auto group_text = [](int g) -> text { return std::string(age_groups[g]); };

  std::vector<query_output> outs;
  for (const auto& name : query_names())
    outs.push_back({name, {}, {}});
  outs[0].rows = most_popular(by_country, categories, country_name);
  outs[1].rows = most_popular(by_year, categories, year_text);
  std::optional<std::pair<std::string, int64_t>> top_country;
  for (const auto& [c, b] : most_followed) {
    std::string cname = *countries.name(c);
    for (int32_t p : b.posters)
      outs[2].rows.push_back({cname, posters.name(p), std::to_string(b.fc)});
    if (!top_country || b.fc > top_country->second ||
        (b.fc == top_country->second && cname < top_country->first))
      top_country = std::make_pair(cname, b.fc);
  }
  if (top_country)
    outs[3].rows.push_back({top_country->first, std::to_string(top_country->second)});
  outs[4].rows = most_popular(by_age, categories, group_text);
  for (auto& [g, v] : fc_by_age)
    outs[5].rows.push_back({group_text(g), std::to_string(lower_median(v))});
  for (const auto& [y, set] : joined_users)
    outs[6].rows.push_back({year_text(y), std::to_string(set.size())});
  for (auto& [y, v] : fc_by_join_year)
    outs[7].rows.push_back({year_text(y), std::to_string(lower_median(v))});
  for (auto& [k, v] : fc_by_age_year)
    outs[8].rows.push_back(
        {group_text(k.first), year_text(k.second), std::to_string(lower_median(v))});

  const auto& defs = query_defs();
  for (size_t i = 0; i < outs.size(); ++i) {
    outs[i].columns = defs[i].columns;
    sort_rows(outs[i].columns, outs[i].rows);
  }
  return outs;
}

} // namespace pinpipe::batch
