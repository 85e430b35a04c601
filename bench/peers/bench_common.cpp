#include "bench/peers/bench_common.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace pinpipe::bench {
namespace {

// --- deterministic draws ------------------------------------------------------------------

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Pools sized so that the fixed part of a record always leaves room for a description:
// with a 9-digit index the longest fixed part is 413 bytes (see record_generator::make).
constexpr const char* categories[] = {
    "art",     "beauty",     "christmas",    "diy-and-crafts", "education", "event-planning",
    "finance", "home-decor", "mens-fashion", "quotes",         "tattoos",   "travel",
    "vehicles"};
constexpr const char* titles[] = {"TireBuyer",        "Baby Steps",   "Costa Rica Trip",
                                  "Handprint Deer",   "Tattoo Ideas", "Cozy Corner",
                                  "Quote of the Day", "DIY Wreath"};
// Some posters carry multi-byte UTF-8, like the real data (names, emoji).
constexpr const char* posters[] = {"Ray Uyemura",    "Chloe \u2708\ufe0f", "Michelle",
                                   "Living Low Key", "Mam\u00e1 Maggie",   "Ink Daily",
                                   "Dave R."};
constexpr const char* tags[] = {"Lowrider,Jaguar", "Budget,Savings", "Travel,Beach", "Ink,Art",
                                "Wreath,Fall",     "Quotes,Life",    "Decor,Boho"};
constexpr const char* follower_counts[] = {"437", "26k", "892k", "10k", "124k", "8M", "3k", "51k"};
// ASCII only, so any cut is valid UTF-8. Long enough for any offset + length used below.
constexpr const char description_text[] =
    "Nissan GT-R. Sick. If you love budgeting, make sure to give the seven baby steps a try. "
    "Follow these steps to begin your debt snowball, build an emergency fund, invest and reach "
    "riches. This Costa Rica itinerary is the ultimate guide to spending two weeks in Costa Rica. "
    "Make some cute handprint reindeer ornaments with the kids this Christmas season. ";

template <class T, std::size_t N> const T& pick(const T (&pool)[N], uint64_t h) {
  return pool[h % N];
}

void append_hex(std::string& out, uint64_t v, int digits) {
  static const char hex[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i)
    out.push_back(hex[(v >> (4 * i)) & 0xf]);
}

void append_uint(std::string& out, uint64_t v) {
  char tmp[24];
  auto r = std::to_chars(tmp, tmp + sizeof tmp, v);
  out.append(tmp, r.ptr);
}

// --- flag parsing ---------------------------------------------------------------------------

bool parse_u64(const char* s, uint64_t& out) {
  auto end = s + std::strlen(s);
  auto r = std::from_chars(s, end, out);
  return r.ec == std::errc{} && r.ptr == end && end != s;
}

bool parse_double(const char* s, double& out) {
  char* end = nullptr;
  out = std::strtod(s, &end);
  return end != s && *end == '\0' && std::isfinite(out);
}

status bad_flag(const std::string& flag, const std::string& why) {
  return {errc::invalid_argument, "flag " + flag + ": " + why + "\n" + usage("<client>")};
}

std::string fmt(const char* f, double v) {
  char tmp[64];
  std::snprintf(tmp, sizeof tmp, f, v);
  return tmp;
}

} // namespace

const char* to_string(bench_mode m) {
  return m == bench_mode::throughput ? "throughput" : "latency";
}

std::string usage(const std::string& program) {
  return "usage: " + program +
         " [--host H] [--port P] [--mode throughput|latency] [--tier durable|relaxed]\n"
         "       [--records N] [--seconds S] [--window W] [--readback-batch B]\n"
         "       [--readback-seconds S] [--seed X] [--stream NAME] [--fault-skip-readback N]\n"
         "Writes 420-byte pin-shaped JSON records until N records or S seconds (whichever comes\n"
         "first), reads everything back with a count and order check, and prints one RESULT line.\n"
         "Exit status: 0 ok, 1 check failed, 2 setup or usage error.";
}

result<options> parse_options(int argc, const char* const* argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") return status{errc::invalid_argument, usage(argv[0])};
    if (i + 1 >= argc) return bad_flag(flag, "needs a value");
    const char* v = argv[++i];
    uint64_t u = 0;
    double d = 0;
    if (flag == "--host") {
      o.host = v;
    } else if (flag == "--port") {
      if (!parse_u64(v, u) || u == 0 || u > 65535) return bad_flag(flag, "want 1..65535");
      o.port = static_cast<int>(u);
    } else if (flag == "--mode") {
      std::string m = v;
      if (m == "throughput")
        o.mode = bench_mode::throughput;
      else if (m == "latency")
        o.mode = bench_mode::latency;
      else
        return bad_flag(flag, "want throughput or latency, got '" + m + "'");
    } else if (flag == "--tier") {
      o.tier = v;
      if (o.tier.empty() || o.tier.find_first_of(" \t=") != std::string::npos)
        return bad_flag(flag, "want a label without spaces or '=' (durable, relaxed)");
    } else if (flag == "--records") {
      if (!parse_u64(v, u) || u == 0 || u > 999999999) return bad_flag(flag, "want 1..999999999");
      o.records = u;
    } else if (flag == "--seconds") {
      if (!parse_double(v, d) || d <= 0 || d > 86400) return bad_flag(flag, "want 0 < S <= 86400");
      o.seconds = d;
    } else if (flag == "--window") {
      if (!parse_u64(v, u) || u == 0 || u > 65536) return bad_flag(flag, "want 1..65536");
      o.window = static_cast<int>(u);
    } else if (flag == "--readback-batch") {
      if (!parse_u64(v, u) || u == 0 || u > 100000) return bad_flag(flag, "want 1..100000");
      o.readback_batch = static_cast<int>(u);
    } else if (flag == "--readback-seconds") {
      if (!parse_double(v, d) || d <= 0 || d > 86400) return bad_flag(flag, "want 0 < S <= 86400");
      o.readback_seconds = d;
    } else if (flag == "--seed") {
      if (!parse_u64(v, u)) return bad_flag(flag, "want an unsigned integer");
      o.seed = u;
    } else if (flag == "--stream") {
      o.stream = v;
      if (o.stream.empty() || o.stream.find_first_of(" \t*>.") != std::string::npos)
        return bad_flag(flag, "want a name without spaces, '*', '>' or '.'");
    } else if (flag == "--fault-skip-readback") {
      if (!parse_u64(v, u)) return bad_flag(flag, "want an unsigned integer");
      o.fault_skip_readback = u;
    } else {
      return bad_flag(flag, "unknown flag");
    }
  }
  return o;
}

// --- records --------------------------------------------------------------------------------

record_generator::record_generator(uint64_t seed) : seed_(seed) {
  buf_.reserve(2 * record_bytes);
}

std::string_view record_generator::make(uint64_t index) {
  const uint64_t h0 = splitmix64(seed_ ^ splitmix64(index));
  const uint64_t h1 = splitmix64(h0);
  const uint64_t h2 = splitmix64(h1);
  const uint64_t h3 = splitmix64(h2);
  const char* category = pick(categories, h0 >> 7);
  std::string& b = buf_;
  b.clear();
  b += "{\"index\":";
  append_uint(b, index);
  b += ",\"unique_id\":\"";
  append_hex(b, h1 >> 32, 8);
  b += '-';
  append_hex(b, h1 >> 16, 4);
  b += "-4";
  append_hex(b, h1, 3);
  b += '-';
  append_hex(b, 0x8 | (h2 >> 62), 1);
  append_hex(b, h2 >> 48, 3);
  b += '-';
  append_hex(b, h2, 12);
  b += "\",\"title\":\"";
  b += pick(titles, h0 >> 13);
  b += "\",\"description\":\"";
  const std::size_t description_at = b.size();
  b += "\",\"poster_name\":\"";
  b += pick(posters, h0 >> 19);
  b += "\",\"follower_count\":\"";
  b += pick(follower_counts, h0 >> 25);
  b += "\",\"tag_list\":\"";
  b += pick(tags, h0 >> 31);
  b += "\",\"is_image_or_video\":\"";
  b += (h0 >> 37) % 10 == 0 ? "video" : "image";
  b += "\",\"image_src\":\"https://i.pinimg.com/originals/";
  append_hex(b, h3 >> 56, 2);
  b += '/';
  append_hex(b, h3 >> 48, 2);
  b += '/';
  append_hex(b, h3 >> 40, 2);
  b += '/';
  append_hex(b, h3, 16);
  append_hex(b, splitmix64(h3), 16);
  b += ".jpg\",\"downloaded\":1,\"save_location\":\"Local save in /data/";
  b += category;
  b += "\",\"category\":\"";
  b += category;
  b += "\"}";
  // The description fills the record to exactly record_bytes.
  PINPIPE_ASSERT(b.size() < record_bytes, "record fields exceed the record size");
  const std::size_t fill = record_bytes - b.size();
  const std::size_t text_len = sizeof description_text - 1;
  PINPIPE_ASSERT(fill < text_len / 2, "description filler too short for the record size");
  const std::size_t from = (h0 >> 43) % (text_len - fill);
  b.insert(description_at, description_text + from, fill);
  return b;
}

std::optional<uint64_t> record_index(std::string_view record) {
  constexpr std::string_view prefix = "{\"index\":";
  if (record.substr(0, prefix.size()) != prefix) return std::nullopt;
  uint64_t v = 0;
  const char* begin = record.data() + prefix.size();
  const char* end = record.data() + record.size();
  auto r = std::from_chars(begin, end, v);
  if (r.ec != std::errc{} || r.ptr == begin) return std::nullopt;
  return v;
}

// --- read-back check ------------------------------------------------------------------------

readback_check::readback_check(uint64_t expected, uint64_t skip_first)
    : expected_(expected), skip_(skip_first) {}

void readback_check::add(std::string_view record) {
  if (skip_ > 0) { // test hook: behave as if this record had been lost
    --skip_;
    return;
  }
  const uint64_t want = count_++;
  std::string problem;
  if (record.size() != record_bytes) {
    problem = "record " + std::to_string(want) + " has " + std::to_string(record.size()) +
              " bytes, want " + std::to_string(record_bytes);
  } else if (auto idx = record_index(record); !idx || *idx != want) {
    problem = "record at position " + std::to_string(want) + " has index " +
              (idx ? std::to_string(*idx) : std::string("<none>")) +
              " (lost, duplicated or "
              "reordered records)";
  }
  if (!problem.empty() && bad_++ == 0) first_problem_ = problem;
}

status readback_check::finish() const {
  if (count_ != expected_)
    return {errc::corrupt_data, "read-back count check FAILED: read " + std::to_string(count_) +
                                    " records, " + std::to_string(expected_) +
                                    " were acknowledged"};
  if (bad_ > 0)
    return {errc::corrupt_data, "read-back order check FAILED: " + std::to_string(bad_) +
                                    " bad records; first: " + first_problem_};
  return status::success();
}

// --- latency --------------------------------------------------------------------------------

uint64_t percentile_sorted(const std::vector<uint64_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  // Nearest rank: the smallest value with at least q of the samples at or below it.
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

latency_summary summarize_ns(std::vector<uint64_t> ns) {
  std::sort(ns.begin(), ns.end());
  latency_summary s;
  s.samples = ns.size();
  s.p50_us = percentile_sorted(ns, 0.50) / 1e3;
  s.p99_us = percentile_sorted(ns, 0.99) / 1e3;
  s.p999_us = percentile_sorted(ns, 0.999) / 1e3;
  s.max_us = ns.empty() ? 0 : ns.back() / 1e3;
  return s;
}

stopwatch::stopwatch(double limit_seconds)
    : start_(std::chrono::steady_clock::now()), limit_s_(limit_seconds) {}

uint64_t stopwatch::elapsed_ns() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() -
                                                              start_)
      .count();
}

double stopwatch::elapsed_s() const {
  return elapsed_ns() / 1e9;
}

result<latency_run>
run_latency(const options& opts, record_generator& gen,
            const std::function<status(uint64_t, std::string_view)>& publish_one) {
  latency_run run;
  run.latencies_ns.reserve(std::min<uint64_t>(opts.records, 4000000));
  stopwatch total{opts.seconds};
  for (uint64_t i = 0; i < opts.records && !total.expired(); ++i) {
    auto rec = gen.make(i);
    stopwatch one;
    if (auto s = publish_one(i, rec); !s.ok()) return s;
    run.latencies_ns.push_back(one.elapsed_ns());
    ++run.acked;
  }
  run.secs = total.elapsed_s();
  return run;
}

std::string format_result_line(const run_result& r) {
  const double secs = r.secs > 0 ? r.secs : 1e-9;
  const double rb_secs = r.readback_secs > 0 ? r.readback_secs : 1e-9;
  std::string line =
      "RESULT system=" + r.system + " tier=" + r.tier + " mode=" + to_string(r.mode) +
      (r.batch > 1 ? " batch=" + std::to_string(r.batch) : std::string()) +
      (r.client.empty() ? std::string() : " client=" + r.client) +
      " fsync=" + (r.fsync.empty() ? "-" : r.fsync) + " records=" + std::to_string(r.records) +
      " secs=" + fmt("%.3f", r.secs) + " rps=" + fmt("%.1f", r.records / secs) +
      " mbps=" + fmt("%.2f", r.records * double(record_bytes) / 1e6 / secs) +
      " readback_records=" + std::to_string(r.readback_records) +
      " readback_rps=" + fmt("%.1f", r.readback_records / rb_secs);
  if (r.latency) {
    line +=
        " samples=" + std::to_string(r.latency->samples) +
        " p50_us=" + fmt("%.1f", r.latency->p50_us) + " p99_us=" + fmt("%.1f", r.latency->p99_us) +
        " p999_us=" + fmt("%.1f", r.latency->p999_us) + " max_us=" + fmt("%.1f", r.latency->max_us);
  }
  line += std::string(" check=") + (r.check_ok ? "ok" : "failed");
  return line;
}

} // namespace pinpipe::bench
