// Fuzz target: TOML config values (common/config.hpp). The input is parsed (1) as a whole
// config file with config::parse and (2) as one command-line override: its first line is
// "section.key", the rest the value, applied with apply_override to the defaults.
// Properties: no crash, no exception (toml++'s stay inside config.cpp); every refusal is
// errc::invalid_config with a message; an accepted file still passes the cross-field
// checks (validate) it was loaded through.
#include <cstdint>
#include <string>

#include "common/config.hpp"
#include "tests/fuzz/fuzz_util.hpp"

using namespace pinpipe;
using pinpipe::fuzz::fuzz_check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::quiet_logs();
  const std::string text(reinterpret_cast<const char*>(data), size);

  auto cfg = config::parse(text, "fuzz.toml");
  if (!cfg) {
    fuzz_check(cfg.error().code() == errc::invalid_config, "a refused config is invalid_config");
    fuzz_check(!cfg.error().message().empty(), "a refused config says why");
  } else {
    fuzz_check(config::validate(*cfg).ok(), "an accepted config passes validate()");
  }

  const size_t nl = text.find('\n');
  if (nl == std::string::npos) return 0;
  const std::string name = text.substr(0, nl);
  const size_t dot = name.find('.');
  if (dot == std::string::npos) return 0;
  auto base = config::defaults();
  auto st = config::apply_override(base, name.substr(0, dot), name.substr(dot + 1),
                                   text.substr(nl + 1));
  if (!st) fuzz_check(!st.message().empty(), "a refused override says why");
  return 0;
}
