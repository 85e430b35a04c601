// The deterministic row model behind the source database (PIPELINE §1): given a seed and a
// row count it produces, for every key n, the pin, geo and user rows with key n. Every row is
// a pure function of (seed, rows, n), independent of generation order, so tests and the
// generator agree and the same seed always yields the same tables.
//
// The model: the key range is split into 13 contiguous category blocks (alphabetical); each
// category has a pool of posters (name, follower_count, user, country + coordinates) that
// its rows draw from, so a poster is consistent across its posts; ~1.5% of rows are "story"
// rows that carry every placeholder and belong to one shared "User Info Error" poster.
//
// Randomness is our own splitmix64 stream (det_rng), never std:: distributions, whose
// output differs between standard libraries.
//
// Threading: a row_generator is immutable after construction; row() may be called from
// any number of threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pinpipe::source {

/// Placeholder strings exactly as the original data spells them (PIPELINE §1).
namespace placeholder {
inline constexpr const char* title = "No Title Data Available";
inline constexpr const char* description_story = "No description available Story format";
inline constexpr const char* description = "No description available";
inline constexpr const char* description_untitled = "Untitled";
inline constexpr const char* poster_name = "User Info Error";
inline constexpr const char* follower_count = "User Info Error";
inline constexpr const char* tag_list = "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e";
inline constexpr const char* image_src = "Image src error.";
inline constexpr const char* story_format = "multi-video(story page format)";
} // namespace placeholder

/// The 13 categories in alphabetical order (= the order of their key blocks).
const std::vector<std::string>& categories();

/// A small deterministic PRNG (splitmix64). Same seed, same sequence, on every platform.
class det_rng {
public:
  explicit det_rng(uint64_t seed) : state_(seed) {}
  uint64_t next();
  /// Uniform in [lo, hi], both inclusive; lo <= hi.
  int64_t uniform(int64_t lo, int64_t hi);
  /// Uniform in [0, 1).
  double unit();
  bool chance(double p) { return unit() < p; }
  template <class V> const typename V::value_type& pick(const V& v) {
    return v[static_cast<size_t>(uniform(0, static_cast<int64_t>(v.size()) - 1))];
  }

private:
  uint64_t state_;
};

/// Mixes values into a well spread 64-bit seed.
uint64_t mix_seed(uint64_t a, uint64_t b, uint64_t c = 0);

struct pin_row {
  int64_t index = 0;
  std::string unique_id, title, description, poster_name, follower_count, tag_list,
      is_image_or_video, image_src;
  int downloaded = 1;
  std::string save_location, category;
};

struct geo_row {
  int64_t ind = 0;
  std::string timestamp; ///< "YYYY-MM-DD HH:MM:SS"
  double latitude = 0, longitude = 0;
  std::string country;
};

struct user_row {
  int64_t ind = 0;
  std::string first_name, last_name;
  int age = 0;
  std::string date_joined; ///< "YYYY-MM-DD HH:MM:SS"
};

struct source_rows {
  pin_row pin;
  geo_row geo;
  user_row user;
};

/// "YYYY-MM-DD HH:MM:SS" of a Unix time (UTC).
std::string format_datetime(int64_t unix_seconds);

class row_generator {
public:
  /// rows >= 1.
  row_generator(uint64_t seed, int64_t rows);

  int64_t rows() const { return rows_; }
  /// The three rows with key n, 0 <= n < rows.
  source_rows row(int64_t key) const;
  /// Index into categories() of the block holding key n.
  int category_of(int64_t key) const;
  /// One past the last key of each category block (13 entries, non-decreasing).
  const std::vector<int64_t>& block_ends() const { return block_end_; }

private:
  struct poster {
    std::string name, follower_count, first_name, last_name, date_joined, country;
    int age = 0;
    double latitude = 0, longitude = 0;
  };
  poster make_poster(det_rng& r, int category, bool story);
  std::string make_poster_name(det_rng& r, int category) const;

  uint64_t seed_;
  int64_t rows_;
  std::vector<int64_t> block_end_;
  std::vector<std::vector<poster>> posters_; ///< per category
  poster story_poster_;
  std::vector<std::string> country_pool_; ///< ~210 countries in alphabetical order
};

} // namespace pinpipe::source
