// Instruction words below were produced by aarch64-linux-gnu-as (binutils 2.40).
#include "vcpu/insn_decode.h"

#include <gtest/gtest.h>

namespace mica::vcpu::insn {
namespace {

struct Expect {
  uint32_t word;
  const char* text;
  bool is_write;
  bool isv;
  unsigned sas, srt;
  bool sse, sf, ar;
};

TEST(InsnDecode, SingleRegisterLoadsAndStoresCarryTheSyndrome) {
  const Expect cases[] = {
      {0xb9000025, "str w5, [x1]", true, true, 2, 5, false, false, false},
      {0x39000426, "strb w6, [x1, #1]", true, true, 0, 6, false, false, false},
      {0xf9400427, "ldr x7, [x1, #8]", false, true, 3, 7, false, true, false},
      {0x79c00423, "ldrsh w3, [x1, #2]", false, true, 1, 3, true, false, false},
      {0x39800029, "ldrsb x9, [x1]", false, true, 0, 9, true, true, false},
      {0xb980042a, "ldrsw x10, [x1, #4]", false, true, 2, 10, true, true, false},
      {0x889ffc25, "stlr w5, [x1]", true, true, 2, 5, false, false, true},
      {0xf900083f, "str xzr, [x1, #16]", true, true, 3, 31, false, true, false},
      {0xf86d782c, "ldr x12, [x1, x13, lsl #3]", false, true, 3, 12, false, true, false},
      {0x79000c2e, "strh w14, [x1, #6]", true, true, 1, 14, false, false, false},
      {0xf8408823, "ldtr x3, [x1, #8]", false, true, 3, 3, false, true, false},
      {0xb85fc023, "ldur w3, [x1, #-4]", false, true, 2, 3, false, false, false},
      {0x18000044, "ldr w4, <literal>", false, true, 2, 4, false, false, false},
      {0x98000024, "ldrsw x4, <literal>", false, true, 2, 4, true, true, false},
  };
  for (const Expect& c : cases) {
    SCOPED_TRACE(c.text);
    const auto access = decode_data_access(c.word);
    ASSERT_TRUE(access.has_value());
    EXPECT_EQ(access->is_write, c.is_write);
    EXPECT_EQ(access->syndrome_valid, c.isv);
    EXPECT_EQ(access->sas, c.sas);
    EXPECT_EQ(access->srt, c.srt);
    EXPECT_EQ(access->sse, c.sse);
    EXPECT_EQ(access->sf, c.sf);
    EXPECT_EQ(access->ar, c.ar);
  }
}

TEST(InsnDecode, WritebackPairsExclusivesAndSimdHaveNoSyndrome) {
  const struct {
    uint32_t word;
    const char* text;
    bool is_write;
  } cases[] = {
      {0xf8008425, "str x5, [x1], #8", true},
      {0xa9402027, "ldp x7, x8, [x1]", false},
      {0xa9ff0be1, "ldp x1, x2, [sp, #-16]!", false},
      {0xc85f7c27, "ldxr x7, [x1]", false},
      {0xc8037c45, "stxr w3, x5, [x2]", true},
      {0x3dc00020, "ldr q0, [x1]", false},
      {0x4c007020, "st1 {v0.16b}, [x1]", true},
      {0xd50b7429, "dc zva, x9", true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    const auto access = decode_data_access(c.word);
    ASSERT_TRUE(access.has_value());
    EXPECT_EQ(access->is_write, c.is_write);
    EXPECT_FALSE(access->syndrome_valid);
  }
}

TEST(InsnDecode, NonAccessesAreNotDecoded) {
  EXPECT_FALSE(decode_data_access(0xf9800020).has_value());  // prfm pldl1keep, [x1]
  EXPECT_FALSE(decode_data_access(0xd4000002).has_value());  // hvc #0
  EXPECT_FALSE(decode_data_access(0x91000463).has_value());  // add x3, x3, #1
}

TEST(InsnDecode, DataAbortIssPacksTheFields) {
  // str w5, [x1]: ISV, SAS=2, SRT=5, WnR.
  EXPECT_EQ(data_abort_iss(decode_data_access(0xb9000025), true),
            (1u << 24) | (2u << 22) | (5u << 16) | (1u << 6));
  // ldrsw x10: ISV, SAS=2, SSE, SRT=10, SF.
  EXPECT_EQ(data_abort_iss(decode_data_access(0xb980042a), false),
            (1u << 24) | (2u << 22) | (1u << 21) | (10u << 16) | (1u << 15));
  // stlr w5: AR.
  EXPECT_EQ(data_abort_iss(decode_data_access(0x889ffc25), true),
            (1u << 24) | (2u << 22) | (5u << 16) | (1u << 14) | (1u << 6));
  // Not decodable: only WnR.
  EXPECT_EQ(data_abort_iss(std::nullopt, true), 1u << 6);
  EXPECT_EQ(data_abort_iss(decode_data_access(0xa9402027), false), 0u);
}

TEST(InsnDecode, EffectiveAddresses) {
  uint64_t x[31] = {};
  x[1] = 0x10000;
  x[2] = static_cast<uint64_t>(-2);  // w2 = -2 for sxtw
  x[9] = 0x20047;
  x[13] = 3;
  const AddressRegs regs{x, 0x9000, 0x400};
  EXPECT_EQ(effective_address(0xf9400427, regs), 0x10008u);   // ldr x7, [x1, #8]
  EXPECT_EQ(effective_address(0xf8008425, regs), 0x10000u);   // str x5, [x1], #8 (post)
  EXPECT_EQ(effective_address(0xa9ff0be1, regs), 0x8ff0u);    // ldp ..., [sp, #-16]!
  EXPECT_EQ(effective_address(0xf86d782c, regs), 0x10018u);   // [x1, x13, lsl #3]
  EXPECT_EQ(effective_address(0xf862d823, regs), 0xfff0u);    // [x1, w2, sxtw #3]
  EXPECT_EQ(effective_address(0xb85fc023, regs), 0xfffcu);    // ldur w3, [x1, #-4]
  EXPECT_EQ(effective_address(0xc85f7c27, regs), 0x10000u);   // ldxr x7, [x1]
  EXPECT_EQ(effective_address(0x18000044, regs), 0x408u);     // ldr w4, pc+8
  EXPECT_EQ(effective_address(0x3dc00020, regs), 0x10000u);   // ldr q0, [x1]
  EXPECT_EQ(effective_address(0xd50b7429, regs), 0x20047u);   // dc zva, x9
  EXPECT_FALSE(effective_address(0x91000463, regs).has_value());
}

TEST(InsnDecode, SysRegAccesses) {
  // mrs x3, id_aa64pfr0_el1 = 0xd5380403
  const auto read = decode_sysreg_access(0xd5380403);
  ASSERT_TRUE(read.has_value());
  EXPECT_TRUE(read->is_read);
  EXPECT_EQ(read->op0, 3u);
  EXPECT_EQ(read->op1, 0u);
  EXPECT_EQ(read->crn, 0u);
  EXPECT_EQ(read->crm, 4u);
  EXPECT_EQ(read->op2, 0u);
  EXPECT_EQ(read->rt, 3u);
  // msr s3_0_c12_c11_5 (ICC_SGI1R_EL1), x4 = 0xd518cba4
  const auto write = decode_sysreg_access(0xd518cba4);
  ASSERT_TRUE(write.has_value());
  EXPECT_FALSE(write->is_read);
  EXPECT_EQ(write->crn, 12u);
  EXPECT_EQ(write->crm, 11u);
  EXPECT_EQ(write->op2, 5u);
  EXPECT_EQ(write->rt, 4u);
  EXPECT_FALSE(decode_sysreg_access(0xd503207f).has_value());  // wfi
  EXPECT_EQ(esr::sysreg_iss(*read), (3u << 20) | (0u << 17) | (0u << 14) | (0u << 10) |
                                        (3u << 5) | (4u << 1) | 1u);
}

}  // namespace
}  // namespace mica::vcpu::insn
