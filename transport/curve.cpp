#include "transport/curve.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <zmq.h>

namespace pinpipe::transport {

result<curve_keypair> make_curve_keypair() {
  char pub[41] = {};
  char sec[41] = {};
  if (zmq_curve_keypair(pub, sec) != 0)
    return status{errc::unavailable,
                  "libzmq has no CURVE support (install a libzmq built with libsodium)"};
  return curve_keypair{pub, sec};
}

namespace {

bool z85_key(const std::string& s) {
  if (s.size() != 40) return false;
  uint8_t raw[32];
  return zmq_z85_decode(raw, s.c_str()) != nullptr;
}

/// The quoted value of a `name = "value"` line, or empty.
std::string value_of(const std::string& line, const std::string& name) {
  auto p = line.find_first_not_of(" \t");
  if (p == std::string::npos || line.compare(p, name.size(), name) != 0) return {};
  auto q1 = line.find('"', p + name.size());
  auto q2 = q1 == std::string::npos ? q1 : line.find('"', q1 + 1);
  if (q2 == std::string::npos) return {};
  if (line.substr(p + name.size(), q1 - p - name.size()).find('=') == std::string::npos) return {};
  return line.substr(q1 + 1, q2 - q1 - 1);
}

} // namespace

result<curve_keypair> read_key_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return status{errc::not_found, "cannot read key file " + path};
  curve_keypair keys;
  std::string line, bare; // bare: the one meaningful line of a file holding just a key
  int lines = 0, meaningful = 0;
  while (std::getline(in, line) && ++lines <= 1000) {
    if (auto v = value_of(line, "curve_public_key"); !v.empty()) keys.public_key = v;
    if (auto v = value_of(line, "curve_secret_key"); !v.empty()) keys.secret_key = v;
    std::string t;
    for (char ch : line)
      if (ch != ' ' && ch != '\t' && ch != '\r') t += ch;
    if (!t.empty() && (t[0] != '#' || z85_key(t))) { // a Z85 key may start with '#'
      ++meaningful;
      bare = t;
    }
  }
  const std::string only = meaningful == 1 ? bare : std::string{};
  if (keys.public_key.empty() && z85_key(only)) keys.public_key = only;
  for (const auto* k : {&keys.public_key, &keys.secret_key})
    if (!k->empty() && !z85_key(*k))
      return status{errc::invalid_argument,
                    "key file " + path + " holds \"" + *k +
                        "\", which is not a 40-character Z85 key (write it with `pinpipe keygen`)"};
  return keys;
}

result<std::vector<std::string>> read_public_key_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return status{errc::not_found, "curve_allowed_clients_dir " + dir + " is not a directory"};
  std::vector<std::string> paths;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const auto name = e.path().filename().string();
    if (name.empty() || name[0] == '.' || !e.is_regular_file()) continue;
    paths.push_back(e.path().string());
  }
  if (ec) return status{errc::io_error, "cannot list " + dir + ": " + ec.message()};
  std::sort(paths.begin(), paths.end());
  std::vector<std::string> keys;
  for (const auto& p : paths) {
    auto k = read_key_file(p);
    if (!k) return k.error();
    if (k->public_key.empty())
      return status{errc::invalid_argument,
                    "client key file " + p +
                        " has no curve_public_key line (put the output of `pinpipe keygen` there, "
                        "or just the 40-char public key)"};
    keys.push_back(k->public_key);
  }
  return keys;
}

result<std::vector<std::string>> allowed_client_keys(const std::vector<std::string>& listed,
                                                     const std::string& dir) {
  std::vector<std::string> keys = listed;
  if (dir.empty()) return keys;
  auto more = read_public_key_dir(dir);
  if (!more)
    return status{more.error().code(),
                  "[node] curve_allowed_clients_dir: " + more.error().message()};
  keys.insert(keys.end(), more->begin(), more->end());
  return keys;
}

} // namespace pinpipe::transport
