// The simdjson backend of json_fields.hpp (DOM API: the whole document is validated, including
// UTF-8 and the values of fields the cleaner does not read). simdjson does not throw here: every
// call uses the error-code interface.
#include "pipeline/clean/json_fields.hpp"

#include <simdjson.h>

namespace pinpipe::clean::detail {
namespace {

jvalue from_simdjson(simdjson::dom::element v) {
  using t = simdjson::dom::element_type;
  jvalue out;
  switch (v.type()) {
  case t::NULL_VALUE:
    out.type = jtype::null;
    break;
  case t::BOOL:
    out.type = jtype::boolean;
    out.i = v.get_bool().value_unsafe() ? 1 : 0;
    break;
  case t::INT64:
    out.type = jtype::integer;
    out.i = v.get_int64().value_unsafe();
    break;
  case t::UINT64: // only used by simdjson for values above INT64_MAX
    out.type = jtype::big_unsigned;
    out.d = static_cast<double>(v.get_uint64().value_unsafe());
    break;
  case t::DOUBLE:
    out.type = jtype::floating;
    out.d = v.get_double().value_unsafe();
    break;
  case t::STRING:
    out.type = jtype::string;
    out.s = v.get_string().value_unsafe();
    break;
  case t::ARRAY:
    out.type = jtype::array;
    break;
  case t::OBJECT:
    out.type = jtype::object;
    break;
  }
  return out;
}

} // namespace

status read_fields_simdjson(std::string_view raw, const std::string_view* keys, std::size_t n,
                            jvalue* slots) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  // realloc_if_needed = true: simdjson copies the text into its reused, padded buffer.
  auto err = parser.parse(raw.data(), raw.size(), true).get(doc);
  if (err)
    return {errc::malformed_message,
            std::string("not valid JSON (") + simdjson::error_message(err) + ")"};
  if (doc.type() != simdjson::dom::element_type::OBJECT)
    return {errc::invalid_argument,
            std::string("not a JSON object (found ") + describe(from_simdjson(doc).type) + ")"};
  simdjson::dom::object obj;
  if (doc.get_object().get(obj)) return {errc::internal, "simdjson: object access failed"};
  for (auto field : obj) {
    for (std::size_t k = 0; k < n; ++k) {
      if (field.key == keys[k]) {
        slots[k] = from_simdjson(field.value); // a later duplicate overwrites: last one wins
        break;
      }
    }
  }
  return status::success();
}

} // namespace pinpipe::clean::detail
