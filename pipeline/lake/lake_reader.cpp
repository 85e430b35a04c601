#include "pipeline/lake/lake_reader.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "common/logging.hpp"
#include "pipeline/lake/file_util.hpp"
#include "pipeline/lake/json_check.hpp"
#include "pipeline/lake/lake_layout.hpp"

namespace pinpipe::lake {

namespace {

struct object_ref {
  const std::string* topic;
  int32_t partition;
  int64_t start;
  std::string path;
};

/// Lists the objects to read, in reading order. Unknown files are logged and skipped.
status plan_objects(const std::string& topics_dir, const std::string& uid,
                    std::vector<std::string>& topics, std::vector<object_ref>& out) {
  auto log = logging::get("connector");
  auto tentries = fs::list_dir(topics_dir);
  if (!tentries) return tentries.error();
  for (auto& e : *tentries)
    if (e.kind == fs::entry_kind::directory && topic_matches_uid(e.name, uid))
      topics.push_back(e.name);
  std::sort(topics.begin(), topics.end());
  for (auto& topic : topics) {
    std::string tdir = topics_dir + "/" + topic;
    auto pentries = fs::list_dir(tdir);
    if (!pentries) return pentries.error();
    std::vector<std::pair<int32_t, std::string>> parts;
    for (auto& e : *pentries) {
      auto p = parse_partition_dir_name(e.name);
      if (e.kind == fs::entry_kind::directory && p)
        parts.emplace_back(*p, e.name);
      else
        log->warn("lake: ignoring '{}/{}': not a partition=<n> directory", tdir, e.name);
    }
    std::sort(parts.begin(), parts.end());
    for (auto& [p, pname] : parts) {
      std::string pdir = tdir + "/" + pname;
      auto oentries = fs::list_dir(pdir);
      if (!oentries) return oentries.error();
      size_t first = out.size();
      for (auto& e : *oentries) {
        auto start = parse_object_file_name(e.name, topic, p);
        if (e.kind == fs::entry_kind::file && start)
          out.push_back({&topic, p, *start, pdir + "/" + e.name});
        else if (!is_temp_file_name(e.name))
          log->warn("lake: ignoring '{}/{}': not an object name of this partition", pdir, e.name);
      }
      std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
                [](const object_ref& a, const object_ref& b) { return a.start < b.start; });
    }
  }
  return {};
}

} // namespace

status read_lake(const std::string& lake_dir, const std::string& uid,
                 const std::function<void(const lake_record&)>& on_record,
                 const std::function<void(const lake_problem&)>& on_problem,
                 const std::function<void(int64_t, int64_t)>& progress) {
  if (!fs::is_directory(lake_dir))
    return {errc::not_found, "lake directory '" + lake_dir +
                                 "' does not exist; run the connector first or check "
                                 "connector.lake_dir"};
  std::string topics_dir = lake_dir + "/topics";
  std::vector<std::string> topics;
  std::vector<object_ref> objects;
  if (fs::is_directory(topics_dir)) {
    if (auto st = plan_objects(topics_dir, uid, topics, objects); !st.ok()) return st;
  }
  const int64_t total = static_cast<int64_t>(objects.size());
  if (progress) progress(0, total);

  std::string data; // the current object, reused
  lake_record rec;  // handed out, reused (its strings keep their capacity)
  lake_problem prob;
  std::string reason;
  auto problem = [&](const object_ref& o, std::string_view raw, std::string why, int64_t off) {
    prob.object_path = o.path;
    prob.raw.assign(raw.data(), raw.size());
    prob.reason = std::move(why);
    prob.offset = off;
    on_problem(prob);
  };

  const std::string* cur_topic = nullptr;
  int32_t cur_part = -1;
  int64_t expected = -1; // next offset of this partition; -1 before its first object
  std::string prev_path;
  for (int64_t i = 0; i < total; ++i) {
    const object_ref& o = objects[static_cast<size_t>(i)];
    if (o.topic != cur_topic || o.partition != cur_part) {
      cur_topic = o.topic;
      cur_part = o.partition;
      expected = -1;
      rec.topic = *o.topic;
      rec.partition = o.partition;
    }
    if (expected >= 0 && o.start > expected)
      problem(o, {},
              "gap in the lake: offsets " + std::to_string(expected) + ".." +
                  std::to_string(o.start - 1) + " are in no object (the object before is '" +
                  prev_path + "')",
              expected);
    if (auto st = fs::read_file(o.path, data); !st.ok()) {
      problem(o, {}, "cannot read object: " + st.message(), o.start);
      expected = -1;
      if (progress) progress(i + 1, total);
      continue;
    }
    const char* p = data.data();
    const char* end = p + data.size();
    int64_t off = o.start;
    while (p < end) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
      std::string_view line(p, static_cast<size_t>((nl ? nl : end) - p));
      if (!nl) {
        problem(o, line,
                "truncated object: the last line has no newline, so the record was cut short "
                "(a damaged or partly copied object)",
                off);
      } else if (expected >= 0 && off < expected) {
        problem(o, line,
                "offset " + std::to_string(off) + " is also held by the earlier object '" +
                    prev_path + "' (objects overlap); this copy is skipped",
                off);
      } else if (!check_json(line, &reason)) {
        problem(o, line, reason, off);
      } else {
        rec.offset = off;
        rec.raw.assign(line.data(), line.size());
        on_record(rec);
      }
      ++off;
      p = nl ? nl + 1 : end;
    }
    expected = std::max(expected, off);
    prev_path = o.path;
    if (progress) progress(i + 1, total);
  }
  return {};
}

} // namespace pinpipe::lake
