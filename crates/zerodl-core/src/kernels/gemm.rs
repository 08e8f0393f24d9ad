//! The one GEMM entry every matmul-heavy op goes through (dense layers, RNN gate projections,
//! convolution via im2col). Row-major, BLAS semantics:
//! `C (m x n) = alpha * op(A) * op(B) + beta * C`, with `op(X)` = X or X^T.
//!
//! The arithmetic is the `gemm` crate's (BLIS-style packing, AVX2/FMA micro-kernels chosen at run
//! time); how a product is spread over threads is ours, chosen by measurement (`cargo run
//! --release -p zerodl-core --example gemm_compare`; docs/gemm.md): small products stay on the
//! calling thread, mid-size ones are split into blocks shared by the caller and the spinning
//! helper team (a parked rayon worker wakes too slowly for them), large ones use the gemm crate's
//! own parallel loop on our rayon pool (it packs B once for all threads). ndarray's
//! `matrixmultiply` is kept as a measured alternative.

use super::simd::{self, BinaryOp};
use super::CPtr;
use crate::parallel;

/// Below this many multiply-adds (m*n*k) a GEMM stays on the calling thread: splitting it costs
/// more (packing per block, a helper's wake-up) than it saves.
pub const PARALLEL_THRESHOLD: usize = 96 * 96 * 96;

/// From this many multiply-adds on, [`Backend::Gemm`] uses the gemm crate's own parallel loop:
/// the wake-up of the rayon pool is then negligible and shared packing of B pays.
pub const RAYON_THRESHOLD: usize = 384 * 384 * 384;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Production: the gemm crate, split over the helper team below [`RAYON_THRESHOLD`], its own
    /// rayon-parallel loop above.
    Gemm,
    /// The gemm crate's own rayon-parallel loop at every size.
    GemmRayon,
    /// The gemm crate run per block, blocks shared by the caller and the helper team, at every size.
    GemmTeam,
    /// `matrixmultiply` (ndarray's GEMM) run per block, blocks shared as for `GemmTeam`.
    MatrixMultiply,
}

/// The backend `sgemm` uses. `ZERODL_GEMM` (`rayon`, `team`, `matrixmultiply`) overrides it, for
/// benchmarking only.
pub fn backend() -> Backend {
    static CHOICE: std::sync::OnceLock<Backend> = std::sync::OnceLock::new();
    *CHOICE.get_or_init(|| match std::env::var("ZERODL_GEMM").as_deref() {
        Ok("rayon") => Backend::GemmRayon,
        Ok("team") => Backend::GemmTeam,
        Ok("matrixmultiply") => Backend::MatrixMultiply,
        _ => Backend::Gemm,
    })
}

/// [`sgemm`] for a product inside a sequence of team jobs (a recurrent layer's weight gradient
/// between its backward recurrence and the next layer): production keeps it on the helper team
/// at every size. Handing it to the rayon pool would park the spinning helper and wake two cold
/// workers, then wake the helper again for the next job: on a shared VM those wake-ups were
/// where many of W4's slow steps came from (Rust W4 train step, three alternated runs of 40:
/// p90 34-36 -> 29-31 ms, median 0.3-0.8 ms less).
#[allow(clippy::too_many_arguments)]
pub fn sgemm_on_team(m: usize, n: usize, k: usize, alpha: f32, a: Operand<'_>, b: Operand<'_>, beta: f32, c: &mut [f32], ldc: usize) {
    let backend = match backend() {
        Backend::Gemm => Backend::GemmTeam,
        other => other,
    };
    sgemm_with(backend, m, n, k, alpha, a, b, beta, c, ldc)
}

/// One operand: its storage and whether the op sees it transposed.
#[derive(Clone, Copy, Debug)]
pub struct Operand<'a> {
    pub data: &'a [f32],
    /// Row stride of the *stored* matrix (its column count when packed).
    pub ld: usize,
    pub transpose: bool,
}

impl<'a> Operand<'a> {
    /// A packed row-major matrix whose op is `rows x cols`.
    pub fn packed(data: &'a [f32], rows: usize, cols: usize, transpose: bool) -> Self {
        let ld = if transpose { rows } else { cols };
        Operand { data, ld, transpose }
    }

    /// (row stride, column stride) of op(X), in elements.
    pub(crate) fn strides(&self) -> (isize, isize) {
        if self.transpose {
            (1, self.ld as isize)
        } else {
            (self.ld as isize, 1)
        }
    }

    /// Panics unless the storage covers an op of `rows x cols`: a panic here is a bug in the
    /// caller inside zerodl (ops/ validates user shapes first), never undefined behaviour.
    pub(crate) fn check(&self, rows: usize, cols: usize, name: &str) {
        let (srows, scols) = if self.transpose { (cols, rows) } else { (rows, cols) };
        if srows == 0 || scols == 0 {
            return;
        }
        assert!(self.ld >= scols, "sgemm: {name} leading dimension {} < {scols}", self.ld);
        let needed = (srows - 1) * self.ld + scols;
        assert!(self.data.len() >= needed, "sgemm: {name} has {} values, needs {needed}", self.data.len());
    }
}

/// `C = alpha * op(A) * op(B) + beta * C` where op(A) is m x k, op(B) is k x n, C is m x n with row
/// stride `ldc`. With `beta == 0`, C is not read (it may hold garbage, as in BLAS).
#[allow(clippy::too_many_arguments)]
pub fn sgemm(
    m: usize,
    n: usize,
    k: usize,
    alpha: f32,
    a: Operand<'_>,
    b: Operand<'_>,
    beta: f32,
    c: &mut [f32],
    ldc: usize,
) {
    sgemm_with(backend(), m, n, k, alpha, a, b, beta, c, ldc)
}

/// [`sgemm`] on the calling thread whatever the size: for kernels that share their work
/// between threads themselves (a convolution's tiles), so a product inside one of their blocks
/// never tries to spread again.
#[allow(clippy::too_many_arguments)]
pub fn sgemm_serial(m: usize, n: usize, k: usize, alpha: f32, a: Operand<'_>, b: Operand<'_>, beta: f32, c: &mut [f32], ldc: usize) {
    if let Some(p) = checked_problem(m, n, k, alpha, a, b, beta, c, ldc) {
        // SAFETY: `checked_problem` proved every index in bounds; `c` is exclusively borrowed.
        unsafe { gemm_crate(p, false) }
    }
}

/// The product after checking its operands (panics on a caller's bug); `None` when there is
/// nothing to multiply (an empty C, or k = 0, where C is just scaled by beta).
#[allow(clippy::too_many_arguments)]
fn checked_problem<'a>(m: usize, n: usize, k: usize, alpha: f32, a: Operand<'a>, b: Operand<'a>, beta: f32, c: &mut [f32], ldc: usize) -> Option<Problem<'a>> {
    a.check(m, k, "A");
    b.check(k, n, "B");
    if m == 0 || n == 0 {
        return None;
    }
    assert!(ldc >= n && c.len() >= (m - 1) * ldc + n, "sgemm: C is too small");
    if k == 0 {
        scale_c(m, n, beta, c, ldc);
        return None;
    }
    Some(Problem { m, n, k, alpha, a, b, beta, c: CPtr(c.as_mut_ptr()), ldc })
}

/// [`sgemm`] on an explicit backend (for the comparison benchmark and tests).
#[allow(clippy::too_many_arguments)]
pub fn sgemm_with(
    backend: Backend,
    m: usize,
    n: usize,
    k: usize,
    alpha: f32,
    a: Operand<'_>,
    b: Operand<'_>,
    beta: f32,
    c: &mut [f32],
    ldc: usize,
) {
    let Some(p) = checked_problem(m, n, k, alpha, a, b, beta, c, ldc) else { return };
    let parallel = m * n * k >= PARALLEL_THRESHOLD && parallel::num_threads() > 1;
    // SAFETY (all arms): the checks above prove every index the strides reach is in bounds, and
    // `c` is exclusively borrowed for the duration of the call.
    unsafe {
        let large = m * n * k >= RAYON_THRESHOLD;
        match (backend, parallel) {
            (Backend::MatrixMultiply, false) => matrixmultiply_serial(p),
            (Backend::MatrixMultiply, true) => split_parallel(p, |block| matrixmultiply_serial(block)),
            (_, false) => gemm_crate(p, false),
            (Backend::Gemm, true) if large => parallel::install(|| gemm_crate(p, true)),
            (Backend::GemmRayon, true) => parallel::install(|| gemm_crate(p, true)),
            (Backend::Gemm | Backend::GemmTeam, true) => split_parallel(p, |block| gemm_crate(block, false)),
        }
    }
}

/// [`sgemm_on_team`] for a product whose inner size k is the largest: a weight gradient summed
/// over every sample and time step (W4's dW_hh: 1024 x 256 over 2048). Each thread multiplies
/// its own share of k, packing only its share of A and B, the first into C and the others into
/// buffers of their own, then they are added. Splitting C instead makes every block pack all of
/// the other operand again (4 x 2 MB of B for W4's dW_hh): 6.6 -> 6.45 ms for that product,
/// 4.7 -> 4.5 ms for W6's, 0.46 -> 0.41 ms for the 65 x 256 output layer's (each product
/// alone, best of 40; a whole W6 step gains about 0.15 ms, W4's about 0.1). The sums group
/// differently, so results differ from the unsplit product's in the last bits (they depend on
/// the thread count, never on timing).
#[allow(clippy::too_many_arguments)]
pub fn sgemm_split_k(m: usize, n: usize, k: usize, alpha: f32, a: Operand<'_>, b: Operand<'_>, beta: f32, c: &mut [f32], ldc: usize) {
    let threads = parallel::num_threads();
    if threads < 2 || m * n * k < PARALLEL_THRESHOLD || k < m.max(n) || backend() != Backend::Gemm {
        return sgemm_on_team(m, n, k, alpha, a, b, beta, c, ldc);
    }
    a.check(m, k, "A");
    b.check(k, n, "B");
    assert!(ldc >= n && c.len() >= (m - 1) * ldc + n, "sgemm: C is too small");
    let per = k.div_ceil(threads);
    // The first share goes straight to C; the others to their own m x n buffers.
    let mut partial = vec![0.0f32; (threads - 1) * m * n];
    let (c_ptr, partial_ptr) = (CPtr(c.as_mut_ptr()), CPtr(partial.as_mut_ptr()));
    let whole = Problem { m, n, k, alpha, a, b, beta, c: c_ptr, ldc };
    parallel::team::for_each_block(threads - 1, threads, |i| {
        let start = i * per;
        if start >= k {
            return; // an empty share: its partial buffer stays zero (share 0 is never empty)
        }
        let share = whole.k_block(start, per.min(k - start));
        let share = if i == 0 { share } else { Problem { beta: 0.0, c: CPtr(partial_ptr.at((i - 1) * m * n)), ldc: n, ..share } };
        // SAFETY: the shares of k are in bounds of A and B (checked above); each block writes its
        // own C or partial buffer.
        unsafe { gemm_crate(share, false) };
    });
    // C += the other shares, rows split between the threads.
    parallel::team::for_each_range(m, true, 1, |rows| {
        for i in rows {
            // SAFETY: each range adds into its own rows of C.
            let row = unsafe { std::slice::from_raw_parts_mut(c_ptr.at(i * ldc), n) };
            for share in partial.chunks(m * n) {
                simd::binary_inplace(BinaryOp::Add, row, &share[i * n..(i + 1) * n]);
            }
        }
    });
}

/// One validated product `C = alpha * op(A) * op(B) + beta * C`, or a block of one.
#[derive(Clone, Copy)]
struct Problem<'a> {
    m: usize,
    n: usize,
    k: usize,
    alpha: f32,
    a: Operand<'a>,
    b: Operand<'a>,
    beta: f32,
    c: CPtr,
    ldc: usize,
}

impl<'a> Problem<'a> {
    /// Rows `start..start + rows` of C: the same rows of op(A), all of op(B).
    fn row_block(self, start: usize, rows: usize) -> Problem<'a> {
        let (a_rs, _) = self.a.strides();
        let a = Operand { data: &self.a.data[start * a_rs as usize..], ..self.a };
        // SAFETY: start < m, so the offset stays inside C.
        let c = CPtr(unsafe { self.c.0.add(start * self.ldc) });
        Problem { m: rows, a, c, ..self }
    }

    /// Inner indices `start..start + len` only: the same columns of op(A) and rows of op(B), all
    /// of C (a share of a product split by k).
    fn k_block(self, start: usize, len: usize) -> Problem<'a> {
        let (_, a_cs) = self.a.strides();
        let (b_rs, _) = self.b.strides();
        let a = Operand { data: &self.a.data[start * a_cs as usize..], ..self.a };
        let b = Operand { data: &self.b.data[start * b_rs as usize..], ..self.b };
        Problem { k: len, a, b, ..self }
    }

    /// Columns `start..start + cols` of C: all of op(A), the same columns of op(B).
    fn col_block(self, start: usize, cols: usize) -> Problem<'a> {
        let (_, b_cs) = self.b.strides();
        let b = Operand { data: &self.b.data[start * b_cs as usize..], ..self.b };
        // SAFETY: start < n, so the offset stays inside C.
        let c = CPtr(unsafe { self.c.0.add(start) });
        Problem { n: cols, b, c, ..self }
    }
}

fn scale_c(m: usize, n: usize, beta: f32, c: &mut [f32], ldc: usize) {
    for row in c.chunks_mut(ldc).take(m) {
        for v in &mut row[..n] {
            *v = if beta == 0.0 { 0.0 } else { beta * *v };
        }
    }
}

/// Blocks per pool thread in `split_parallel`: more balance the load when a core is shared, fewer
/// repack the other operand less often. Two is the compromise measured in docs/gemm.md.
const BLOCKS_PER_THREAD: usize = 2;

/// Splits C into blocks of rows (or of columns, when C is wide and short, like an RNN step's
/// batch x 4H); each block is an independent serial GEMM. The calling thread and the pool threads
/// take blocks from a shared counter until none are left, so a thread that gets less CPU (a busy
/// neighbour on a shared machine) simply takes fewer blocks instead of holding up the rest.
///
/// # Safety
/// As for `serial` on the whole problem.
unsafe fn split_parallel(p: Problem<'_>, serial: impl Fn(Problem<'_>) + Sync) {
    let threads = parallel::num_threads();
    let by_rows = p.m >= p.n;
    // Column blocks are multiples of 16 so each keeps whole SIMD micro-tiles; row blocks of at
    // least 32 keep the per-block packing of the other operand cheap relative to the work.
    let (len, align, min_block) = if by_rows { (p.m, 8, 32) } else { (p.n, 16, 64) };
    let per = len.div_ceil(threads * BLOCKS_PER_THREAD).max(min_block).div_ceil(align) * align;
    // The calling thread works too (it is usually the JS thread, blocked anyway), with the
    // spinning helper team rather than the rayon pool: see parallel::team for why.
    parallel::team::for_each_block(threads - 1, len.div_ceil(per), |block| {
        let (start, size) = (block * per, per.min(len - block * per));
        serial(if by_rows { p.row_block(start, size) } else { p.col_block(start, size) });
    });
}

/// # Safety
/// The problem's operands and C are in bounds; C is not aliased.
unsafe fn gemm_crate(p: Problem<'_>, parallel: bool) {
    let (a_rs, a_cs) = p.a.strides();
    let (b_rs, b_cs) = p.b.strides();
    let parallelism = if parallel { gemm::Parallelism::Rayon(0) } else { gemm::Parallelism::None };
    // gemm's convention is dst = alpha*dst + beta*lhs*rhs, the BLAS names swapped.
    gemm::gemm(
        p.m,
        p.n,
        p.k,
        p.c.0,
        1,
        p.ldc as isize,
        p.beta != 0.0,
        p.a.data.as_ptr(),
        a_cs,
        a_rs,
        p.b.data.as_ptr(),
        b_cs,
        b_rs,
        p.beta,
        p.alpha,
        false,
        false,
        false,
        parallelism,
    )
}

/// # Safety
/// The problem's operands and C are in bounds; C is not aliased. matrixmultiply ignores C when
/// beta == 0.
unsafe fn matrixmultiply_serial(p: Problem<'_>) {
    let (a_rs, a_cs) = p.a.strides();
    let (b_rs, b_cs) = p.b.strides();
    let (a, b) = (p.a.data.as_ptr(), p.b.data.as_ptr());
    matrixmultiply::sgemm(p.m, p.k, p.n, p.alpha, a, a_rs, a_cs, b, b_rs, b_cs, p.beta, p.c.0, p.ldc as isize, 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random;

    /// Naive triple loop in f64: the reference every backend is checked against.
    #[allow(clippy::too_many_arguments)]
    fn reference(m: usize, n: usize, k: usize, alpha: f32, a: Operand, b: Operand, beta: f32, c: &[f32], ldc: usize) -> Vec<f32> {
        let (a_rs, a_cs) = a.strides();
        let (b_rs, b_cs) = b.strides();
        let mut out = c.to_vec();
        for i in 0..m {
            for j in 0..n {
                let dot: f64 = (0..k)
                    .map(|p| {
                        let av = a.data[(i as isize * a_rs + p as isize * a_cs) as usize];
                        let bv = b.data[(p as isize * b_rs + j as isize * b_cs) as usize];
                        f64::from(av) * f64::from(bv)
                    })
                    .sum();
                let old = if beta == 0.0 { 0.0 } else { f64::from(beta) * f64::from(c[i * ldc + j]) };
                out[i * ldc + j] = (f64::from(alpha) * dot + old) as f32;
            }
        }
        out
    }

    struct Case {
        m: usize,
        n: usize,
        k: usize,
        ta: bool,
        tb: bool,
        alpha: f32,
        beta: f32,
    }

    fn check(backend: Backend, case: &Case) {
        check_product(&format!("{backend:?}"), case, |m, n, k, alpha, a, b, beta, c, ldc| sgemm_with(backend, m, n, k, alpha, a, b, beta, c, ldc));
    }

    /// `product` against the naive one on `case`.
    fn check_product(name: &str, case: &Case, product: impl Fn(usize, usize, usize, f32, Operand, Operand, f32, &mut [f32], usize)) {
        let Case { m, n, k, ta, tb, alpha, beta } = *case;
        let a = random::uniform_vec(m * k, -1.0, 1.0, 1);
        let b = random::uniform_vec(k * n, -1.0, 1.0, 2);
        // With beta == 0 C must be ignored, NaN included.
        let fill = if beta == 0.0 { f32::NAN } else { 0.5 };
        let c0: Vec<f32> = (0..m * n).map(|i| if i % 3 == 0 { fill } else { 0.25 }).collect();
        let (oa, ob) = (Operand::packed(&a, m, k, ta), Operand::packed(&b, k, n, tb));
        let mut c = c0.clone();
        product(m, n, k, alpha, oa, ob, beta, &mut c, n);
        let want = reference(m, n, k, alpha, oa, ob, beta, &c0, n);
        let tol = 1e-5 * (k as f32).sqrt().max(1.0) * 4.0;
        for (idx, (g, w)) in c.iter().zip(&want).enumerate() {
            assert!((g - w).abs() <= tol, "{name} m{m} n{n} k{k} ta{ta} tb{tb}: C[{idx}] = {g}, want {w}");
        }
    }

    #[test]
    fn every_backend_matches_the_naive_product() {
        let shapes = [(1, 1, 1), (3, 5, 7), (17, 33, 9), (64, 64, 64), (32, 1024, 256), (129, 70, 300), (1, 512, 128)];
        for backend in [Backend::Gemm, Backend::GemmRayon, Backend::GemmTeam, Backend::MatrixMultiply] {
            for &(m, n, k) in &shapes {
                for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                    for (alpha, beta) in [(1.0, 0.0), (0.5, 1.0), (-2.0, 0.25)] {
                        check(backend, &Case { m, n, k, ta, tb, alpha, beta });
                    }
                }
            }
        }
    }

    /// Shares of k that split unevenly (k odd), both layouts of each operand, C ignored when
    /// beta == 0 (NaN in it) and kept otherwise, and a product too small to split.
    #[test]
    fn split_k_matches_the_naive_product() {
        for &(m, n, k) in &[(65, 96, 1001), (128, 64, 2048), (5, 7, 9)] {
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                for (alpha, beta) in [(1.0, 0.0), (0.5, 1.0)] {
                    check_product("split k", &Case { m, n, k, ta, tb, alpha, beta }, sgemm_split_k);
                }
            }
        }
    }

    #[test]
    fn large_products_take_the_parallel_path_and_stay_right() {
        for backend in [Backend::Gemm, Backend::GemmRayon, Backend::GemmTeam, Backend::MatrixMultiply] {
            check(backend, &Case { m: 300, n: 257, k: 190, ta: false, tb: true, alpha: 1.0, beta: 0.0 });
        }
    }

    #[test]
    fn empty_inner_dimension_scales_c() {
        let mut c = vec![2.0; 6];
        sgemm(2, 3, 0, 1.0, Operand::packed(&[], 2, 0, false), Operand::packed(&[], 0, 3, false), 0.5, &mut c, 3);
        assert_eq!(c, vec![1.0; 6]);
    }

    #[test]
    fn strided_c_leaves_the_gap_alone() {
        // C is a 2x2 window of a 2x3 buffer: the third column must not be touched.
        let a = [1.0, 2.0, 3.0, 4.0];
        let b = [1.0, 0.0, 0.0, 1.0];
        let mut c = [9.0; 6];
        sgemm(2, 2, 2, 1.0, Operand::packed(&a, 2, 2, false), Operand::packed(&b, 2, 2, false), 0.0, &mut c, 3);
        assert_eq!(c, [1.0, 2.0, 9.0, 3.0, 4.0, 9.0]);
    }
}
