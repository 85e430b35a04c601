// Internal to the Kinesis files (kinesis*.cpp): the reply shapes and request-field readers
// every Kinesis operation shares. Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "gateway/http_common.hpp"

namespace pinpipe::gateway::kinesis_detail {

constexpr const char* k_amz_json = "application/x-amz-json-1.1";
constexpr const char* k_account = "000000000000";
constexpr size_t k_max_put_records = 500;
constexpr int64_t k_max_get_records = 10000;
constexpr int64_t k_get_records_bytes = 10 << 20;

/// 200 with the JSON 1.1 content type.
reply amz_ok(const ojson& j);
/// ValidationException "Value at '<field>' failed to satisfy constraint: <constraint>".
reply validation(const std::string& field, const std::string& constraint);
/// ValidationException "Value null at '<field>' ...".
reply missing(const std::string& field);
/// StreamName, or the name inside StreamARN (arn:aws:kinesis:<region>:<account>:stream/<name>).
std::optional<std::string> stream_name_of(const ojson& p);
/// A string member, or nullopt when absent or not a string.
std::optional<std::string> string_field(const ojson& p, const char* name);
/// The ARN of a stream of this gateway's (fixed) account and region.
std::string arn_of(const std::string& name);
/// A write the log refused: InternalFailure with the log's error ("disk_full: ..." and HTTP
/// 507 Insufficient Storage when the disk is full, else HTTP 500).
reply log_failure(const status& st);

} // namespace pinpipe::gateway::kinesis_detail
