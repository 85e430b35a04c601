// Backend-independent parts of json_fields.hpp and the nlohmann backend. The simdjson backend
// lives in json_fields_simdjson.cpp, compiled only when simdjson is installed.
#include "pipeline/clean/json_fields.hpp"

#include <limits>

#include <nlohmann/json.hpp>

namespace pinpipe::clean::detail {

#ifdef PINPIPE_HAVE_SIMDJSON
status read_fields_simdjson(std::string_view raw, const std::string_view* keys, std::size_t n,
                            jvalue* slots);
bool have_simdjson() {
  return true;
}
json_backend default_backend() {
  return json_backend::simdjson;
}
#else
bool have_simdjson() {
  return false;
}
json_backend default_backend() {
  return json_backend::nlohmann;
}
#endif

const char* describe(jtype t) {
  switch (t) {
  case jtype::missing:
    return "nothing";
  case jtype::null:
    return "null";
  case jtype::boolean:
    return "a boolean";
  case jtype::integer:
    return "an integer";
  case jtype::big_unsigned:
    return "an integer above 2^63-1";
  case jtype::floating:
    return "a number with a fraction or exponent";
  case jtype::string:
    return "a string";
  case jtype::array:
    return "an array";
  case jtype::object:
    return "an object";
  }
  return "an unknown value";
}

namespace {

jvalue from_nlohmann(const nlohmann::json& v) {
  using t = nlohmann::json::value_t;
  jvalue out;
  switch (v.type()) {
  case t::null:
    out.type = jtype::null;
    break;
  case t::boolean:
    out.type = jtype::boolean;
    out.i = v.get<bool>() ? 1 : 0;
    break;
  case t::number_integer:
    out.type = jtype::integer;
    out.i = v.get<int64_t>();
    break;
  case t::number_unsigned: {
    auto u = v.get<uint64_t>();
    if (u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      out.type = jtype::integer;
      out.i = static_cast<int64_t>(u);
    } else {
      out.type = jtype::big_unsigned;
      out.d = static_cast<double>(u);
    }
    break;
  }
  case t::number_float:
    out.type = jtype::floating;
    out.d = v.get<double>();
    break;
  case t::string:
    out.type = jtype::string;
    out.s = v.get_ref<const std::string&>();
    break;
  case t::array:
    out.type = jtype::array;
    break;
  case t::object:
    out.type = jtype::object;
    break;
  default:
    out.type = jtype::null;
    break; // binary/discarded cannot come from parse()
  }
  return out;
}

// The one place where nlohmann exceptions become values.
status read_fields_nlohmann(std::string_view raw, const std::string_view* keys, std::size_t n,
                            jvalue* slots) {
  thread_local nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(raw.begin(), raw.end());
  } catch (const nlohmann::json::exception& e) {
    return {errc::malformed_message, std::string("not valid JSON (") + e.what() + ")"};
  }
  if (!doc.is_object())
    return {errc::invalid_argument,
            std::string("not a JSON object (found ") + describe(from_nlohmann(doc).type) + ")"};
  // nlohmann keeps the last value of a duplicated key, like the simdjson loop below.
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    for (std::size_t k = 0; k < n; ++k) {
      if (it.key() == keys[k]) {
        slots[k] = from_nlohmann(it.value());
        break;
      }
    }
  }
  return status::success();
}

} // namespace

status read_fields(json_backend backend, std::string_view raw, const std::string_view* keys,
                   std::size_t n_keys, jvalue* slots) {
  for (std::size_t k = 0; k < n_keys; ++k)
    slots[k] = jvalue{};
#ifdef PINPIPE_HAVE_SIMDJSON
  if (backend == json_backend::simdjson) return read_fields_simdjson(raw, keys, n_keys, slots);
#endif
  return read_fields_nlohmann(raw, keys, n_keys, slots);
}

} // namespace pinpipe::clean::detail
