//! Side-by-side timing of the GEMM backends behind `kernels::gemm::sgemm`, on the W1 shapes.
//! `cargo run --release -p zerodl-core --example gemm_compare` (ZERODL_NUM_THREADS varies the
//! pool). Backends are interleaved rep by rep, so a noisy neighbour hits them all alike; the
//! table shows GFLOP/s at the median and (in brackets) at the best rep. The results decide
//! `gemm::backend()`; they are recorded in docs/gemm.md.

use std::time::Instant;

use zerodl_core::kernels::gemm::{sgemm_with, Backend, Operand};
use zerodl_core::parallel;
use zerodl_core::random::uniform_vec;

const BACKENDS: [Backend; 4] = [Backend::Gemm, Backend::GemmRayon, Backend::GemmTeam, Backend::MatrixMultiply];

fn main() {
    println!("threads: {}", parallel::num_threads());
    println!("{:>16} {:>22} {:>22} {:>22} {:>22}", "m x n x k", "Gemm (production)", "GemmRayon", "GemmTeam", "MatrixMultiply");
    let shapes: Vec<(usize, usize, usize)> = match std::env::args().nth(1).as_deref() {
        // The products of a W2 training step (784-256-128-10 MLP, batch 128), as m x n x k.
        Some("w2") => vec![(128, 256, 784), (128, 128, 256), (256, 784, 128), (128, 256, 128), (128, 784, 256)],
        _ => vec![(64, 64, 64), (128, 128, 128), (256, 256, 256), (512, 512, 512), (1024, 1024, 1024), (32, 1024, 256)],
    };
    for (m, n, k) in shapes {
        let a = uniform_vec(m * k, -1.0, 1.0, 1);
        let b = uniform_vec(k * n, -1.0, 1.0, 2);
        let mut c = vec![0.0f32; m * n];
        let flops = 2.0 * (m * n * k) as f64;
        let reps = if m * n * k > 100_000_000 { 31 } else { 301 };
        let mut times = vec![Vec::with_capacity(reps); BACKENDS.len()];
        for rep in 0..reps + 3 {
            for (i, &backend) in BACKENDS.iter().enumerate() {
                let t = Instant::now();
                let (oa, ob) = (Operand::packed(&a, m, k, false), Operand::packed(&b, k, n, false));
                sgemm_with(backend, m, n, k, 1.0, oa, ob, 0.0, &mut c, n);
                if rep >= 3 {
                    times[i].push(t.elapsed().as_secs_f64() * 1e3);
                }
            }
        }
        let cells: Vec<String> = times
            .iter_mut()
            .map(|t| {
                t.sort_by(f64::total_cmp);
                let gflops = |ms: f64| flops / ms / 1e6;
                format!("{:>6.1} ({:>6.1}) GFLOP/s", gflops(t[t.len() / 2]), gflops(t[0]))
            })
            .collect();
        println!("{:>16} {:>22} {:>22} {:>22} {:>22}", format!("{m}x{n}x{k}"), cells[0], cells[1], cells[2], cells[3]);
    }
}
