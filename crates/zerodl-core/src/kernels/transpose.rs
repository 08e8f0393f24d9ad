//! Matrix transpose, 8 x 8 blocks at a time in AVX2 registers (a scalar loop on other CPUs and
//! for the ragged edges). A plain double loop writes with a stride of a whole row on every value.

use super::simd::{self, Level};

/// The transpose (cols x rows) of a row-major rows x cols matrix.
pub fn transposed(src: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut dst = vec![0.0f32; rows * cols];
    transpose_into(src, rows, cols, &mut dst);
    dst
}

/// Writes the transpose (cols x rows) of a row-major rows x cols matrix into `dst`.
pub fn transpose_into(src: &[f32], rows: usize, cols: usize, dst: &mut [f32]) {
    assert!(src.len() >= rows * cols, "transpose: {rows} x {cols} needs {} values, got {}", rows * cols, src.len());
    assert!(dst.len() >= rows * cols, "transpose: the destination holds {} values, needs {}", dst.len(), rows * cols);
    let (full_rows, full_cols) = match simd::level() {
        #[cfg(target_arch = "x86_64")]
        Level::Avx2Fma => {
            let (r8, c8) = (rows - rows % 8, cols - cols % 8);
            for i in (0..r8).step_by(8) {
                for j in (0..c8).step_by(8) {
                    // SAFETY: AVX2 detected; rows i..i+8 and columns j..j+8 are inside both.
                    unsafe { avx2::block8(src.as_ptr().add(i * cols + j), cols, dst.as_mut_ptr().add(j * rows + i), rows) };
                }
            }
            (r8, c8)
        }
        Level::Scalar => (0, 0),
    };
    // What the 8 x 8 blocks left: the last columns of the full rows, then the last rows.
    let mut scalar = |rs: std::ops::Range<usize>, cs: std::ops::Range<usize>| {
        for i in rs {
            for j in cs.clone() {
                dst[j * rows + i] = src[i * cols + j];
            }
        }
    };
    scalar(0..full_rows, full_cols..cols);
    scalar(full_rows..rows, 0..cols);
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    /// One 8 x 8 block.
    ///
    /// # Safety
    /// AVX2 present; 8 rows of 8 values readable at `src` (stride `ss`), writable at `dst` (`ds`).
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn block8(src: *const f32, ss: usize, dst: *mut f32, ds: usize) {
        let r: [__m256; 8] = std::array::from_fn(|i| _mm256_loadu_ps(src.add(i * ss)));
        // Interleave pairs of rows, then pairs of pairs, then swap 128-bit halves.
        let t0 = _mm256_unpacklo_ps(r[0], r[1]);
        let t1 = _mm256_unpackhi_ps(r[0], r[1]);
        let t2 = _mm256_unpacklo_ps(r[2], r[3]);
        let t3 = _mm256_unpackhi_ps(r[2], r[3]);
        let t4 = _mm256_unpacklo_ps(r[4], r[5]);
        let t5 = _mm256_unpackhi_ps(r[4], r[5]);
        let t6 = _mm256_unpacklo_ps(r[6], r[7]);
        let t7 = _mm256_unpackhi_ps(r[6], r[7]);
        let u0 = _mm256_shuffle_ps::<0x44>(t0, t2);
        let u1 = _mm256_shuffle_ps::<0xEE>(t0, t2);
        let u2 = _mm256_shuffle_ps::<0x44>(t1, t3);
        let u3 = _mm256_shuffle_ps::<0xEE>(t1, t3);
        let u4 = _mm256_shuffle_ps::<0x44>(t4, t6);
        let u5 = _mm256_shuffle_ps::<0xEE>(t4, t6);
        let u6 = _mm256_shuffle_ps::<0x44>(t5, t7);
        let u7 = _mm256_shuffle_ps::<0xEE>(t5, t7);
        let columns = [
            _mm256_permute2f128_ps::<0x20>(u0, u4),
            _mm256_permute2f128_ps::<0x20>(u1, u5),
            _mm256_permute2f128_ps::<0x20>(u2, u6),
            _mm256_permute2f128_ps::<0x20>(u3, u7),
            _mm256_permute2f128_ps::<0x31>(u0, u4),
            _mm256_permute2f128_ps::<0x31>(u1, u5),
            _mm256_permute2f128_ps::<0x31>(u2, u6),
            _mm256_permute2f128_ps::<0x31>(u3, u7),
        ];
        for (j, v) in columns.into_iter().enumerate() {
            _mm256_storeu_ps(dst.add(j * ds), v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::uniform_vec;

    /// Sizes around the 8 x 8 blocks, and the W4 input weights' shape.
    #[test]
    fn transposes_matrices_of_any_size() {
        for (rows, cols) in [(0, 3), (1, 1), (8, 8), (32, 64), (13, 21), (7, 9), (16, 3), (1024, 65)] {
            let src = uniform_vec(rows * cols, -1.0, 1.0, 1);
            let dst = transposed(&src, rows, cols);
            assert_eq!(dst.len(), rows * cols);
            for i in 0..rows {
                for j in 0..cols {
                    assert_eq!(dst[j * rows + i].to_bits(), src[i * cols + j].to_bits(), "{rows}x{cols}: [{j}][{i}]");
                }
            }
        }
    }
}
