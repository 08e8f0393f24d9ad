//! The one rayon pool every kernel runs on, and the helpers kernels use to split work.
//!
//! One pool of our own (not rayon's global one) so a host application's rayon use cannot starve
//! or oversubscribe ours. Size: `ZERODL_NUM_THREADS` if set, else the cores this process may use.
//! Node's libuv pool (UV_THREADPOOL_SIZE, default 4) only *dispatches* our async tasks: a libuv
//! worker that enters `install` sleeps while our pool computes, so the CPU-bound thread count stays
//! at this pool's size however many async calls are in flight.

pub mod pipeline;
pub mod team;

use std::sync::OnceLock;

use rayon::prelude::*;
use rayon::{ThreadPool, ThreadPoolBuilder};

static POOL: OnceLock<ThreadPool> = OnceLock::new();

/// Threads in the pool: `ZERODL_NUM_THREADS`, or the available parallelism.
pub fn num_threads() -> usize {
    pool().current_num_threads()
}

fn configured_threads() -> usize {
    std::env::var("ZERODL_NUM_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

pub fn pool() -> &'static ThreadPool {
    POOL.get_or_init(|| {
        ThreadPoolBuilder::new()
            .num_threads(configured_threads())
            .thread_name(|i| format!("zerodl-{i}"))
            .build()
            .expect("failed to start zerodl's thread pool")
    })
}

/// Runs `f` inside the pool (inline when already on one of its threads).
pub fn install<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    team::hush();
    pool().install(f)
}

/// Calls `f(offset, chunk)` over `out` split into chunks of `grain` elements, in parallel when
/// there is more than one chunk. `offset` is the chunk's start index, for slicing the inputs.
pub fn for_each_chunk(out: &mut [f32], grain: usize, f: impl Fn(usize, &mut [f32]) + Sync + Send) {
    if out.len() <= grain {
        f(0, out);
    } else {
        install(|| {
            out.par_chunks_mut(grain).enumerate().for_each(|(i, chunk)| f(i * grain, chunk));
        });
    }
}

/// Elementwise work below this many elements stays on the calling thread: waking the pool costs
/// more than it saves.
pub const ELEMENTWISE_GRAIN: usize = 1 << 16;
