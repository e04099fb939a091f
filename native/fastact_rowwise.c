/* Row-wise kernels (softmax family, glu, maxout, sparsemax), forward and
 * backward, over contiguous (rows, n) arrays: the Python side moves the axis
 * last and copies to C order. See kernels_rw.inc. */
#include "fastact.h"

#define FA_RBLOCK 1024

#define T float
#define S f32
#include "kernels_rw.inc"
#undef T
#undef S

#define T double
#define S f64
#include "kernels_rw.inc"
#undef T
#undef S
