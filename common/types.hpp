// Distinct integer types for the identifiers that flow through the system, so that an
// offset can never be passed where a partition id is expected (STYLE point 4).
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>

namespace pinpipe {

/// A thin strongly typed wrapper around an integer. `Tag` only distinguishes types.
template <class Tag, class Rep> struct strong_int {
  using rep = Rep;
  Rep value{};
  constexpr strong_int() = default;
  constexpr explicit strong_int(Rep v) : value(v) {}
  constexpr Rep get() const { return value; }
  friend constexpr bool operator==(strong_int a, strong_int b) { return a.value == b.value; }
  friend constexpr bool operator!=(strong_int a, strong_int b) { return a.value != b.value; }
  friend constexpr bool operator<(strong_int a, strong_int b) { return a.value < b.value; }
  friend constexpr bool operator<=(strong_int a, strong_int b) { return a.value <= b.value; }
  friend constexpr bool operator>(strong_int a, strong_int b) { return a.value > b.value; }
  friend constexpr bool operator>=(strong_int a, strong_int b) { return a.value >= b.value; }
  friend std::ostream& operator<<(std::ostream& os, strong_int x) { return os << x.value; }
};

struct offset_tag {};
struct partition_tag {};
struct node_tag {};
struct term_tag {};

/// Position of a record inside one partition; dense, starting at 0.
using offset_t = strong_int<offset_tag, int64_t>;
/// Index of a partition inside a topic (a shard of a stream).
using partition_id = strong_int<partition_tag, int32_t>;
/// Identifier of a node in a cluster.
using node_id = strong_int<node_tag, int32_t>;
/// Leader term (Raft); 0 on a single node.
using term_t = strong_int<term_tag, int64_t>;

constexpr offset_t operator+(offset_t a, int64_t n) {
  return offset_t{a.value + n};
}

} // namespace pinpipe

namespace std {
template <class Tag, class Rep> struct hash<pinpipe::strong_int<Tag, Rep>> {
  size_t operator()(pinpipe::strong_int<Tag, Rep> x) const noexcept { return hash<Rep>{}(x.value); }
};
} // namespace std
