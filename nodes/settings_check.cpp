#include "nodes/settings_check.hpp"

#include <string>

#include "pipeline/batch/scheduler.hpp"

namespace pinpipe::cli {

status check_pipeline_settings(const config::config& cfg) {
  if (auto cron = batch::cron_schedule::parse(cfg.scheduler.schedule); !cron)
    return status{errc::invalid_config,
                  "[scheduler] schedule: " + cron.error().message() +
                      " (write 5 fields 'minute hour day-of-month month day-of-week', e.g. "
                      "\"0 0 * * *\", or a macro such as @daily)"};
  if (auto start = batch::start_date_setting(cfg.scheduler.start_date); !start)
    return start.error();
  const auto& listen = cfg.gateway.listen;
  auto colon = listen.rfind(':');
  bool port_ok = colon != std::string::npos && colon + 1 < listen.size() &&
                 listen.find_first_not_of("0123456789", colon + 1) == std::string::npos &&
                 listen.size() - colon - 1 <= 5 && std::stoi(listen.substr(colon + 1)) <= 65535;
  if (!port_ok)
    return status{errc::invalid_config, "[gateway] listen: expected HOST:PORT (port 0-65535), got '" +
                                            listen + "' (e.g. \"127.0.0.1:8082\")"};
  return {};
}

} // namespace pinpipe::cli
