#include "pipeline/source/vocab.hpp"

#include <sstream>

namespace pinpipe::source::vocab {

std::vector<std::string> split_lines(const char* text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

const std::vector<std::string>& countries() {
  static const std::vector<std::string> v = split_lines(countries_txt);
  return v;
}

const std::vector<std::string>& first_names() {
  static const std::vector<std::string> v = split_lines(first_names_txt);
  return v;
}

const std::vector<std::string>& last_names() {
  static const std::vector<std::string> v = split_lines(last_names_txt);
  return v;
}

} // namespace pinpipe::source::vocab
