/* Row-wise kernels (softmax family, glu, maxout, sparsemax), forward and
 * backward, over contiguous (rows, n) arrays: the Python side moves the axis
 * last and copies to C order. See kernels_rw.inc. */
#include "fastact.h"

/* sums: blocks of FA_RBLOCK by a vector reduction (a few additions per lane),
 * the block sums with Kahan's compensation: ~2 ulps however long the row */
#define FA_RBLOCK 16

#define T float
#define S f32
#define FA_IS_F64 0
#include "kernels_rw.inc"
#undef T
#undef S
#undef FA_IS_F64

#define T double
#define S f64
#define FA_IS_F64 1
#include "kernels_rw.inc"
#undef T
#undef S
#undef FA_IS_F64
