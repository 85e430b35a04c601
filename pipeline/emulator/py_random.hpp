// A bit-exact re-implementation of the parts of CPython's `random` module the course
// emulator uses (CPython 3.x, Modules/_randommodule.c + Lib/random.py): the MT19937
// generator, seed(int) = init_by_array over the integer's 32-bit words (least significant
// first), getrandbits, _randbelow (draw bit_length(n) bits, reject values >= n), randrange,
// randint and random(). With seed 100 it yields exactly the sequence of the original
// `random.seed(100)` emulator (PIPELINE §2; pinned by tests/emulator/py_random_test.cpp).
//
// Threading: a py_random is a plain value; use one per thread.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace pinpipe::emulator {

class py_random {
public:
  /// Same as Python's `random.Random(seed)`.
  explicit py_random(uint64_t seed = 0) { seed_int(seed); }

  /// Python's `random.seed(n)` for a non-negative integer n.
  void seed_int(uint64_t n);
  /// MT19937 `init_by_array(key)` (an empty key behaves like [0], as in CPython).
  void seed_array(const std::vector<uint32_t>& key);

  /// The next 32 raw bits of MT19937 (`genrand_uint32`).
  uint32_t genrand_uint32();
  /// Python's `getrandbits(k)`, 0 <= k <= 64.
  uint64_t getrandbits(int k);
  /// Python's `_randbelow(n)` (the getrandbits variant), n >= 1: uniform in [0, n).
  uint64_t randbelow(uint64_t n);
  /// Python's `randrange(start, stop)`, start < stop.
  int64_t randrange(int64_t start, int64_t stop);
  /// Python's `randint(a, b)` = randrange(a, b + 1), a <= b.
  int64_t randint(int64_t a, int64_t b);
  /// Python's `random()`: 53-bit float in [0, 1).
  double random();

private:
  void init_genrand(uint32_t s);

  static constexpr int n_ = 624;
  std::array<uint32_t, n_> mt_{};
  int mti_ = n_ + 1;
};

} // namespace pinpipe::emulator
