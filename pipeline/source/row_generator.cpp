#include "pipeline/source/row_generator.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unordered_set>

#include "common/status.hpp"
#include "pipeline/source/vocab.hpp"
#include "pipeline/source/word_banks.hpp"

namespace pinpipe::source {

namespace {

// Shares of the model (PIPELINE §1). Story rows carry every placeholder and are the only
// rows whose follower_count is "User Info Error" (1.5%); the other formats are per poster,
// scaled so that the row mix is ~74% k / 17% plain / 7% M.
constexpr double story_share = 0.015;
constexpr double k_share = 0.74 / (1 - story_share);
constexpr double plain_share = 0.17 / (1 - story_share);
constexpr double video_share = 0.05;
constexpr double untitled_description_share = 0.004;
constexpr double missing_description_share = 0.006;
constexpr double missing_title_share = 0.003;
constexpr double missing_tags_share = 0.005;
constexpr int countries_dropped = 35; // 245 Faker names -> ~210 in use

// Time ranges, Unix seconds (UTC).
constexpr int64_t geo_from = 1506816000;    // 2017-10-01 00:00:00
constexpr int64_t geo_to = 1672531199;      // 2022-12-31 23:59:59
constexpr int64_t joined_from = 1443657600; // 2015-10-01 00:00:00
constexpr int64_t joined_to = 1509494399;   // 2017-10-31 23:59:59

// Salts that separate the random streams of different purposes.
constexpr uint64_t salt_row = 0x726f77;
constexpr uint64_t salt_posters = 0x706f7374;
constexpr uint64_t salt_layout = 0x6c61796f;

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
  return s;
}

std::string lower_ascii(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string hex_string(det_rng& r, int digits) {
  static const char* hex = "0123456789abcdef";
  std::string s;
  s.reserve(static_cast<size_t>(digits));
  uint64_t bits = 0;
  for (int i = 0; i < digits; ++i) {
    if (i % 16 == 0) bits = r.next();
    s.push_back(hex[bits & 0xf]);
    bits >>= 4;
  }
  return s;
}

std::string uuid4(det_rng& r) {
  std::string h = hex_string(r, 32);
  h[12] = '4';
  h[16] = "89ab"[r.uniform(0, 3)];
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

/// Rounds to 6 significant digits, like the FLOAT columns of the original MySQL tables.
double six_digits(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return std::strtod(buf, nullptr);
}

/// Log-uniform integer in [lo, hi]: small values are more common, as in real follower counts.
int64_t log_uniform(det_rng& r, int64_t lo, int64_t hi) {
  double x = std::exp(
      std::log(static_cast<double>(lo + 1)) +
      r.unit() * (std::log(static_cast<double>(hi + 1)) - std::log(static_cast<double>(lo + 1))));
  return std::clamp<int64_t>(static_cast<int64_t>(x) - 1, lo, hi);
}

std::string follower_count(det_rng& r) {
  double u = r.unit();
  if (u < k_share) return std::to_string(log_uniform(r, 1, 999)) + "k";
  if (u < k_share + plain_share) return std::to_string(log_uniform(r, 0, 999));
  double m = r.unit();
  return std::to_string(1 + static_cast<int>(8 * m * m)) + "M"; // 1M..8M, mostly 1M-2M
}

/// Cuts s to at most max_bytes on a UTF-8 character boundary, without trailing spaces.
std::string cut_utf8(const std::string& s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80)
    --end;
  std::string out = s.substr(0, end);
  while (!out.empty() && out.back() == ' ')
    out.pop_back();
  return out;
}

std::string make_title(det_rng& r, const category_bank& bank) {
  if (r.chance(0.04)) return r.pick(foreign_phrases());
  std::string t = r.pick(title_templates());
  t = replace_all(t, "{s}", r.pick(bank.subjects));
  t = replace_all(t, "{n}", std::to_string(r.uniform(5, 50)));
  t = replace_all(t, "{y}", std::to_string(r.uniform(2017, 2022)));
  t = replace_all(t, "{e}", r.pick(emoji()));
  if (r.chance(0.06)) t += std::string(" ") + r.pick(emoji());
  return t;
}

std::string make_description(det_rng& r, const category_bank& bank) {
  std::string subject = lower_ascii(r.pick(bank.subjects));
  std::string d;
  if (r.chance(0.05)) d = std::string(r.pick(foreign_phrases())) + " ";
  int sentences = static_cast<int>(r.uniform(1, 3));
  for (int i = 0; i < sentences; ++i) {
    if (i > 0) d += " ";
    d += r.chance(0.7) ? std::string(r.pick(bank.sentences))
                       : replace_all(r.pick(generic_sentences()), "{s}", subject);
  }
  if (r.chance(0.05)) d += std::string(" ") + r.pick(emoji());
  // Pinterest truncates long descriptions with an ellipsis, mostly followed by U+00A0.
  if (d.size() > 120 && r.chance(0.6)) {
    d = cut_utf8(d, static_cast<size_t>(r.uniform(100, 170))) + "…";
    if (r.chance(0.75)) d += "\u00a0";
  }
  return d;
}

std::string make_tags(det_rng& r, const category_bank& bank) {
  int count = r.chance(0.8) ? 9 : static_cast<int>(r.uniform(4, 8));
  std::vector<std::string> tags;
  for (int attempt = 0; static_cast<int>(tags.size()) < count && attempt < 40; ++attempt) {
    std::string tag;
    double u = r.unit();
    if (u < 0.45)
      tag = std::string(r.pick(tag_modifiers())) + " " + r.pick(bank.tag_words);
    else if (u < 0.75)
      tag = r.pick(bank.tag_words);
    else
      tag = r.pick(bank.subjects);
    if (std::find(tags.begin(), tags.end(), tag) == tags.end()) tags.push_back(tag);
  }
  std::string out;
  for (size_t i = 0; i < tags.size(); ++i)
    out += (i ? "," : "") + tags[i];
  return out;
}

std::string image_url(det_rng& r, bool video) {
  std::string h = hex_string(r, 32);
  std::string dirs = h.substr(0, 2) + "/" + h.substr(2, 2) + "/" + h.substr(4, 2) + "/";
  if (video) return "https://i.pinimg.com/videos/thumbnails/originals/" + dirs + h + ".0000001.jpg";
  return "https://i.pinimg.com/originals/" + dirs + h + (r.chance(0.7) ? ".jpg" : ".png");
}

} // namespace

const std::vector<std::string>& categories() {
  static const std::vector<std::string> v = [] {
    std::vector<std::string> names;
    for (const auto& b : category_banks())
      names.emplace_back(b.name);
    return names;
  }();
  return v;
}

uint64_t det_rng::next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

int64_t det_rng::uniform(int64_t lo, int64_t hi) {
  PINPIPE_ASSERT(lo <= hi, "det_rng::uniform needs lo <= hi");
  uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
  if (span == 0) // the whole 64-bit range
    return static_cast<int64_t>(next());
  // Multiply-shift; the bias (< span / 2^64) is irrelevant for data generation.
  __extension__ typedef unsigned __int128 u128;
  return lo + static_cast<int64_t>((static_cast<u128>(next()) * span) >> 64);
}

double det_rng::unit() {
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

uint64_t mix_seed(uint64_t a, uint64_t b, uint64_t c) {
  det_rng r(a ^ 0x243f6a8885a308d3ULL);
  uint64_t x = r.next() ^ b;
  det_rng r2(x);
  uint64_t y = r2.next() ^ c;
  return det_rng(y).next();
}

std::string format_datetime(int64_t t) {
  // Howard Hinnant's civil_from_days.
  int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  int64_t secs = t - days * 86400;
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld %02lld:%02lld:%02lld",
                static_cast<long long>(y), static_cast<long long>(m), static_cast<long long>(d),
                static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                static_cast<long long>(secs % 60));
  return buf;
}

row_generator::row_generator(uint64_t seed, int64_t rows) : seed_(seed), rows_(rows) {
  PINPIPE_ASSERT(rows >= 1, "row_generator needs at least one row");
  const size_t n_cat = category_banks().size();

  // Category blocks: roughly equal, each 0.85..1.15 of the mean, alphabetical order.
  det_rng layout(mix_seed(seed, salt_layout));
  std::vector<double> cum;
  double total = 0;
  for (size_t c = 0; c < n_cat; ++c)
    cum.push_back(total += 0.85 + 0.3 * layout.unit());
  for (size_t c = 0; c < n_cat; ++c)
    block_end_.push_back(c + 1 == n_cat ? rows
                                        : std::llround(static_cast<double>(rows) * cum[c] / total));

  // ~210 of Faker's countries are in use; the rest never appear.
  country_pool_ = vocab::countries();
  for (int i = 0; i < countries_dropped && country_pool_.size() > 1; ++i)
    country_pool_.erase(country_pool_.begin() + layout.uniform(0, country_pool_.size() - 1));

  // Poster pools: about one poster per three rows of the category.
  det_rng pr(mix_seed(seed, salt_posters));
  std::unordered_set<std::string> names{placeholder::poster_name};
  posters_.resize(n_cat);
  int64_t begin = 0;
  for (size_t c = 0; c < n_cat; ++c) {
    int64_t count = block_end_[c] - begin;
    begin = block_end_[c];
    int64_t n_posters = std::max<int64_t>(1, count / 3);
    posters_[c].reserve(static_cast<size_t>(n_posters));
    for (int64_t i = 0; i < n_posters; ++i) {
      poster p = make_poster(pr, static_cast<int>(c), false);
      for (int attempt = 0; !names.insert(p.name).second; ++attempt)
        p.name = attempt < 8 ? make_poster_name(pr, static_cast<int>(c))
                             : p.name + " " + std::to_string(attempt);
      posters_[c].push_back(std::move(p));
    }
  }
  story_poster_ = make_poster(pr, 0, true);
}

std::string row_generator::make_poster_name(det_rng& r, int category) const {
  const auto& bank = category_banks()[static_cast<size_t>(category)];
  const std::string first = r.pick(vocab::first_names());
  const std::string last = r.pick(vocab::last_names());
  const std::string brand = std::string(r.pick(bank.brand_words)) + " " + r.pick(brand_suffixes());
  switch (r.uniform(0, 9)) {
  case 0:
  case 1:
  case 2:
    return first + " " + last;
  case 3:
  case 4:
    return brand;
  case 5:
    return first + " | " + r.pick(bank.subjects);
  case 6:
    return first + "'s " + brand;
  case 7: {
    std::string e = r.pick(emoji());
    return brand + " " + e + " " + r.pick(bank.subjects) + " " + e;
  }
  case 8:
    return first + " {" + r.pick(bank.brand_words) + last + ".com}";
  default:
    return brand + " – " + r.pick(bank.subjects) + " | " + r.pick(bank.subjects);
  }
}

row_generator::poster row_generator::make_poster(det_rng& r, int category, bool story) {
  poster p;
  p.name = story ? placeholder::poster_name : make_poster_name(r, category);
  p.follower_count = story ? placeholder::follower_count : follower_count(r);
  p.first_name = r.pick(vocab::first_names());
  p.last_name = r.pick(vocab::last_names());
  double a = r.unit();
  p.age = 20 + static_cast<int>(40 * std::pow(a, 1.8)); // 20..59, mostly young
  p.date_joined = format_datetime(r.uniform(joined_from, joined_to));
  double cu = std::pow(r.unit(), 1.6); // early-alphabet countries are more common
  p.country = country_pool_[static_cast<size_t>(cu * static_cast<double>(country_pool_.size()))];
  p.latitude = six_digits(-90 + 180 * r.unit());
  p.longitude = six_digits(-180 + 360 * r.unit());
  return p;
}

int row_generator::category_of(int64_t key) const {
  return static_cast<int>(std::upper_bound(block_end_.begin(), block_end_.end(), key) -
                          block_end_.begin());
}

source_rows row_generator::row(int64_t key) const {
  PINPIPE_ASSERT(key >= 0 && key < rows_, "row_generator::row key out of range");
  det_rng r(mix_seed(seed_, salt_row, static_cast<uint64_t>(key)));
  const int c = category_of(key);
  const auto& bank = category_banks()[static_cast<size_t>(c)];
  const bool story = r.chance(story_share);
  const auto& pool = posters_[static_cast<size_t>(c)];
  const poster& p =
      story ? story_poster_
            : pool[static_cast<size_t>(std::pow(r.unit(), 1.5) * static_cast<double>(pool.size()))];

  source_rows out;
  pin_row& pin = out.pin;
  pin.index = key;
  pin.unique_id = uuid4(r);
  pin.category = bank.name;
  pin.save_location = "Local save in /data/" + pin.category;
  pin.poster_name = p.name;
  pin.follower_count = p.follower_count;
  if (story) {
    pin.title = placeholder::title;
    pin.description = placeholder::description_story;
    pin.tag_list = placeholder::tag_list;
    pin.is_image_or_video = placeholder::story_format;
    pin.image_src = placeholder::image_src;
    pin.downloaded = 0;
  } else {
    const bool video = r.chance(video_share);
    pin.title = r.chance(missing_title_share) ? placeholder::title : make_title(r, bank);
    double d = r.unit();
    pin.description = d < missing_description_share ? placeholder::description
                      : d < missing_description_share + untitled_description_share
                          ? placeholder::description_untitled
                          : make_description(r, bank);
    pin.tag_list = r.chance(missing_tags_share) ? placeholder::tag_list : make_tags(r, bank);
    pin.is_image_or_video = video ? "video" : "image";
    pin.image_src = image_url(r, video);
    pin.downloaded = 1;
  }

  out.geo.ind = key;
  out.geo.timestamp = format_datetime(r.uniform(geo_from, geo_to));
  out.geo.latitude = p.latitude;
  out.geo.longitude = p.longitude;
  out.geo.country = p.country;

  out.user.ind = key;
  out.user.first_name = p.first_name;
  out.user.last_name = p.last_name;
  out.user.age = p.age;
  out.user.date_joined = p.date_joined;
  return out;
}

} // namespace pinpipe::source
