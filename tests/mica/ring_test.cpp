// The realm SDK's channel ring (realm-sdk/src/mica_channel.c), compiled for
// the host: messages round-trip, wrap around, a lapped reader detects the
// overrun and resumes, a concurrent reader never accepts a torn message, and
// a bidirectional channel is two rings. MICA_RSI_CHANNEL_INFO is answered
// by a fake SMC, the realm's component by a fake workflow-info call.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

extern "C" {
#include "mica/channel.h"
#include "mica/workflow.h"
}

namespace {

// What the fake monitor answers.
struct FakeRealm {
  uint64_t channel_base = 0;
  uint64_t channel_size = 0;
  uint32_t permission = 0;
  uint32_t writer = 0;
  bool bidirectional = false;
  uint32_t component = 0;
};
thread_local FakeRealm fake;

}  // namespace

extern "C" void mica_smc_wide(uint64_t regs[12]) {
  const uint64_t fid = regs[0];
  for (int i = 0; i < 12; ++i) regs[i] = 0;
  if (fid == MICA_RSI_CHANNEL_INFO) {
    regs[1] = fake.channel_base;
    regs[2] = fake.channel_size;
    regs[3] = fake.permission;
    regs[4] = fake.channel_size / 4096;
    regs[5] = fake.writer;
    regs[6] = fake.bidirectional ? 1 : 0;
  } else {
    regs[0] = MICA_SMC_UNKNOWN;
  }
}

// The SDK's MICA_RSI_WORKFLOW_INFO wrapper (mica_workflow.c, aarch64 only).
extern "C" uint64_t mica_get_workflow_info(struct mica_workflow_info* out) {
  *out = mica_workflow_info{};
  out->component = fake.component;
  out->component_count = 2;
  return MICA_RSI_SUCCESS;
}

namespace {

struct Region {
  explicit Region(size_t size) : words(size / 8, 0) {}
  void* data() { return words.data(); }
  uint64_t size() const { return words.size() * 8; }
  std::vector<uint64_t> words;
};

std::string read_string(mica_ring& ring, mica_ring_status* status) {
  char buffer[512];
  uint32_t length = 0;
  *status = mica_ring_read(&ring, buffer, sizeof buffer, &length);
  return *status == MICA_RING_OK ? std::string(buffer, length) : std::string();
}

TEST(MicaRing, MessagesRoundTripInOrder) {
  Region region(4096);
  mica_ring writer{}, reader{};
  EXPECT_EQ(mica_ring_attach(&reader, region.data(), region.size()), MICA_RING_NOT_READY);
  ASSERT_EQ(mica_ring_init(&writer, region.data(), region.size()), MICA_RING_OK);
  ASSERT_EQ(mica_ring_attach(&reader, region.data(), region.size()), MICA_RING_OK);
  mica_ring_status status;
  EXPECT_EQ(read_string(reader, &status), "");
  EXPECT_EQ(status, MICA_RING_EMPTY);
  for (const char* m : {"", "a", "exactly8", "a longer message of some length"}) {
    ASSERT_EQ(mica_ring_write(&writer, m, static_cast<uint32_t>(std::strlen(m))), MICA_RING_OK);
  }
  for (const char* m : {"", "a", "exactly8", "a longer message of some length"}) {
    EXPECT_EQ(read_string(reader, &status), m);
    EXPECT_EQ(status, MICA_RING_OK);
  }
  read_string(reader, &status);
  EXPECT_EQ(status, MICA_RING_EMPTY);
}

TEST(MicaRing, WrapsAroundWhenTheReaderKeepsUp) {
  Region region(4096);
  mica_ring writer{}, reader{};
  ASSERT_EQ(mica_ring_init(&writer, region.data(), region.size()), MICA_RING_OK);
  ASSERT_EQ(mica_ring_attach(&reader, region.data(), region.size()), MICA_RING_OK);
  for (int i = 0; i < 2000; ++i) {
    const std::string m = "message number " + std::to_string(i) + std::string(static_cast<size_t>(i % 23), '+');
    ASSERT_EQ(mica_ring_write(&writer, m.data(), static_cast<uint32_t>(m.size())), MICA_RING_OK);
    mica_ring_status status;
    ASSERT_EQ(read_string(reader, &status), m) << i;
  }
}

// Messages are copied a run of words at a time, split where the ring wraps:
// every length (whole words and a partial last one), from and into buffers
// at every alignment, wrapping at every word of the ring.
TEST(MicaRing, MessagesOfEveryLengthAndAlignmentWrapAnywhere) {
  Region region(MICA_RING_HEADER_SIZE + 1024);
  mica_ring writer{}, reader{};
  ASSERT_EQ(mica_ring_init(&writer, region.data(), region.size()), MICA_RING_OK);
  ASSERT_EQ(mica_ring_attach(&reader, region.data(), region.size()), MICA_RING_OK);
  std::vector<uint8_t> source(1024 + 8), received(1024 + 8);
  uint32_t n = 0;
  for (uint32_t length = 0; length + 8 <= writer.capacity; length += (length < 200 ? 1 : 37)) {
    for (uint32_t misalign = 0; misalign < 8; misalign += 3, ++n) {
      for (uint32_t i = 0; i < length; ++i) source[misalign + i] = static_cast<uint8_t>(i * 7 + n);
      ASSERT_EQ(mica_ring_write(&writer, source.data() + misalign, length), MICA_RING_OK);
      uint32_t got = 0;
      ASSERT_EQ(mica_ring_read(&reader, received.data() + (7 - misalign), length, &got), MICA_RING_OK) << length;
      ASSERT_EQ(got, length);
      ASSERT_EQ(std::memcmp(received.data() + (7 - misalign), source.data() + misalign, length), 0)
          << "length " << length << ", misalignment " << misalign << ", stream offset " << reader.tail;
    }
  }
  EXPECT_GT(reader.tail, 100 * writer.capacity);  // wrapped many times, at many offsets
}

TEST(MicaRing, ALappedReaderSeesAnOverrunAndResumes) {
  Region region(1024);
  mica_ring writer{}, reader{};
  ASSERT_EQ(mica_ring_init(&writer, region.data(), region.size()), MICA_RING_OK);
  ASSERT_EQ(mica_ring_attach(&reader, region.data(), region.size()), MICA_RING_OK);
  const std::string filler(100, 'x');
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(mica_ring_write(&writer, filler.data(), static_cast<uint32_t>(filler.size())), MICA_RING_OK);
  }
  mica_ring_status status;
  read_string(reader, &status);
  EXPECT_EQ(status, MICA_RING_OVERRUN);
  read_string(reader, &status);
  EXPECT_EQ(status, MICA_RING_EMPTY);
  ASSERT_EQ(mica_ring_write(&writer, "fresh", 5), MICA_RING_OK);
  EXPECT_EQ(read_string(reader, &status), "fresh");
  // A reader attaching after the producer wrapped starts with the next message.
  mica_ring late{};
  ASSERT_EQ(mica_ring_attach(&late, region.data(), region.size()), MICA_RING_OK);
  read_string(late, &status);
  EXPECT_EQ(status, MICA_RING_EMPTY);
  ASSERT_EQ(mica_ring_write(&writer, "next", 4), MICA_RING_OK);
  EXPECT_EQ(read_string(late, &status), "next");
}

TEST(MicaRing, SizesOutOfBounds) {
  Region region(256);
  mica_ring writer{}, reader{};
  ASSERT_EQ(mica_ring_init(&writer, region.data(), region.size()), MICA_RING_OK);
  ASSERT_EQ(mica_ring_attach(&reader, region.data(), region.size()), MICA_RING_OK);
  const std::string big(writer.capacity, 'b');
  EXPECT_EQ(mica_ring_write(&writer, big.data(), static_cast<uint32_t>(big.size())), MICA_RING_TOO_LONG);
  ASSERT_EQ(mica_ring_write(&writer, "twelve bytes", 12), MICA_RING_OK);
  char small[4];
  uint32_t length = 0;
  EXPECT_EQ(mica_ring_read(&reader, small, sizeof small, &length), MICA_RING_TOO_LONG);
  mica_ring tiny{};
  Region too_small(64);
  EXPECT_EQ(mica_ring_init(&tiny, too_small.data(), too_small.size()), MICA_RING_BAD);
}

// A producer writes bursts, some of which lap the reader many times while
// it reads; every message the reader accepts is intact and in order, and
// after each burst the producer waits until the reader has caught up, so
// every message of a burst that fits the ring is read.
TEST(MicaRing, ConcurrentReaderNeverAcceptsATornMessage) {
  Region region(2048);
  mica_ring writer{};
  ASSERT_EQ(mica_ring_init(&writer, region.data(), region.size()), MICA_RING_OK);
  std::atomic<bool> attached{false};
  std::atomic<bool> done{false};
  std::atomic<uint64_t> reader_tail{0};
  uint64_t accepted = 0, overruns = 0, last = 0;
  bool intact = true, ordered = true;
  std::thread reader_thread([&] {
    mica_ring reader{};
    EXPECT_EQ(mica_ring_attach(&reader, region.data(), region.size()), MICA_RING_OK);
    attached.store(true);
    uint64_t message[16];
    for (;;) {
      uint32_t length = 0;
      const mica_ring_status status = mica_ring_read(&reader, message, sizeof message, &length);
      if (status == MICA_RING_OVERRUN) {
        ++overruns;
      } else if (status == MICA_RING_OK) {
        ++accepted;
        const uint64_t seq = message[0];
        for (uint32_t w = 1; w < length / 8; ++w) intact = intact && message[w] == seq * 0x9E3779B97F4A7C15ull + w;
        ordered = ordered && seq > last;
        last = seq;
      } else if (done.load()) {
        break;
      }
      reader_tail.store(reader.tail);
    }
  });
  while (!attached.load()) {
  }
  uint64_t seq = 0;
  uint64_t in_small_bursts = 0;
  uint64_t message[16];
  for (int burst = 0; burst < 60; ++burst) {
    const bool small = burst % 3 != 1;  // a small burst fits the ring; the others lap it
    const int count = small ? 7 + burst % 5 : 400;
    for (int i = 0; i < count; ++i) {
      ++seq;
      const uint32_t words = 2 + static_cast<uint32_t>(seq % 14);
      message[0] = seq;
      for (uint32_t w = 1; w < words; ++w) message[w] = seq * 0x9E3779B97F4A7C15ull + w;
      ASSERT_EQ(mica_ring_write(&writer, message, words * 8), MICA_RING_OK);
    }
    if (small) in_small_bursts += static_cast<uint64_t>(count);
    const uint64_t published = writer.header[3];
    while (reader_tail.load() != published) {
    }
  }
  done.store(true);
  reader_thread.join();
  EXPECT_TRUE(intact);
  EXPECT_TRUE(ordered);
  EXPECT_GE(accepted, in_small_bursts);
  EXPECT_EQ(last, seq);  // the last burst was small
  std::printf("ring: %llu messages, %llu accepted, %llu overruns\n", static_cast<unsigned long long>(seq),
              static_cast<unsigned long long>(accepted), static_cast<unsigned long long>(overruns));
}

TEST(MicaChannel, BidirectionalChannelIsTwoRingsOnePerEnd) {
  Region region(8192);
  fake = FakeRealm{reinterpret_cast<uint64_t>(region.data()), 8192, MICA_CHANNEL_READ | MICA_CHANNEL_WRITE, 0, true, 0};
  mica_channel a{};
  ASSERT_EQ(mica_channel_open(3, &a), MICA_RING_NOT_READY);  // b has not formatted its half yet
  EXPECT_TRUE(a.can_send);
  fake.component = 1;
  mica_channel b{};
  ASSERT_EQ(mica_channel_open(3, &b), MICA_RING_OK);
  fake.component = 0;
  ASSERT_EQ(mica_channel_open(3, &a), MICA_RING_OK);
  ASSERT_TRUE(a.can_receive && b.can_send && b.can_receive);
  ASSERT_EQ(mica_ring_write(&a.send, "from a", 6), MICA_RING_OK);
  ASSERT_EQ(mica_ring_write(&b.send, "from b", 6), MICA_RING_OK);
  mica_ring_status status;
  EXPECT_EQ(read_string(b.receive, &status), "from a");
  EXPECT_EQ(read_string(a.receive, &status), "from b");
  EXPECT_EQ(a.send.header, static_cast<uint64_t*>(region.data()));
}

TEST(MicaChannel, OneWayChannelWriterSendsReaderReceives) {
  Region region(4096);
  fake = FakeRealm{reinterpret_cast<uint64_t>(region.data()), 4096, MICA_CHANNEL_READ | MICA_CHANNEL_WRITE, 0, false, 0};
  mica_channel writer{};
  ASSERT_EQ(mica_channel_open(0, &writer), MICA_RING_OK);
  EXPECT_TRUE(writer.can_send);
  EXPECT_FALSE(writer.can_receive);
  fake.permission = MICA_CHANNEL_READ;
  fake.component = 1;
  mica_channel reader{};
  ASSERT_EQ(mica_channel_open(0, &reader), MICA_RING_OK);
  EXPECT_FALSE(reader.can_send);
  ASSERT_EQ(mica_ring_write(&writer.send, "hello", 5), MICA_RING_OK);
  mica_ring_status status;
  EXPECT_EQ(read_string(reader.receive, &status), "hello");
  // Not all pages mapped yet: not ready.
  fake.channel_base = 0;
  mica_channel early{};
  EXPECT_EQ(mica_channel_open(0, &early), MICA_RING_NOT_READY);
}

}  // namespace
