// spdlog loggers, one per module, all created in logging.cpp (STYLE point 8).
// Modules: "node", "storage", "transport", "broker", "gateway", "emulator", "connector",
// "cleaner", "sink", "scheduler", "cli". Including spdlog here is cheap (no CAF).
#pragma once

#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace pinpipe::logging {

/// Sets up every module logger once: level ("trace".."off") and optional file path
/// (empty = stderr). Safe to call again; later calls change the level.
void init(const std::string& level = "info", const std::string& file = "");

/// The logger of a module; created on first use if init() was not called.
std::shared_ptr<spdlog::logger> get(const std::string& module);

} // namespace pinpipe::logging
