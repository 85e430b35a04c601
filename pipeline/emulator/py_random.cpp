#include "pipeline/emulator/py_random.hpp"

#include <algorithm>

#include "common/status.hpp"

namespace pinpipe::emulator {

namespace {
constexpr int m = 397;
constexpr uint32_t matrix_a = 0x9908b0dfU;
constexpr uint32_t upper_mask = 0x80000000U;
constexpr uint32_t lower_mask = 0x7fffffffU;

int bit_length(uint64_t n) {
  int k = 0;
  while (n) {
    ++k;
    n >>= 1;
  }
  return k;
}
} // namespace

void py_random::init_genrand(uint32_t s) {
  mt_[0] = s;
  for (int i = 1; i < n_; ++i)
    mt_[i] = 1812433253U * (mt_[i - 1] ^ (mt_[i - 1] >> 30)) + static_cast<uint32_t>(i);
  mti_ = n_;
}

void py_random::seed_array(const std::vector<uint32_t>& key_in) {
  std::vector<uint32_t> key = key_in.empty() ? std::vector<uint32_t>{0} : key_in;
  const int key_length = static_cast<int>(key.size());
  init_genrand(19650218U);
  int i = 1, j = 0;
  for (int k = std::max(n_, key_length); k; --k) {
    mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1664525U)) + key[j] +
             static_cast<uint32_t>(j);
    ++i;
    ++j;
    if (i >= n_) {
      mt_[0] = mt_[n_ - 1];
      i = 1;
    }
    if (j >= key_length) j = 0;
  }
  for (int k = n_ - 1; k; --k) {
    mt_[i] =
        (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1566083941U)) - static_cast<uint32_t>(i);
    ++i;
    if (i >= n_) {
      mt_[0] = mt_[n_ - 1];
      i = 1;
    }
  }
  mt_[0] = 0x80000000U; // MSB is 1, assuring a non-zero initial array
}

void py_random::seed_int(uint64_t n) {
  // CPython splits abs(n) into 32-bit words, least significant first; 0 gives [0].
  std::vector<uint32_t> key;
  do {
    key.push_back(static_cast<uint32_t>(n & 0xffffffffU));
    n >>= 32;
  } while (n);
  seed_array(key);
}

uint32_t py_random::genrand_uint32() {
  static const uint32_t mag01[2] = {0x0U, matrix_a};
  if (mti_ >= n_) {
    if (mti_ == n_ + 1) init_genrand(5489U);
    int kk = 0;
    for (; kk < n_ - m; ++kk) {
      uint32_t y = (mt_[kk] & upper_mask) | (mt_[kk + 1] & lower_mask);
      mt_[kk] = mt_[kk + m] ^ (y >> 1) ^ mag01[y & 0x1U];
    }
    for (; kk < n_ - 1; ++kk) {
      uint32_t y = (mt_[kk] & upper_mask) | (mt_[kk + 1] & lower_mask);
      mt_[kk] = mt_[kk + (m - n_)] ^ (y >> 1) ^ mag01[y & 0x1U];
    }
    uint32_t y = (mt_[n_ - 1] & upper_mask) | (mt_[0] & lower_mask);
    mt_[n_ - 1] = mt_[m - 1] ^ (y >> 1) ^ mag01[y & 0x1U];
    mti_ = 0;
  }
  uint32_t y = mt_[mti_++];
  y ^= (y >> 11);
  y ^= (y << 7) & 0x9d2c5680U;
  y ^= (y << 15) & 0xefc60000U;
  y ^= (y >> 18);
  return y;
}

uint64_t py_random::getrandbits(int k) {
  PINPIPE_ASSERT(k >= 0 && k <= 64, "getrandbits supports 0..64 bits");
  if (k == 0) return 0;
  if (k <= 32) return genrand_uint32() >> (32 - k);
  // Words are filled least significant first, the last one shifted down (CPython).
  uint64_t lo = genrand_uint32();
  uint64_t hi = genrand_uint32() >> (64 - k);
  return lo | (hi << 32);
}

uint64_t py_random::randbelow(uint64_t n) {
  PINPIPE_ASSERT(n >= 1, "randbelow needs n >= 1");
  const int k = bit_length(n);
  uint64_t r = getrandbits(k);
  while (r >= n)
    r = getrandbits(k);
  return r;
}

int64_t py_random::randrange(int64_t start, int64_t stop) {
  PINPIPE_ASSERT(start < stop, "randrange needs start < stop");
  return start + static_cast<int64_t>(randbelow(static_cast<uint64_t>(stop - start)));
}

int64_t py_random::randint(int64_t a, int64_t b) {
  return randrange(a, b + 1);
}

double py_random::random() {
  uint32_t a = genrand_uint32() >> 5, b = genrand_uint32() >> 6;
  return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

} // namespace pinpipe::emulator
