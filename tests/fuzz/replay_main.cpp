// The plain main of a fuzz target in the ordinary (g++, no libFuzzer) build: feeds every
// file of the directories (or files) named on the command line to LLVMFuzzerTestOneInput,
// in name order, one call per file. ctest runs it over tests/fuzz/corpus/<target>/ and
// tests/fuzz/regressions/<target>/ (fuzz_replay_<target>), so every input that once
// crashed a target is checked on every build, with or without clang. A missing directory is
// skipped (a target may have no regressions yet); no input at all is an error.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    fs::path p = argv[i];
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      for (const auto& e : fs::directory_iterator(p))
        if (e.is_regular_file()) inputs.push_back(e.path());
    } else if (fs::is_regular_file(p, ec)) {
      inputs.push_back(p);
    } else {
      std::printf("replay: %s does not exist, skipped\n", p.c_str());
    }
  }
  std::sort(inputs.begin(), inputs.end());
  if (inputs.empty()) {
    std::fprintf(stderr, "replay: error: no input files in the given paths; give the corpus "
                         "directory tests/fuzz/corpus/<target>/\n");
    return 1;
  }
  for (const auto& p : inputs) {
    std::ifstream in(p, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
      std::fprintf(stderr, "replay: error: cannot read %s\n", p.c_str());
      return 1;
    }
    std::printf("replay: %s (%zu bytes)\n", p.c_str(), bytes.size());
    std::fflush(stdout);
    // A copy in its own allocation, so ASan/valgrind see reads past the end.
    std::vector<uint8_t> buf(bytes.begin(), bytes.end());
    LLVMFuzzerTestOneInput(buf.data(), buf.size());
  }
  std::printf("replay: %zu inputs, no crash\n", inputs.size());
  return 0;
}
