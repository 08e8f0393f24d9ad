//! The gate math of one tile of a recurrent layer serving one sequence (nn/recurrent/serving.rs),
//! straight on the tile's accumulated pre-activations (kernels/gate_tiles.rs's ROWS x units
//! layout, whole tiles: units past the layer's are zero-padded and their results ignored).
//!
//! Inference keeps no gates, so unlike cell.rs's step this writes only h (and the LSTM's c). The
//! math shares the FMA ports with the weight streaming of every step, so it runs at the tile's
//! width: with AVX-512 sixteen lanes and simd/avx512.rs's division-free sigmoid and tanh (in W5
//! it took ~10 of a sequence's ~52 us at eight lanes with divisions).
//! The formulas are cell.rs's (PyTorch's LSTM with optional peepholes; the GRU with the reset
//! after the hidden product).

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

use super::gate_tiles::{Width, ROWS};
#[cfg(target_arch = "x86_64")]
use super::simd::{avx2, avx512};

/// LSTM peephole weights of a tile's units: into i and f from c_{t-1}, into o from c_t.
pub type Peepholes<'a> = [&'a [f32]; 3];

/// The LSTM step of one tile: `acc` holds rows i, f, g, o of pre-activations (biases and every
/// product added); writes the tile's c_t and h_t.
///
/// # Safety
/// `width` is available on this CPU (see [`Width::available`]).
pub unsafe fn lstm(width: Width, acc: &[f32], c_prev: &[f32], peephole: Option<Peepholes<'_>>, h: &mut [f32], c: &mut [f32]) {
    let units = width.units();
    assert!(acc.len() >= ROWS * units && c_prev.len() >= units && h.len() >= units && c.len() >= units, "tile gates: a slice is shorter than the tile");
    assert!(peephole.is_none_or(|p| p.iter().all(|w| w.len() >= units)), "tile gates: peepholes shorter than the tile");
    #[cfg(target_arch = "x86_64")]
    match (width, peephole) {
        (Width::Avx2, None) => lstm_avx2::<false>(acc.as_ptr(), c_prev.as_ptr(), [std::ptr::null(); 3], h.as_mut_ptr(), c.as_mut_ptr()),
        (Width::Avx2, Some(p)) => lstm_avx2::<true>(acc.as_ptr(), c_prev.as_ptr(), p.map(<[f32]>::as_ptr), h.as_mut_ptr(), c.as_mut_ptr()),
        (Width::Avx512, None) => lstm_avx512::<false>(acc.as_ptr(), c_prev.as_ptr(), [std::ptr::null(); 3], h.as_mut_ptr(), c.as_mut_ptr()),
        (Width::Avx512, Some(p)) => lstm_avx512::<true>(acc.as_ptr(), c_prev.as_ptr(), p.map(<[f32]>::as_ptr), h.as_mut_ptr(), c.as_mut_ptr()),
    }
}

/// The GRU step of one tile: `acc` holds rows r, z, n's input side and n's hidden side; writes
/// the tile's h_t.
///
/// # Safety
/// As for [`lstm`].
pub unsafe fn gru(width: Width, acc: &[f32], h_prev: &[f32], h: &mut [f32]) {
    let units = width.units();
    assert!(acc.len() >= ROWS * units && h_prev.len() >= units && h.len() >= units, "tile gates: a slice is shorter than the tile");
    #[cfg(target_arch = "x86_64")]
    match width {
        Width::Avx2 => gru_avx2(acc.as_ptr(), h_prev.as_ptr(), h.as_mut_ptr()),
        Width::Avx512 => gru_avx512(acc.as_ptr(), h_prev.as_ptr(), h.as_mut_ptr()),
    }
}

// One body for both widths: only the vector type, its intrinsics and its sigmoid and tanh differ.
macro_rules! gate_kernels {
    ($lstm:ident, $gru:ident, $feature:literal, $lanes:literal, $load:ident, $store:ident, $sub:ident, $mul:ident, $fmadd:ident, $set1:ident, $sigmoid:path, $tanh:path) => {
        /// # Safety
        /// The feature is available; every pointer holds a whole tile (peepholes: if PEEPHOLE).
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = $feature)]
        unsafe fn $lstm<const PEEPHOLE: bool>(acc: *const f32, c_prev: *const f32, peephole: [*const f32; 3], h: *mut f32, c: *mut f32) {
            let units = super::gate_tiles::GROUPS * $lanes;
            for at in (0..units).step_by($lanes) {
                let row = |r: usize| $load(acc.add(r * units + at));
                let cp = $load(c_prev.add(at));
                let (mut pi, mut pf, mut po) = (row(0), row(1), row(3));
                if PEEPHOLE {
                    pi = $fmadd($load(peephole[0].add(at)), cp, pi);
                    pf = $fmadd($load(peephole[1].add(at)), cp, pf);
                }
                let (i, f, g) = ($sigmoid(pi), $sigmoid(pf), $tanh(row(2)));
                let ct = $fmadd(f, cp, $mul(i, g));
                if PEEPHOLE {
                    po = $fmadd($load(peephole[2].add(at)), ct, po);
                }
                $store(c.add(at), ct);
                $store(h.add(at), $mul($sigmoid(po), $tanh(ct)));
            }
        }

        /// # Safety
        /// The feature is available; every pointer holds a whole tile.
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = $feature)]
        unsafe fn $gru(acc: *const f32, h_prev: *const f32, h: *mut f32) {
            let units = super::gate_tiles::GROUPS * $lanes;
            for at in (0..units).step_by($lanes) {
                let row = |r: usize| $load(acc.add(r * units + at));
                let (r, z) = ($sigmoid(row(0)), $sigmoid(row(1)));
                // Reset after the product: r scales the hidden side of n only.
                let n = $tanh($fmadd(r, row(3), row(2)));
                $store(h.add(at), $fmadd(z, $load(h_prev.add(at)), $mul($sub($set1(1.0), z), n)));
            }
        }
    };
}

gate_kernels!(lstm_avx2, gru_avx2, "avx2,fma", 8, _mm256_loadu_ps, _mm256_storeu_ps, _mm256_sub_ps, _mm256_mul_ps, _mm256_fmadd_ps, _mm256_set1_ps, avx2::sigmoid8, avx2::tanh8);
gate_kernels!(lstm_avx512, gru_avx512, "avx512f", 16, _mm512_loadu_ps, _mm512_storeu_ps, _mm512_sub_ps, _mm512_mul_ps, _mm512_fmadd_ps, _mm512_set1_ps, avx512::sigmoid16, avx512::tanh16);
