// Small helpers shared by the pipeline benchmarks in bench/ (not the peer suite, which has
// bench/peers/bench_common.hpp): a self-removing temp dir, the machine's load average, a
// tiny `--flag value` parser, and the FIGURE line every benchmark prints.
//
// FIGURE line (one per measured figure, on stdout; bench/run-all.sh collects them):
//   FIGURE bench=<name> case=<case> <key>=<value> ... load=<1m>,<5m>,<15m>
// Values contain no spaces. Human-readable lines may be printed around it.
//
// Threading: plain functions and single-threaded objects; header-only.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace pinpipe::bench {

/// A fresh directory under $TMPDIR (or /tmp), removed with its contents on destruction.
class temp_dir {
public:
  explicit temp_dir(const std::string& prefix = "pinpipe-bench") {
    const char* t = std::getenv("TMPDIR");
    std::string tmpl = std::string(t && *t ? t : "/tmp") + "/" + prefix + ".XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr) {
      std::fprintf(stderr, "cannot create a temp dir from %s\n", tmpl.c_str());
      std::exit(2);
    }
    path_ = buf.data();
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::string& path() const { return path_; }
  std::string sub(const std::string& rel) const { return path_ + "/" + rel; }

private:
  std::string path_;
};

/// "1.23,1.10,0.98" from /proc/loadavg ("?" when unreadable).
inline std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  if (!(in >> a >> b >> c)) return "?";
  return a + "," + b + "," + c;
}

/// Formats a double with printf-style `fmt` (no spaces in the result for %.Nf).
inline std::string num(double v, const char* fmt = "%.1f") {
  char tmp[64];
  std::snprintf(tmp, sizeof tmp, fmt, v);
  return tmp;
}

/// Prints one FIGURE line (see the header comment) and flushes stdout.
inline void print_figure(const std::string& bench, const std::string& case_name,
                         const std::vector<std::pair<std::string, std::string>>& kv) {
  std::string line = "FIGURE bench=" + bench + " case=" + case_name;
  for (const auto& [k, v] : kv)
    line += " " + k + "=" + v;
  line += " load=" + load_average();
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

/// `--name value` pairs and bare `--switch`es listed in `switches`. Unknown flags are
/// collected in bad(); the caller prints usage and exits 2.
class flags {
public:
  flags(int argc, char** argv, const std::vector<std::string>& switches = {"--quick"}) {
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      bool is_switch = false;
      for (const auto& s : switches)
        is_switch = is_switch || s == a;
      if (is_switch) {
        values_[a] = "1";
      } else if (a.rfind("--", 0) == 0 && i + 1 < argc) {
        values_[a] = argv[++i];
      } else {
        bad_.push_back(a);
      }
    }
  }
  bool has(const std::string& f) const { return values_.count(f) > 0; }
  std::string str(const std::string& f, const std::string& def) const {
    auto it = values_.find(f);
    return it == values_.end() ? def : it->second;
  }
  double dbl(const std::string& f, double def) const {
    auto it = values_.find(f);
    if (it == values_.end()) return def;
    char* end = nullptr;
    double v = std::strtod(it->second.c_str(), &end);
    if (end == it->second.c_str() || *end != '\0') bad_.push_back(f + " " + it->second);
    return v;
  }
  long long integer(const std::string& f, long long def) const {
    auto it = values_.find(f);
    if (it == values_.end()) return def;
    char* end = nullptr;
    long long v = std::strtoll(it->second.c_str(), &end, 10);
    if (end == it->second.c_str() || *end != '\0') bad_.push_back(f + " " + it->second);
    return v;
  }
  /// Flags that were not understood (including bad numbers); empty = all fine.
  const std::vector<std::string>& bad() const { return bad_; }
  /// Flags given that are not in `known` (call after reading everything).
  std::vector<std::string> unknown(const std::vector<std::string>& known) const {
    std::vector<std::string> out = bad_;
    for (const auto& [k, v] : values_) {
      bool ok = false;
      for (const auto& n : known)
        ok = ok || n == k;
      if (!ok) out.push_back(k);
    }
    return out;
  }

private:
  std::map<std::string, std::string> values_;
  mutable std::vector<std::string> bad_;
};

/// Exits 2 with `usage` when `f` has flags outside `known`.
inline void check_flags(const flags& f, const std::vector<std::string>& known, const char* usage) {
  auto u = f.unknown(known);
  if (u.empty()) return;
  std::fprintf(stderr, "unknown or bad flag '%s'\n%s\n", u.front().c_str(), usage);
  std::exit(2);
}

} // namespace pinpipe::bench
