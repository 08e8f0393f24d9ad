//! Side-by-side timing of the GEMM backends behind `kernels::gemm::sgemm`, on the W1 shapes.
//! `cargo run --release -p zerodl-core --example gemm_compare` (set ZERODL_NUM_THREADS to vary
//! the pool). The results decide `gemm::BACKEND`; they are recorded in docs/gemm.md.

use std::time::Instant;

use zerodl_core::kernels::gemm::{sgemm_with, Backend, Operand};
use zerodl_core::parallel;
use zerodl_core::random::uniform_vec;

fn median_ms(mut f: impl FnMut(), reps: usize) -> f64 {
    for _ in 0..3 {
        f();
    }
    let mut times: Vec<f64> = (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[reps / 2]
}

fn main() {
    println!("threads: {}", parallel::num_threads());
    println!("{:>18} {:>16} {:>16} {:>16}", "m x n x k", "gemm crate", "gemm split", "matrixmultiply");
    let shapes = [(64, 64, 64), (128, 128, 128), (256, 256, 256), (512, 512, 512), (1024, 1024, 1024), (32, 1024, 256)];
    for (m, n, k) in shapes {
        let a = uniform_vec(m * k, -1.0, 1.0, 1);
        let b = uniform_vec(k * n, -1.0, 1.0, 2);
        let mut c = vec![0.0f32; m * n];
        let flops = 2.0 * (m * n * k) as f64;
        let reps = if m * n * k > 100_000_000 { 15 } else { 101 };
        let mut cells = Vec::new();
        for backend in [Backend::GemmCrate, Backend::GemmCrateSplit, Backend::MatrixMultiply] {
            let ms = median_ms(
                || {
                    sgemm_with(
                        backend,
                        m,
                        n,
                        k,
                        1.0,
                        Operand::packed(&a, m, k, false),
                        Operand::packed(&b, k, n, false),
                        0.0,
                        &mut c,
                        n,
                    )
                },
                reps,
            );
            cells.push(format!("{:>7.1} GFLOP/s", flops / ms / 1e6));
        }
        println!("{:>18} {:>16} {:>16} {:>16}", format!("{m}x{n}x{k}"), cells[0], cells[1], cells[2]);
    }
}
