#include "common/logging.hpp"

#include <mutex>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

namespace pinpipe::logging {
namespace {

std::mutex mtx;
spdlog::sink_ptr shared_sink;
spdlog::level::level_enum current_level = spdlog::level::info;

spdlog::sink_ptr sink_locked() {
  if (!shared_sink) shared_sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  return shared_sink;
}

} // namespace

void init(const std::string& level, const std::string& file) {
  std::lock_guard<std::mutex> guard{mtx};
  current_level = spdlog::level::from_str(level);
  if (!file.empty()) shared_sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(file);
  spdlog::apply_all([&](std::shared_ptr<spdlog::logger> l) {
    l->set_level(current_level);
    if (!file.empty()) {
      l->sinks().clear();
      l->sinks().push_back(shared_sink);
    }
  });
}

std::shared_ptr<spdlog::logger> get(const std::string& module) {
  std::lock_guard<std::mutex> guard{mtx};
  if (auto l = spdlog::get(module)) return l;
  auto l = std::make_shared<spdlog::logger>(module, sink_locked());
  l->set_level(current_level);
  l->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ [%n] %v");
  spdlog::register_logger(l);
  return l;
}

} // namespace pinpipe::logging
