use std::time::Instant;
use zerodl_core::kernels::gemm::{sgemm_on_team, Operand};
use zerodl_core::random::uniform_vec;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let (gh, hidden, rows) = (1024usize, 256usize, 2048usize);
    let dg = uniform_vec(rows * gh, -1.0, 1.0, 1);
    let h = uniform_vec(rows * hidden, -1.0, 1.0, 2);
    let mut c = vec![0.0f32; gh * hidden];
    let mut ct = vec![0.0f32; gh * hidden];
    let flops = 2.0 * (gh * hidden * rows) as f64;
    let mut t0v = vec![]; let mut t1v = vec![];
    for rep in 0..40 {
        let t = Instant::now();
        sgemm_on_team(gh, hidden, rows, 1.0, Operand::packed(&dg, gh, rows, true), Operand::packed(&h, rows, hidden, false), 0.0, &mut c, hidden);
        let a = t.elapsed().as_secs_f64();
        let t = Instant::now();
        sgemm_on_team(hidden, gh, rows, 1.0, Operand::packed(&h, hidden, rows, true), Operand::packed(&dg, rows, gh, false), 0.0, &mut ct, gh);
        let b = t.elapsed().as_secs_f64();
        if rep >= 5 { t0v.push(a); t1v.push(b); }
    }
    for i in 0..gh { for j in 0..hidden { assert!((c[i*hidden+j]-ct[j*gh+i]).abs() < 1e-2); } }
    t0v.sort_by(|a,b| a.partial_cmp(b).unwrap()); t1v.sort_by(|a,b| a.partial_cmp(b).unwrap());
    println!("dG^T H  : median {:.2} ms min {:.2} ms  {:.0} GFLOP/s", t0v[17]*1e3, t0v[0]*1e3, flops/t0v[17]/1e9);
    println!("H^T dG  : median {:.2} ms min {:.2} ms  {:.0} GFLOP/s", t1v[17]*1e3, t1v[0]*1e3, flops/t1v[17]/1e9);
}
