// Shared test fixture: a small generated source database in a temp dir, plus helpers to
// read the emulator manifest back.
#pragma once

#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "pipeline/source/source_db.hpp"
#include "tests/source/test_db.hpp"

namespace pinpipe::emulator::testing {

using source::testing::temp_dir;

/// Generates a source of `rows` rows (seed 1) and opens it.
inline std::unique_ptr<source::source_db> make_source(const temp_dir& dir, int64_t rows) {
  source::gen_options o;
  o.path = dir.file("source.db");
  o.rows = rows;
  EXPECT_TRUE(source::generate(o).ok());
  auto db = source::source_db::open(o.path);
  EXPECT_TRUE(db.ok());
  return std::move(*db);
}

struct manifest_line {
  int64_t event, key;
  std::string destination;
  int32_t partition;
  std::string position;
};

/// Reads a manifest (no quoted fields are expected in tests); checks the header.
inline std::vector<manifest_line> read_manifest(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::vector<manifest_line> out;
  EXPECT_TRUE(std::getline(in, line));
  EXPECT_EQ(line, "event,key,destination,partition,position");
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    size_t start = 0;
    for (size_t pos; (pos = line.find(',', start)) != std::string::npos; start = pos + 1)
      f.push_back(line.substr(start, pos - start));
    f.push_back(line.substr(start));
    EXPECT_EQ(f.size(), 5u) << line;
    if (f.size() == 5)
      out.push_back({std::stoll(f[0]), std::stoll(f[1]), f[2], std::stoi(f[3]), f[4]});
  }
  return out;
}

} // namespace pinpipe::emulator::testing
