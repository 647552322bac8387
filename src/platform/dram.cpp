#include "platform/dram.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace mica::platform {

Dram::Dram(uint64_t base, uint64_t size) : base_(base), size_(size) {
  if (size == 0 || (base % monitor::kGranuleSize) != 0 || (size % monitor::kGranuleSize) != 0 ||
      base + size < base) {
    throw std::invalid_argument("DRAM base and size must be non-zero multiples of 4 KiB");
  }
  fd_ = memfd_create("mica-dram", MFD_CLOEXEC);
  if (fd_ < 0) throw std::runtime_error(std::string("memfd_create: ") + std::strerror(errno));
  if (ftruncate(fd_, static_cast<off_t>(size)) != 0) {
    int err = errno;
    close(fd_);
    throw std::runtime_error(std::string("ftruncate DRAM: ") + std::strerror(err));
  }
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
  if (p == MAP_FAILED) {
    int err = errno;
    close(fd_);
    throw std::runtime_error(std::string("mmap DRAM: ") + std::strerror(err));
  }
  view_ = static_cast<uint8_t*>(p);
}

Dram::~Dram() {
  if (view_ != nullptr) munmap(view_, size_);
  if (fd_ >= 0) close(fd_);
}

bool Dram::contains(PhysAddr pa, size_t len) const {
  const uint64_t a = pa.value();
  if (a < base_) return false;
  const uint64_t offset = a - base_;
  return offset <= size_ && len <= size_ - offset;
}

}  // namespace mica::platform
