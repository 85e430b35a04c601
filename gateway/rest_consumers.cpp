#include "gateway/rest_consumers.hpp"

#include <algorithm>
#include <chrono>
#include <set>
#include <vector>

#include "gateway/rest_consumer_instance.hpp"
#include "gateway/rest_proxy.hpp"
#include "gateway/topic_pattern.hpp"

namespace pinpipe::gateway {
namespace {

constexpr int64_t k_idle_expiry_ms = 5 * 60 * 1000;

reply no_content(int status = 204) {
  reply r;
  r.status = status;
  r.content_type.clear();
  return r;
}

reply ok_json(const ojson& j) {
  reply r;
  r.content_type = "application/vnd.kafka.v2+json";
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

bool acceptable_request_type(const std::string& mt) {
  return mt.empty() || mt == "application/json" || mt == "application/vnd.kafka.v2+json" ||
         mt == "application/vnd.kafka.json.v2+json" || mt == "application/vnd.kafka.binary.v2+json";
}

// The registry key of an instance: unambiguous for any group and name bytes.
std::string key_of(const std::string& group, const std::string& name) {
  return std::to_string(group.size()) + ':' + group + name;
}

bool blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; });
}

// Parses a list of {"topic","partition"[,"offset"]} objects under `field`.
result<std::vector<std::pair<tp, int64_t>>> parse_partitions(const ojson& body, const char* field,
                                                             bool with_offset) {
  std::vector<std::pair<tp, int64_t>> out;
  auto it = body.find(field);
  if (!body.is_object() || it == body.end() || !it->is_array()) {
    return status{errc::invalid_request, std::string("body needs \"") + field +
                                             "\": an array of {\"topic\", \"partition\"" +
                                             (with_offset ? ", \"offset\"}" : "}")};
  }
  for (const auto& e : *it) {
    if (!e.is_object() || !e.contains("topic") || !e["topic"].is_string() ||
        !e.contains("partition")) {
      return status{errc::invalid_request, std::string("each entry of \"") + field +
                                               "\" needs \"topic\" (string) and \"partition\""};
    }
    auto p = json_int(e["partition"]);
    if (!p || *p < 0 || *p > INT32_MAX) {
      return status{errc::invalid_request, "\"partition\" must be an integer >= 0"};
    }
    int64_t off = -1;
    if (with_offset) {
      auto o = e.contains("offset") ? json_int(e["offset"]) : std::nullopt;
      if (!o || *o < 0) return status{errc::invalid_request, "\"offset\" must be an integer >= 0"};
      off = *o;
    }
    out.push_back({tp{e["topic"].get<std::string>(), static_cast<int32_t>(*p)}, off});
  }
  return out;
}

} // namespace

consumer_registry::~consumer_registry() = default;

void consumer_registry::expire_idle_locked(int64_t now) {
  while (!lru_.empty() && now - lru_.front()->last_used_ms.load() > k_idle_expiry_ms) {
    auto oldest = lru_.front();
    erase_locked(oldest->group, oldest->name);
  }
}

void consumer_registry::erase_locked(const std::string& group, const std::string& name) {
  auto it = instances_.find(key_of(group, name));
  if (it == instances_.end()) return;
  lru_.erase(it->second->lru_pos);
  instances_.erase(it);
}

std::shared_ptr<consumer_registry::instance> consumer_registry::find(const std::string& group,
                                                                     const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t now = now_ms();
  expire_idle_locked(now);
  auto it = instances_.find(key_of(group, name));
  if (it == instances_.end()) return nullptr;
  it->second->last_used_ms = now;
  lru_.splice(lru_.end(), lru_, it->second->lru_pos); // now the most recently used
  return it->second;
}

reply consumer_registry::handle(const request_view& rv) {
  const auto& s = rv.segs;
  const auto& m = rv.method();
  if (m == "POST" || m == "PUT") {
    if (!acceptable_request_type(media_type(rv.header("Content-Type")))) {
      return rest_error(415, "HTTP 415 Unsupported Media Type: use Content-Type "
                             "application/vnd.kafka.v2+json");
    }
  }
  if (s.size() == 2) {
    if (m == "POST") return create(rv, std::string(s[1]));
    return rest_error(405, "HTTP 405 Method Not Allowed: " + m);
  }
  if (s.size() < 4 || s[2] != "instances" || s.size() > 6) {
    return rest_error(404, "HTTP 404 Not Found: no route for " + m + " " + rv.req_path());
  }
  const std::string group(s[1]);
  const std::string name(s[3]);
  auto in = find(group, name);
  if (!in) {
    return rest_error(40403, "consumer instance '" + name + "' of group '" + group +
                                 "' does not exist (it expires after 5 idle minutes); create "
                                 "it with POST /consumers/" +
                                 group);
  }
  std::lock_guard<std::mutex> lock(in->mu);
  const std::string what = s.size() >= 5 ? std::string(s[4]) : "";
  if (s.size() == 4) {
    if (m != "DELETE") return rest_error(405, "HTTP 405 Method Not Allowed: " + m);
    std::lock_guard<std::mutex> reg(mu_);
    erase_locked(group, name);
    return no_content();
  }
  if (what == "subscription" && s.size() == 5) {
    if (m == "POST") return subscribe(rv, *in);
    if (m == "GET") {
      ojson topics = ojson::array();
      for (const auto& t : in->topics)
        topics.push_back(t);
      return ok_json(ojson{{"topics", topics}});
    }
    if (m == "DELETE") {
      in->topics.clear();
      in->position.clear();
      in->fetched.clear();
      return no_content();
    }
  } else if (what == "records" && s.size() == 5) {
    if (m == "GET") return records(rv, *in);
  } else if (what == "offsets" && s.size() == 5) {
    if (m == "POST") return commit(rv, *in);
    if (m == "GET") return committed(rv, *in);
  } else if (what == "assignments" && s.size() == 5) {
    if (m == "GET") {
      ojson parts = ojson::array();
      for (const auto& [k, v] : in->position) {
        parts.push_back(ojson{{"topic", k.topic}, {"partition", k.partition}});
      }
      return ok_json(ojson{{"partitions", parts}});
    }
  } else if (what == "positions") {
    std::string where = s.size() == 6 ? std::string(s[5]) : "";
    if (where != "" && where != "beginning" && where != "end") {
      return rest_error(404, "HTTP 404 Not Found: no route for " + m + " " + rv.req_path());
    }
    if (m == "POST") return seek(rv, *in, where);
  } else {
    return rest_error(404, "HTTP 404 Not Found: no route for " + m + " " + rv.req_path());
  }
  return rest_error(405, "HTTP 405 Method Not Allowed: " + m);
}

reply consumer_registry::create(const request_view& rv, const std::string& group) {
  ojson body = ojson::object();
  if (!blank(rv.body())) {
    auto parsed = parse_json(rv.body(), opt_.max_json_depth);
    if (!parsed) return rest_error(400, parsed.error().message());
    body = std::move(*parsed);
    if (!body.is_object()) return rest_error(42204, "consumer config must be a JSON object");
  }
  auto inst = std::make_shared<instance>();
  inst->group = group;
  std::string name;
  for (auto it = body.begin(); it != body.end(); ++it) {
    const auto& k = it.key();
    const auto& v = it.value();
    auto as_text = [&]() -> std::string {
      if (v.is_string()) return v.get<std::string>();
      if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
      return v.dump();
    };
    if (k == "name" || k == "id") {
      if (!v.is_string() || v.get<std::string>().empty()) {
        return rest_error(42204, "\"" + k + "\" must be a non-empty string");
      }
      name = v.get<std::string>();
    } else if (k == "format") {
      std::string f = as_text();
      if (f == "json") {
        inst->binary = false;
      } else if (f == "binary") {
        inst->binary = true;
      } else {
        return rest_error(42204, "format '" + f + "' is not supported; use json or binary");
      }
    } else if (k == "auto.offset.reset") {
      std::string r = as_text();
      if (r == "earliest" || r == "smallest") {
        inst->reset_earliest = true;
      } else if (r == "latest" || r == "largest") {
        inst->reset_earliest = false;
      } else {
        return rest_error(42204,
                          "auto.offset.reset '" + r + "' is invalid; use earliest or latest");
      }
    } else if (k == "auto.commit.enable") {
      std::string a = as_text();
      if (a != "true" && a != "false") {
        return rest_error(42204, "auto.commit.enable must be \"true\" or \"false\"");
      }
      inst->auto_commit = a == "true";
    } else if (k == "fetch.min.bytes" || k == "consumer.request.timeout.ms") {
      // Accepted for compatibility; the fetch timeout comes from the records call.
    } else {
      return rest_error(42204, "unknown consumer config \"" + k + "\"");
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  int64_t now = now_ms();
  expire_idle_locked(now);
  if (name.empty()) name = "rest-consumer-" + std::to_string(next_id_++);
  const std::string key = key_of(group, name);
  if (instances_.count(key)) {
    return rest_error(40902, "consumer instance '" + name + "' already exists in group '" + group +
                                 "'; delete it first or pick another name");
  }
  if (static_cast<int64_t>(instances_.size()) >= opt_.max_consumer_instances) {
    return rest_error(42902, "the gateway already has " + std::to_string(instances_.size()) +
                                 " consumer instances, the limit set by [gateway] "
                                 "max_consumer_instances; delete unused ones (DELETE "
                                 "/consumers/{group}/instances/{name}) or let idle ones expire "
                                 "(5 minutes)");
  }
  inst->name = name;
  inst->last_used_ms = now;
  instances_[key] = inst;
  inst->lru_pos = lru_.insert(lru_.end(), inst);
  std::string host = rv.header("Host");
  if (host.empty()) host = opt_.host + ":" + std::to_string(opt_.port);
  return ok_json(ojson{
      {"instance_id", name},
      {"base_uri", "http://" + host + rv.prefix + "/consumers/" + group + "/instances/" + name}});
}

reply consumer_registry::subscribe(const request_view& rv, instance& in) {
  auto parsed = parse_json(rv.body(), opt_.max_json_depth);
  if (!parsed) return rest_error(400, parsed.error().message());
  const auto& b = *parsed;
  std::vector<std::string> topics;
  if (b.is_object() && b.contains("topics") && b["topics"].is_array()) {
    for (const auto& t : b["topics"]) {
      if (!t.is_string()) return rest_error(42201, "\"topics\" must be an array of strings");
      topics.push_back(t.get<std::string>());
    }
  } else if (b.is_object() && b.contains("topic_pattern") && b["topic_pattern"].is_string()) {
    auto re = topic_pattern::compile(b["topic_pattern"].get_ref<const std::string&>());
    if (!re) return rest_error(400, re.error().message());
    for (const auto& t : log_.list_topics()) {
      if (t.name.rfind("__", 0) != 0 && re->match(t.name)) topics.push_back(t.name);
    }
  } else {
    return rest_error(42201, "body needs \"topics\": [\"name\", ...] or \"topic_pattern\"");
  }
  std::map<std::string, int64_t> committed;
  for (const auto& g : log_.committed_offsets(in.group)) {
    committed[g.topic + "\n" + std::to_string(g.partition.get())] = g.offset.get();
  }
  std::map<tp, int64_t> position;
  for (const auto& name : topics) {
    auto t = visible_topic(log_, name);
    if (!t) return rest_error_from(t.error());
    for (const auto& p : t->partitions) {
      auto c = committed.find(name + "\n" + std::to_string(p.id.get()));
      int64_t pos = in.reset_earliest ? p.log_start.get() : p.high_watermark.get();
      if (c != committed.end() && c->second >= p.log_start.get() &&
          c->second <= p.high_watermark.get()) {
        pos = c->second;
      }
      position[tp{name, p.id.get()}] = pos;
    }
  }
  in.topics = std::move(topics);
  in.position = std::move(position);
  in.fetched.clear();
  return no_content();
}

reply consumer_registry::commit(const request_view& rv, instance& in) {
  std::vector<storage::group_offset> offs;
  ojson body = ojson::object();
  if (!blank(rv.body())) {
    auto parsed = parse_json(rv.body(), opt_.max_json_depth);
    if (!parsed) return rest_error(400, parsed.error().message());
    body = std::move(*parsed);
  }
  if (body.is_object() &&
      (body.empty() ||
       (body.contains("offsets") && body["offsets"].is_array() && body["offsets"].empty()))) {
    for (const auto& key : in.fetched) {
      offs.push_back({key.topic, partition_id{key.partition}, offset_t{in.position[key]}, ""});
    }
  } else {
    auto list = parse_partitions(body, "offsets", true);
    if (!list) return rest_error(42201, list.error().message());
    for (const auto& [key, off] : *list) {
      auto t = visible_topic(log_, key.topic);
      if (!t) return rest_error_from(t.error());
      if (key.partition >= static_cast<int32_t>(t->partitions.size())) {
        return rest_error(40402, "topic '" + key.topic + "' has no partition " +
                                     std::to_string(key.partition));
      }
      offs.push_back({key.topic, partition_id{key.partition}, offset_t{off}, ""});
    }
  }
  if (!offs.empty()) {
    auto st = log_.commit_offsets(in.group, offs);
    if (!st.ok()) return rest_error_from(st);
  }
  return no_content(200);
}

reply consumer_registry::committed(const request_view& rv, instance& in) {
  std::vector<tp> wanted;
  if (!blank(rv.body())) {
    auto parsed = parse_json(rv.body(), opt_.max_json_depth);
    if (!parsed) return rest_error(400, parsed.error().message());
    auto list = parse_partitions(*parsed, "partitions", false);
    if (!list) return rest_error(42201, list.error().message());
    for (const auto& e : *list)
      wanted.push_back(e.first);
  } else {
    for (const auto& kv : in.position)
      wanted.push_back(kv.first);
  }
  std::map<tp, std::pair<int64_t, std::string>> have;
  for (const auto& g : log_.committed_offsets(in.group)) {
    have[tp{g.topic, g.partition.get()}] = {g.offset.get(), g.metadata};
  }
  ojson offsets = ojson::array();
  for (const auto& key : wanted) {
    auto it = have.find(key);
    offsets.push_back(ojson{{"topic", key.topic},
                            {"partition", key.partition},
                            {"offset", it == have.end() ? -1 : it->second.first},
                            {"metadata", it == have.end() ? "" : it->second.second}});
  }
  return ok_json(ojson{{"offsets", offsets}});
}

reply consumer_registry::seek(const request_view& rv, instance& in, const std::string& where) {
  auto parsed = parse_json(rv.body(), opt_.max_json_depth);
  if (!parsed) return rest_error(400, parsed.error().message());
  auto list = parse_partitions(*parsed, where.empty() ? "offsets" : "partitions", where.empty());
  if (!list) return rest_error(42201, list.error().message());
  for (const auto& [key, off] : *list) {
    auto it = in.position.find(key);
    if (it == in.position.end()) {
      return rest_error(40903, "partition " + key.topic + "/" + std::to_string(key.partition) +
                                   " is not assigned to consumer '" + in.name + "'");
    }
  }
  for (const auto& [key, off] : *list) {
    int64_t pos = off;
    if (!where.empty()) {
      auto o = log_.list_offset(key.topic, partition_id{key.partition},
                                where == "beginning" ? storage::offset_spec::earliest
                                                     : storage::offset_spec::latest);
      if (!o) return rest_error_from(o.error());
      pos = o->get();
    }
    in.position[key] = pos;
  }
  return no_content();
}

} // namespace pinpipe::gateway
