//! Where a W5 predict's time goes (LSTM 16 -> 128, seq 32, batch 1, inference): the whole
//! sequence on the serving path (packed weights) and on the batch path, against the floor under
//! both: streaming the 256 KB of W_hh from cache once per step, with no arithmetic at all.
//! `cargo run --release -p zerodl-core --example w5_profile` (ZERODL_NUM_THREADS=1 for one core).
use std::hint::black_box;
use std::time::Instant;

use zerodl_core::kernels::{gemv, simd};
use zerodl_core::parallel::{self, team};
use zerodl_core::nn::recurrent::{forward_sequence, CellKind, RecurrentWeights, SequenceInput, SequenceShape, ServingWeights};
use zerodl_core::random::uniform_vec;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn median_us(mut f: impl FnMut()) -> f64 {
    let mut ts: Vec<f64> = (0..2001)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    ts.sort_by(f64::total_cmp);
    ts[1000]
}

fn main() {
    let (t, d, h) = (32, 16, 128);
    let gh = 4 * h;
    let (w_ih, w_hh, b_ih, b_hh) = (uniform_vec(gh * d, -0.09, 0.09, 1), uniform_vec(gh * h, -0.09, 0.09, 2), uniform_vec(gh, -0.09, 0.09, 3), uniform_vec(gh, -0.09, 0.09, 4));
    let w = RecurrentWeights { w_ih: &w_ih, w_hh: &w_hh, b_ih: &b_ih, b_hh: &b_hh, peephole: &[] };
    let x = uniform_vec(t * d, -1.0, 1.0, 5);
    let shape = SequenceShape { batch: 1, steps: t, input: d, hidden: h };
    let serving = ServingWeights::new(CellKind::Lstm, w, d, h).map(|s| median_us(|| drop(s.forward(&x, t, t, &[], &[], false))));
    let whole = median_us(|| {
        forward_sequence(CellKind::Lstm, w, shape, SequenceInput { x: &x, ..Default::default() }, false);
    });
    let hv = uniform_vec(h, -1.0, 1.0, 6);
    let mut out = vec![0.0f32; gh];
    let products = median_us(|| {
        for _ in 0..t {
            gemv::rows_dot_add(1, h, gh, &hv, h, &w_hh, &mut out, gh);
        }
    });
    // The floor under those products: only reading W_hh once per step, each thread its fixed
    // half (as the sequence splits it), with the sequence's barrier between steps.
    let threads = parallel::num_threads();
    let share = w_hh.len().div_ceil(threads);
    let floor = median_us(|| {
        team::for_each_phase_block(threads - 1, t, threads, |_, i| {
            black_box(simd::sum(black_box(&w_hh[i * share..((i + 1) * share).min(w_hh.len())])));
        })
    });
    let serving = serving.map_or("none on this CPU".to_string(), |us| format!("{us:.1} us"));
    println!("W5 LSTM sequence: serving path {serving}; batch path {whole:.1} us; its 32 recurrent products alone: {products:.1} us; reading W_hh 32 times, nothing else ({threads} threads): {floor:.1} us");
}
