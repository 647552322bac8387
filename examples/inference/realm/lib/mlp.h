/* Private inference: the vendor's model, a small fixed-point multilayer
 * perceptron (8 inputs, 16 hidden units with ReLU, one output), and the
 * weights file that carries it (../README.md):
 *   "MICAMLP1" | u32 inputs = 8 | u32 hidden = 16 |
 *   i32 w1[16][8] | i32 b1[16] | i32 w2[16] | i32 b2 | i32 threshold
 * all little-endian. With x the 8 features (integers):
 *   h[j]  = max(0, b1[j] + sum_i w1[j][i] * x[i]) / 256      (integer division)
 *   s     = floor((b2 + sum_j w2[j] * h[j]) / 256)
 *   class = "high" if s >= threshold, else "low"
 * in 64-bit arithmetic. */
#ifndef MLP_H
#define MLP_H

#include <stddef.h>
#include <stdint.h>

#define MLP_INPUTS 8
#define MLP_HIDDEN 16
#define MLP_FILE_SIZE (16 + 4 * (MLP_HIDDEN * MLP_INPUTS + MLP_HIDDEN + MLP_HIDDEN + 2))

struct mlp {
  int32_t w1[MLP_HIDDEN][MLP_INPUTS];
  int32_t b1[MLP_HIDDEN];
  int32_t w2[MLP_HIDDEN];
  int32_t b2;
  int32_t threshold;
};

/* NULL, or why the bytes are not a weights file. */
const char* mlp_load(struct mlp* model, const uint8_t* bytes, size_t length);
int64_t mlp_score(const struct mlp* model, const int32_t x[MLP_INPUTS]);

/* A request as ingest sends it to the model: patient id and features. */
struct mlp_request {
  uint64_t id;
  int32_t x[MLP_INPUTS];
};

#endif
