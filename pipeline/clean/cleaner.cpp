// The record-level rules of PIPELINE.md section 6: which fields are read, which are required,
// and the dead-letter reasons. Value rules are in rules.cpp, JSON reading in json_fields*.cpp.
#include "pipeline/clean/cleaner.hpp"

#include <cmath>

#include "common/topic_names.hpp"
#include "pipeline/clean/json_fields.hpp"
#include "pipeline/clean/rules.hpp"

namespace pinpipe::clean {

using detail::jtype;
using detail::jvalue;

const char* to_string(kind k) {
  switch (k) {
  case kind::pin:
    return "pin";
  case kind::geo:
    return "geo";
  case kind::user:
    return "user";
  }
  return "unknown";
}

std::optional<kind> kind_of(const std::string& name) {
  auto suffix_kind = [](std::string_view s) -> std::optional<kind> {
    if (s == "pin") return kind::pin;
    if (s == "geo") return kind::geo;
    if (s == "user") return kind::user;
    return std::nullopt;
  };
  return suffix_kind(names::kind_suffix(name));
}

bool operator==(const pin_row& a, const pin_row& b) {
  return a.ind == b.ind && a.unique_id == b.unique_id && a.title == b.title &&
         a.description == b.description && a.follower_count == b.follower_count &&
         a.poster_name == b.poster_name && a.tag_list == b.tag_list &&
         a.is_image_or_video == b.is_image_or_video && a.image_src == b.image_src &&
         a.save_location == b.save_location && a.category == b.category;
}
bool operator==(const geo_row& a, const geo_row& b) {
  return a.ind == b.ind && a.country == b.country && a.latitude == b.latitude &&
         a.longitude == b.longitude && a.timestamp == b.timestamp;
}
bool operator==(const user_row& a, const user_row& b) {
  return a.ind == b.ind && a.user_name == b.user_name && a.age == b.age &&
         a.date_joined == b.date_joined;
}

std::string coordinates_json(const geo_row& g) {
  return "[" + rules::format_double(g.latitude) + ", " + rules::format_double(g.longitude) + "]";
}

namespace {

// Builds dead-letter reasons: "<kind> record: field '<name>' <problem>".
class reasons {
public:
  explicit reasons(kind k) : k_(k) {}
  status field(std::string_view name, const std::string& problem) const {
    return {errc::invalid_argument,
            std::string(to_string(k_)) + " record: field '" + std::string(name) + "' " + problem};
  }
  status whole(const status& s) const {
    return {s.code(), std::string(to_string(k_)) + " record: " + s.message()};
  }
  // A field that is absent, null or of the wrong type (the three required-field failures).
  status bad(std::string_view name, const jvalue& v, const char* expected) const {
    if (v.type == jtype::missing) return field(name, "is missing");
    if (v.type == jtype::null) return field(name, "is null");
    return field(name, std::string("has the wrong type: expected ") + expected + ", found " +
                           detail::describe(v.type));
  }

private:
  kind k_;
};

// At most 60 bytes of a value for a message, cut on a UTF-8 character boundary.
std::string excerpt(std::string_view s) {
  if (s.size() <= 60) return std::string(s);
  std::size_t n = 60;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80)
    --n;
  return std::string(s.substr(0, n)) + "...";
}

result<int64_t> required_integer(const reasons& r, std::string_view name, const jvalue& v) {
  if (v.type == jtype::integer) return v.i;
  if (v.type == jtype::big_unsigned)
    return r.field(name, "is out of range (an integer must fit in a signed 64-bit value)");
  return r.bad(name, v, "an integer");
}

result<double> required_number(const reasons& r, std::string_view name, const jvalue& v) {
  double d;
  if (v.type == jtype::integer)
    d = static_cast<double>(v.i);
  else if (v.type == jtype::big_unsigned || v.type == jtype::floating)
    d = v.d;
  else
    return r.bad(name, v, "a number");
  if (!std::isfinite(d)) return r.field(name, "is not a finite number");
  return d;
}

// A required text field: a non-empty string (empty counts as null, as in every text column).
result<std::string_view> required_text(const reasons& r, std::string_view name, const jvalue& v) {
  if (v.type != jtype::string) return r.bad(name, v, "a string");
  if (v.s.empty()) return r.field(name, "is empty (an empty string counts as null)");
  return v.s;
}

result<std::string> required_timestamp(const reasons& r, std::string_view name, const jvalue& v) {
  auto text = required_text(r, name, v);
  if (!text) return text.error();
  auto ts = rules::normalize_timestamp(*text);
  if (!ts)
    return r.field(name, "is not a valid timestamp: '" + excerpt(*text) +
                             "' (expected YYYY-MM-DD HH:MM:SS or YYYY-MM-DDTHH:MM:SS)");
  return std::move(*ts);
}

// An optional text column: missing, null, a non-string, the empty string or one of the
// column's placeholders all become null.
std::optional<std::string> optional_text(const jvalue& v,
                                         rules::pin_column column = rules::pin_column::other) {
  if (v.type != jtype::string || v.s.empty() || rules::is_placeholder(column, v.s))
    return std::nullopt;
  return std::string(v.s);
}

std::optional<int64_t> follower_count(const jvalue& v) {
  if (v.type == jtype::string) return rules::parse_follower_count(v.s);
  if (v.type == jtype::integer && v.i >= 0) return v.i; // a count sent as a JSON number
  return std::nullopt;
}

// Slot indexes double as the order of the key tables below.
namespace pin_f {
enum {
  index,
  unique_id,
  title,
  description,
  poster_name,
  follower_count,
  tag_list,
  is_image_or_video,
  image_src,
  save_location,
  category,
  count
};
constexpr std::string_view keys[count] = {
    "index",    "unique_id",         "title",     "description",   "poster_name", "follower_count",
    "tag_list", "is_image_or_video", "image_src", "save_location", "category"};
} // namespace pin_f

namespace geo_f {
enum { ind, timestamp, latitude, longitude, country, count };
constexpr std::string_view keys[count] = {"ind", "timestamp", "latitude", "longitude", "country"};
} // namespace geo_f

namespace user_f {
enum { ind, first_name, last_name, age, date_joined, count };
constexpr std::string_view keys[count] = {"ind", "first_name", "last_name", "age", "date_joined"};
} // namespace user_f

result<row> clean_pin(detail::json_backend b, std::string_view raw) {
  reasons r{kind::pin};
  jvalue f[pin_f::count];
  if (auto st = detail::read_fields(b, raw, pin_f::keys, pin_f::count, f); !st) return r.whole(st);
  auto ind = required_integer(r, "index", f[pin_f::index]);
  if (!ind) return ind.error();
  auto uid = required_text(r, "unique_id", f[pin_f::unique_id]);
  if (!uid) return uid.error();
  using col = rules::pin_column;
  pin_row p;
  p.ind = *ind;
  p.unique_id = std::string(*uid);
  p.title = optional_text(f[pin_f::title], col::title);
  p.description = optional_text(f[pin_f::description], col::description);
  p.follower_count = follower_count(f[pin_f::follower_count]);
  p.poster_name = optional_text(f[pin_f::poster_name], col::poster_name);
  p.tag_list = optional_text(f[pin_f::tag_list], col::tag_list);
  p.is_image_or_video = optional_text(f[pin_f::is_image_or_video]);
  p.image_src = optional_text(f[pin_f::image_src], col::image_src);
  const jvalue& save = f[pin_f::save_location];
  if (save.type == jtype::string) {
    auto stripped = rules::strip_save_location(save.s);
    if (!stripped.empty()) p.save_location = std::string(stripped);
  }
  p.category = optional_text(f[pin_f::category]);
  return row{std::move(p)};
}

result<row> clean_geo(detail::json_backend b, std::string_view raw) {
  reasons r{kind::geo};
  jvalue f[geo_f::count];
  if (auto st = detail::read_fields(b, raw, geo_f::keys, geo_f::count, f); !st) return r.whole(st);
  auto ind = required_integer(r, "ind", f[geo_f::ind]);
  if (!ind) return ind.error();
  auto ts = required_timestamp(r, "timestamp", f[geo_f::timestamp]);
  if (!ts) return ts.error();
  auto lat = required_number(r, "latitude", f[geo_f::latitude]);
  if (!lat) return lat.error();
  auto lon = required_number(r, "longitude", f[geo_f::longitude]);
  if (!lon) return lon.error();
  geo_row g;
  g.ind = *ind;
  g.country = optional_text(f[geo_f::country]);
  g.latitude = *lat;
  g.longitude = *lon;
  g.timestamp = std::move(*ts);
  return row{std::move(g)};
}

result<row> clean_user(detail::json_backend b, std::string_view raw) {
  reasons r{kind::user};
  jvalue f[user_f::count];
  if (auto st = detail::read_fields(b, raw, user_f::keys, user_f::count, f); !st)
    return r.whole(st);
  auto ind = required_integer(r, "ind", f[user_f::ind]);
  if (!ind) return ind.error();
  auto first = required_text(r, "first_name", f[user_f::first_name]);
  if (!first) return first.error();
  auto last = required_text(r, "last_name", f[user_f::last_name]);
  if (!last) return last.error();
  auto age = required_integer(r, "age", f[user_f::age]);
  if (!age) return age.error();
  auto joined = required_timestamp(r, "date_joined", f[user_f::date_joined]);
  if (!joined) return joined.error();
  user_row u;
  u.ind = *ind;
  u.user_name.reserve(first->size() + 1 + last->size());
  u.user_name.append(*first).append(" ").append(*last);
  u.age = *age;
  u.date_joined = std::move(*joined);
  return row{std::move(u)};
}

} // namespace

namespace detail {
result<row> clean_with(json_backend backend, kind k, std::string_view raw_json) {
  switch (k) {
  case kind::pin:
    return clean_pin(backend, raw_json);
  case kind::geo:
    return clean_geo(backend, raw_json);
  case kind::user:
    return clean_user(backend, raw_json);
  }
  return status{errc::invalid_argument, "unknown record kind"};
}
} // namespace detail

result<row> clean(kind k, std::string_view raw_json) {
  return detail::clean_with(detail::default_backend(), k, raw_json);
}

} // namespace pinpipe::clean
