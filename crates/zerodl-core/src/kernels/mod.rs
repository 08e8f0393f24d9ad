//! Kernels on raw `f32` slices: the one GEMM entry, a GEMM against a pre-packed operand and a
//! few-row GEMV (the recurrent weights at every step, for batches and for single requests), the
//! gate tiles of a recurrent layer serving one sequence, the SIMD elementwise kernels and column
//! sums. They assume valid arguments (ops/ checks shapes
//! first) and never allocate tensors.

pub mod column_sums;
pub mod conv;
pub mod direct_conv;
pub mod gate_tile_math;
pub mod gate_tiles;
pub mod gemm;
pub mod gemv;
pub mod lstm_tiles;
pub mod packed_gemm;
pub mod pool;
pub mod row_conv;
pub mod simd;
pub mod transpose;

/// The base pointer of an output matrix, shared by threads that each write a disjoint block of
/// it (the parallel GEMMs split C by rows, columns or panels).
#[derive(Clone, Copy)]
pub(crate) struct CPtr(pub(crate) *mut f32);
// SAFETY: every user hands each thread a disjoint set of C's elements.
unsafe impl Send for CPtr {}
unsafe impl Sync for CPtr {}

impl CPtr {
    /// The address `i` values on (a method, so a closure captures the whole `CPtr`, which is
    /// `Sync`, and not its raw pointer field).
    pub(crate) fn at(self, i: usize) -> *mut f32 {
        self.0.wrapping_add(i)
    }
}
