// Fuzz target: the cleaner (pipeline/clean/cleaner.hpp) on arbitrary JSON, for each of the
// three record kinds. Properties: no crash, no exception; a refusal is malformed_message
// (not JSON) or invalid_argument (a broken rule) with a dead-letter reason; cleaning is
// deterministic (the same input gives the same row twice, the thread-local parser keeps
// no state between calls); a cleaned geo row's coordinates print as "[lat, lon]".
#include <cstdint>
#include <string_view>

#include "pipeline/clean/cleaner.hpp"
#include "tests/fuzz/fuzz_util.hpp"

using namespace pinpipe;
using pinpipe::fuzz::fuzz_check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::quiet_logs();
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  for (auto k : {clean::kind::pin, clean::kind::geo, clean::kind::user}) {
    auto r = clean::clean(k, json);
    if (!r) {
      fuzz_check(r.error().code() == errc::malformed_message ||
                     r.error().code() == errc::invalid_argument,
                 "a refused record is malformed_message or invalid_argument");
      fuzz_check(!r.error().message().empty(), "a refused record has a dead-letter reason");
      continue;
    }
    auto again = clean::clean(k, json);
    fuzz_check(again.ok() && *again == *r, "cleaning is deterministic");
    if (auto* g = std::get_if<clean::geo_row>(&*r)) {
      const auto c = clean::coordinates_json(*g);
      fuzz_check(c.size() >= 5 && c.front() == '[' && c.back() == ']',
                 "coordinates print as [lat, lon]");
    }
  }
  return 0;
}
