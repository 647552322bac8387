// An independent model of RMM 1.0 §7 for the tests: every descriptor is
// built byte by byte from the specification's layout and hashed with mbedTLS
// directly (not through the monitor or the platform).
#pragma once

#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

namespace mica::monitor::testing::rim_reference {

enum class Algo { kSha256 = 0, kSha512 = 1 };

inline size_t digest_size(Algo algo) { return algo == Algo::kSha256 ? 32 : 64; }

inline std::vector<uint8_t> hash(Algo algo, const std::vector<uint8_t>& message) {
  std::vector<uint8_t> out(digest_size(algo));
  if (algo == Algo::kSha256) {
    mbedtls_sha256_ret(message.data(), message.size(), out.data(), 0);
  } else {
    mbedtls_sha512_ret(message.data(), message.size(), out.data(), 0);
  }
  return out;
}

template <class T>
void put(std::vector<uint8_t>& buf, size_t offset, T value) {
  for (size_t i = 0; i < sizeof(T); ++i) buf[offset + i] = static_cast<uint8_t>(static_cast<uint64_t>(value) >> (8 * i));
}

inline void put_bytes(std::vector<uint8_t>& buf, size_t offset, const std::vector<uint8_t>& bytes) {
  std::memcpy(buf.data() + offset, bytes.data(), bytes.size());
}

struct RealmMeasuredParams {
  uint64_t flags = 0;
  uint32_t s2sz = 40;
  uint32_t sve_vl = 0;
  uint32_t num_bps = 1;
  uint32_t num_wps = 1;
  uint32_t pmu_num_ctrs = 0;
  uint8_t hash_algo = 0;
};

// §7.2: H(4096 zero bytes with the measured RmiRealmParams fields in place).
inline std::vector<uint8_t> rim0(const RealmMeasuredParams& p) {
  std::vector<uint8_t> page(4096, 0);
  put(page, 0x000, p.flags);
  put(page, 0x008, p.s2sz);
  put(page, 0x010, p.sve_vl);
  put(page, 0x018, p.num_bps);
  put(page, 0x020, p.num_wps);
  put(page, 0x028, p.pmu_num_ctrs);
  put(page, 0x030, p.hash_algo);
  return hash(static_cast<Algo>(p.hash_algo), page);
}

inline std::vector<uint8_t> descriptor_header(uint8_t type, const std::vector<uint8_t>& rim) {
  std::vector<uint8_t> desc(0x100, 0);
  desc[0x00] = type;
  put(desc, 0x08, uint64_t{0x100});
  put_bytes(desc, 0x10, rim);
  return desc;
}

// §7.3 DATA_CREATE: content = H(page) if measured, else zeros.
inline std::vector<uint8_t> extend_data(Algo algo, const std::vector<uint8_t>& rim, uint64_t ipa, uint64_t flags,
                                        const std::vector<uint8_t>& page) {
  std::vector<uint8_t> desc = descriptor_header(0, rim);
  put(desc, 0x50, ipa);
  put(desc, 0x58, flags);
  if (flags == 1) put_bytes(desc, 0x60, hash(algo, page));
  return hash(algo, desc);
}

// §7.4 REC_CREATE of a runnable REC.
inline std::vector<uint8_t> extend_rec(Algo algo, const std::vector<uint8_t>& rim, uint64_t flags, uint64_t pc,
                                       const std::array<uint64_t, 8>& gprs) {
  std::vector<uint8_t> params(4096, 0);
  put(params, 0x000, flags);
  put(params, 0x200, pc);
  for (size_t i = 0; i < 8; ++i) put(params, 0x300 + 8 * i, gprs[i]);
  std::vector<uint8_t> desc = descriptor_header(1, rim);
  put_bytes(desc, 0x50, hash(algo, params));
  return hash(algo, desc);
}

// §7.5 RTT_INIT_RIPAS, per entry.
inline std::vector<uint8_t> extend_ripas(Algo algo, const std::vector<uint8_t>& rim, uint64_t base, uint64_t top) {
  std::vector<uint8_t> desc = descriptor_header(2, rim);
  put(desc, 0x50, base);
  put(desc, 0x58, top);
  return hash(algo, desc);
}

// §7.6 REM extend.
inline std::vector<uint8_t> extend_rem(Algo algo, const std::vector<uint8_t>& rem, const std::vector<uint8_t>& data) {
  std::vector<uint8_t> message = rem;
  message.insert(message.end(), data.begin(), data.end());
  return hash(algo, message);
}

inline std::vector<uint8_t> from_hex(const char* text) {
  std::vector<uint8_t> out;
  for (size_t i = 0; text[i] != 0 && text[i + 1] != 0; i += 2) {
    auto nibble = [](char c) -> uint8_t {
      return static_cast<uint8_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    };
    out.push_back(static_cast<uint8_t>(nibble(text[i]) << 4 | nibble(text[i + 1])));
  }
  return out;
}

}  // namespace mica::monitor::testing::rim_reference
