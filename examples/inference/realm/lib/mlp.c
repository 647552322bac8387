/* The vendor's model (mlp.h). */
#include "mlp.h"

#include <string.h>

static int32_t i32_at(const uint8_t* p) {
  return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
}

const char* mlp_load(struct mlp* model, const uint8_t* bytes, size_t length) {
  if (length != MLP_FILE_SIZE) return "the weights file has the wrong size";
  if (memcmp(bytes, "MICAMLP1", 8) != 0) return "not a MICAMLP1 weights file";
  if (i32_at(bytes + 8) != MLP_INPUTS || i32_at(bytes + 12) != MLP_HIDDEN) return "not an 8-16-1 model";
  const uint8_t* p = bytes + 16;
  for (int j = 0; j < MLP_HIDDEN; ++j) {
    for (int i = 0; i < MLP_INPUTS; ++i, p += 4) model->w1[j][i] = i32_at(p);
  }
  for (int j = 0; j < MLP_HIDDEN; ++j, p += 4) model->b1[j] = i32_at(p);
  for (int j = 0; j < MLP_HIDDEN; ++j, p += 4) model->w2[j] = i32_at(p);
  model->b2 = i32_at(p);
  model->threshold = i32_at(p + 4);
  return NULL;
}

int64_t mlp_score(const struct mlp* model, const int32_t x[MLP_INPUTS]) {
  int64_t out = model->b2;
  for (int j = 0; j < MLP_HIDDEN; ++j) {
    int64_t s = model->b1[j];
    for (int i = 0; i < MLP_INPUTS; ++i) s += (int64_t)model->w1[j][i] * x[i];
    const int64_t h = s > 0 ? s / 256 : 0;
    out += (int64_t)model->w2[j] * h;
  }
  /* floor division by 256 for negative sums too */
  return out >= 0 ? out / 256 : -((-out + 255) / 256);
}
