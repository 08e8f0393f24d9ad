//! Times the parts of a W4-shaped LSTM step (batch 32, 64 steps, 65 inputs, hidden 256):
//! forward (training) and backward through time. `cargo run --release -p zerodl-core --example
//! rnn_profile`.
use std::time::Instant;

use zerodl_core::kernels::gemm::{sgemm, Operand};
use zerodl_core::kernels::packed_gemm::PackedB;
use zerodl_core::nn::recurrent::{backward_sequence, forward_sequence, CellKind, RecurrentWeights, SequenceGradsIn, SequenceInput, SequenceShape};
use zerodl_core::random::uniform_vec;

fn median_ms(mut f: impl FnMut()) -> f64 {
    for _ in 0..3 {
        f();
    }
    let mut ts: Vec<f64> = (0..21).map(|_| { let t = Instant::now(); f(); t.elapsed().as_secs_f64() * 1e3 }).collect();
    ts.sort_by(f64::total_cmp);
    ts[10]
}

// As in the addon: glibc would hand the big per-call buffers back to the OS and fault them in again.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let (b, t, d, h) = (32, 64, 65, 256);
    for kind in [CellKind::Lstm, CellKind::Gru] {
        let gh = kind.gates() * h;
        let (w_ih, w_hh, b_ih, b_hh) = (uniform_vec(gh * d, -0.06, 0.06, 1), uniform_vec(gh * h, -0.06, 0.06, 2), uniform_vec(gh, -0.06, 0.06, 3), uniform_vec(gh, -0.06, 0.06, 4));
        let w = RecurrentWeights { w_ih: &w_ih, w_hh: &w_hh, b_ih: &b_ih, b_hh: &b_hh, peephole: &[] };
        let shape = SequenceShape { batch: b, steps: t, input: d, hidden: h };
        let x = uniform_vec(b * t * d, 0.0, 1.0, 5);
        let dy = uniform_vec(b * t * h, -0.01, 0.01, 6);
        let fwd = median_ms(|| { forward_sequence(kind, w, shape, SequenceInput { x: &x, ..Default::default() }, true); });
        let out = forward_sequence(kind, w, shape, SequenceInput { x: &x, ..Default::default() }, true);
        let cache = out.cache.unwrap();
        let bwd = median_ms(|| { backward_sequence(w, &cache, SequenceGradsIn { outputs: &dy, ..Default::default() }); });
        let infer = median_ms(|| { forward_sequence(kind, w, shape, SequenceInput { x: &x, ..Default::default() }, false); });
        println!("{kind:?}: forward {fwd:.2} ms (inference {infer:.2} ms), backward {bwd:.2} ms");
    }
    // The LSTM backward's products, alone: per step dh_prev = dG (32x1024) W_hh (1024x256), and
    // after the loop dW_hh = dG^T (1024x2048) H (2048x256), here with and without the transpose.
    let (rows, gh) = (b * t, 4 * h);
    let dg = uniform_vec(rows * gh, -0.01, 0.01, 7);
    let hs = uniform_vec(rows * h, -1.0, 1.0, 8);
    let whh = uniform_vec(gh * h, -0.06, 0.06, 9);
    let mut out = vec![0.0f32; gh * h];
    let step = median_ms(|| {
        let mut dh = vec![0.0f32; b * h];
        for s in 0..t {
            sgemm(b, h, gh, 1.0, Operand::packed(&dg[s * b * gh..(s + 1) * b * gh], b, gh, false), Operand::packed(&whh, gh, h, false), 1.0, &mut dh, h);
        }
    });
    let dw_t = median_ms(|| sgemm(gh, h, rows, 1.0, Operand::packed(&dg, gh, rows, true), Operand::packed(&hs, rows, h, false), 0.0, &mut out, h));
    let dg_t: Vec<f32> = (0..gh * rows).map(|i| dg[(i % rows) * gh + i / rows]).collect();
    let dw_n = median_ms(|| sgemm(gh, h, rows, 1.0, Operand::packed(&dg_t, gh, rows, false), Operand::packed(&hs, rows, h, false), 0.0, &mut out, h));
    println!("64 x dh_prev products: {step:.2} ms; dW_hh with dG^T: {dw_t:.2} ms, with dG pre-transposed: {dw_n:.2} ms");
    // The forward's per-step product h (32x256) W_hh^T (256x1024): the general GEMM (which packs
    // W_hh on every call) against W_hh packed once for the 64 steps.
    let hprev = uniform_vec(b * h, -1.0, 1.0, 10);
    let mut hp = vec![0.0f32; b * gh];
    let general = median_ms(|| {
        for _ in 0..t {
            sgemm(b, gh, h, 1.0, Operand::packed(&hprev, b, h, false), Operand::packed(&whh, h, gh, true), 1.0, &mut hp, gh);
        }
    });
    let packed = median_ms(|| {
        let p = PackedB::new(Operand::packed(&whh, h, gh, true), h, gh);
        for _ in 0..t {
            p.multiply_add(b, &hprev, h, &mut hp, gh);
        }
    });
    println!("64 x h W_hh^T products: general GEMM {general:.2} ms, packed once {packed:.2} ms");
}
