#include "actors/type_ids.hpp"

#include "actors/errors.hpp"

namespace pinpipe::actors {

void register_message_types(caf::actor_system_config& cfg) {
  namespace m = pinpipe::messages;
  add_errc_category(cfg);
  cfg.add_message_type<m::envelope>("pinpipe.envelope");
  cfg.add_message_type<m::error_response>("pinpipe.error_response");
  cfg.add_message_type<m::create_topic_request>("pinpipe.create_topic_request");
  cfg.add_message_type<m::create_topic_response>("pinpipe.create_topic_response");
  cfg.add_message_type<m::delete_topic_request>("pinpipe.delete_topic_request");
  cfg.add_message_type<m::delete_topic_response>("pinpipe.delete_topic_response");
  cfg.add_message_type<m::list_topics_request>("pinpipe.list_topics_request");
  cfg.add_message_type<m::list_topics_response>("pinpipe.list_topics_response");
  cfg.add_message_type<m::describe_topic_request>("pinpipe.describe_topic_request");
  cfg.add_message_type<m::describe_topic_response>("pinpipe.describe_topic_response");
  cfg.add_message_type<m::produce_request>("pinpipe.produce_request");
  cfg.add_message_type<m::produce_response>("pinpipe.produce_response");
  cfg.add_message_type<m::fetch_request>("pinpipe.fetch_request");
  cfg.add_message_type<m::fetch_response>("pinpipe.fetch_response");
  cfg.add_message_type<m::list_offsets_request>("pinpipe.list_offsets_request");
  cfg.add_message_type<m::list_offsets_response>("pinpipe.list_offsets_response");
  cfg.add_message_type<m::commit_offsets_request>("pinpipe.commit_offsets_request");
  cfg.add_message_type<m::commit_offsets_response>("pinpipe.commit_offsets_response");
  cfg.add_message_type<m::fetch_offsets_request>("pinpipe.fetch_offsets_request");
  cfg.add_message_type<m::fetch_offsets_response>("pinpipe.fetch_offsets_response");
}

} // namespace pinpipe::actors
