//! A small team of helper threads for latency-critical kernels (GEMM), which spin briefly
//! between jobs before parking.
//!
//! Why not rayon for this: a parked rayon worker takes 30-60 µs to wake on a virtual machine
//! (futex + IPI), as long as a whole 128^3 product on one core, so a parallel product of that
//! size came out *slower* than a serial one. OpenBLAS avoids this by letting its threads spin
//! between calls; the team does the same for [`LINGER`] and then parks, so an idle process costs
//! nothing. The caller always works on the job itself, and returns as soon as the work is done:
//! a helper that wakes late finds nothing left and never delays it.
//!
//! One job at a time: a second concurrent caller (or a caller already on a helper or rayon thread)
//! runs its job alone on its own thread.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long an idle helper spins for the next job before parking.
pub const LINGER: Duration = Duration::from_micros(300);

/// An idle helper yields its core once in this many spins (a few microseconds).
const YIELD_EVERY: u32 = 64;

/// A job: called once on every participating thread; it must split its work itself (e.g. by
/// taking blocks from an atomic counter).
type Job<'a> = &'a (dyn Fn() + Sync);

struct Shared {
    /// Bumped by each new job; odd while the job is open to helpers, even once it is closed.
    state: AtomicU64,
    /// The open job (a fat pointer to the caller's closure), valid while `state` is odd.
    job: Mutex<Option<Job<'static>>>,
    /// Helpers inside the current job: the caller waits for this to drop to 0 after closing.
    in_flight: AtomicUsize,
    /// Taken by the caller that owns the team for one job.
    busy: AtomicBool,
    /// Set when the job panicked on a helper; the caller re-raises it.
    helper_panicked: AtomicBool,
    /// Bumped by [`hush`]: spinning helpers park at once instead of competing with other work.
    hush: AtomicU64,
    parked: Mutex<usize>,
    wake: Condvar,
}

thread_local! {
    static IS_HELPER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

static SHARED: OnceLock<&'static Shared> = OnceLock::new();

fn shared(helpers: usize) -> &'static Shared {
    SHARED.get_or_init(|| {
        let s: &'static Shared = Box::leak(Box::new(Shared {
            state: AtomicU64::new(0),
            job: Mutex::new(None),
            in_flight: AtomicUsize::new(0),
            busy: AtomicBool::new(false),
            helper_panicked: AtomicBool::new(false),
            hush: AtomicU64::new(0),
            parked: Mutex::new(0),
            wake: Condvar::new(),
        }));
        for i in 0..helpers {
            std::thread::Builder::new()
                .name(format!("zerodl-gemm-{i}"))
                .spawn(move || helper_loop(s))
                .expect("failed to start a zerodl helper thread");
        }
        s
    })
}

fn helper_loop(s: &'static Shared) {
    IS_HELPER.with(|h| h.set(true));
    let mut seen = 0u64;
    loop {
        // Spin for a new job (unless hushed), then park until one is published.
        let deadline = Instant::now() + LINGER;
        let hush = s.hush.load(SeqCst);
        let mut state = s.state.load(SeqCst);
        let mut spins = 0u32;
        while state == seen && Instant::now() < deadline && s.hush.load(SeqCst) == hush {
            spins = spins.wrapping_add(1);
            if spins.is_multiple_of(YIELD_EVERY) {
                // Lets a thread that became runnable on this core (the caller of the next job,
                // woken by Node's event loop) run now rather than wait for the spin to end.
                std::thread::yield_now();
            } else {
                std::hint::spin_loop();
            }
            state = s.state.load(SeqCst);
        }
        if state == seen {
            let mut parked = s.parked.lock().unwrap_or_else(|e| e.into_inner());
            *parked += 1;
            while s.state.load(SeqCst) == seen {
                parked = s.wake.wait(parked).unwrap_or_else(|e| e.into_inner());
            }
            *parked -= 1;
            state = s.state.load(SeqCst);
        }
        seen = state;
        if state.is_multiple_of(2) {
            continue; // that job closed before we got here
        }
        // Announce ourselves before re-checking that the job is still open: the caller closes
        // first and then waits for in_flight == 0, so with SeqCst either it sees us or we see the
        // job closed. Either way we never touch a finished job's closure.
        s.in_flight.fetch_add(1, SeqCst);
        if s.state.load(SeqCst) == state {
            let job = *s.job.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(job) = job {
                // A panic must not kill the helper: flag it for the caller to re-raise.
                if std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).is_err() {
                    s.helper_panicked.store(true, SeqCst);
                }
            }
        }
        s.in_flight.fetch_sub(1, SeqCst);
    }
}

/// Tells spinning helpers to park now: called before other parallel work (the rayon pool) starts,
/// so a helper waiting for the next GEMM does not take a core from it.
pub fn hush() {
    if let Some(s) = SHARED.get() {
        s.hush.fetch_add(1, SeqCst);
    }
}

/// Runs `job` on the calling thread and on up to `helpers` team threads at once. Returns when the
/// caller's own call has returned and no helper is still inside `job`.
pub fn run(helpers: usize, job: &(dyn Fn() + Sync)) {
    if helpers == 0 || IS_HELPER.with(|h| h.get()) || rayon::current_thread_index().is_some() {
        return job();
    }
    let s = shared(helpers);
    if s.busy.compare_exchange(false, true, SeqCst, SeqCst).is_err() {
        return job();
    }
    // SAFETY: the 'static lifetime is a lie the protocol makes true: the pointer is only used by
    // helpers registered in `in_flight` while `state` is odd, and we close the job and wait for
    // `in_flight == 0` before returning, so no helper uses it after `job` goes out of scope.
    let erased: Job<'static> = unsafe { std::mem::transmute::<Job<'_>, Job<'static>>(job) };
    *s.job.lock().unwrap_or_else(|e| e.into_inner()) = Some(erased);
    s.state.fetch_add(1, SeqCst); // open
    if *s.parked.lock().unwrap_or_else(|e| e.into_inner()) > 0 {
        s.wake.notify_all();
    }
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
    s.state.fetch_add(1, SeqCst); // close
    while s.in_flight.load(SeqCst) != 0 {
        std::hint::spin_loop();
    }
    *s.job.lock().unwrap_or_else(|e| e.into_inner()) = None;
    let helper_panicked = s.helper_panicked.swap(false, SeqCst);
    s.busy.store(false, SeqCst);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
    if helper_panicked {
        panic!("a zerodl helper thread panicked while running a kernel");
    }
}

/// Runs `block(i)` once for every i in `0..blocks`, on the calling thread and up to `helpers`
/// team threads, which take blocks from a shared counter: a thread that gets less CPU (a busy
/// neighbour on a shared machine) simply takes fewer instead of holding up the rest. The caller
/// starts first, so with two blocks and one helper it nearly always takes block 0.
pub fn for_each_block(helpers: usize, blocks: usize, block: impl Fn(usize) + Sync) {
    for_each_block_with(helpers, blocks, || (), |_, i| block(i));
}

/// [`for_each_block`] where each thread makes its scratch state with `init` once (on its first
/// block) and hands it to every block it runs: buffers allocated per thread, not per block.
pub fn for_each_block_with<S>(helpers: usize, blocks: usize, init: impl Fn() -> S + Sync, block: impl Fn(&mut S, usize) + Sync) {
    let next = AtomicUsize::new(0);
    let work = || {
        let mut state = None;
        loop {
            let i = next.fetch_add(1, SeqCst);
            if i >= blocks {
                break;
            }
            block(state.get_or_insert_with(&init), i);
        }
    };
    run(helpers, &work);
}

/// Runs `f` on consecutive ranges covering `0..len`, one per thread (the caller and the
/// helpers) when `parallel`, each a multiple of `align` long but the last; else on `0..len` on
/// the calling thread. For one pass over a big buffer split evenly, e.g. by columns or rows.
pub fn for_each_range(len: usize, parallel: bool, align: usize, f: impl Fn(std::ops::Range<usize>) + Sync) {
    let threads = if parallel { super::num_threads() } else { 1 };
    let per = len.div_ceil(threads).next_multiple_of(align).max(1);
    for_each_block(threads - 1, len.div_ceil(per), |i| f(i * per..((i + 1) * per).min(len)));
}

/// Runs `block(phase, i)` for every phase in `0..phases` and every i in `0..blocks`, in one team
/// job: no block of phase p starts before every block of phase p-1 has finished. This is a barrier
/// per phase (a recurrent layer's time steps) for the price of a few atomics, not of a job per
/// phase.
///
/// Each thread owns a fixed share of the blocks and runs that share in every phase, so the data a
/// block reads stays in its core's cache from phase to phase. A thread that waits long at a
/// barrier takes over any block of the running phase its owner has not claimed (a helper that
/// arrives late or never): nobody ever waits for a block that no one is working on.
pub fn for_each_phase_block(helpers: usize, phases: usize, blocks: usize, block: impl Fn(usize, usize) + Sync) {
    /// One per cache line, so a claim does not disturb the thread working on another block.
    #[repr(align(64))]
    struct Claim(AtomicUsize);
    // claims[i]: the first phase of block i nobody has claimed yet.
    let claims: Vec<Claim> = (0..blocks).map(|_| Claim(AtomicUsize::new(0))).collect();
    let (arrivals, done) = (AtomicUsize::new(0), AtomicUsize::new(0));
    // Counts a claimed block as done even if it panics (on unwinding), so the other threads never
    // wait for it forever; the panic then reaches the caller through `run`.
    struct Finished<'a>(&'a AtomicUsize);
    impl Drop for Finished<'_> {
        fn drop(&mut self) {
            self.0.fetch_add(1, SeqCst);
        }
    }
    let claim = |phase: usize, i: usize| claims[i].0.compare_exchange(phase, phase + 1, SeqCst, SeqCst).is_ok();
    // Runs those of `candidates` nobody has claimed in `phase` yet.
    let take_unclaimed = |phase: usize, candidates: &mut dyn Iterator<Item = usize>| {
        for i in candidates {
            if claims[i].0.load(SeqCst) == phase && claim(phase, i) {
                let _finished = Finished(&done);
                block(phase, i);
            }
        }
    };
    // Spins until `target` blocks are done; every so often runs any unclaimed block of the phase
    // that may start now (all earlier phases done).
    let wait_for = |target: usize| {
        let mut spins = 0u32;
        loop {
            let finished = done.load(SeqCst);
            if finished >= target {
                return;
            }
            spins = spins.wrapping_add(1);
            if spins.is_multiple_of(STEAL_AFTER_SPINS) {
                take_unclaimed(finished / blocks, &mut (0..blocks));
            }
            std::hint::spin_loop();
        }
    };
    let threads = helpers + 1;
    let work = || {
        let me = arrivals.fetch_add(1, SeqCst).min(threads - 1);
        let own = me * blocks / threads..(me + 1) * blocks / threads;
        // A late thread starts at the running phase: every earlier one is done.
        for phase in done.load(SeqCst) / blocks..phases {
            for i in own.clone() {
                // Claimed before waiting, so that no one takes it meanwhile; skipped if taken.
                if claim(phase, i) {
                    // Counted from the claim on: a panic in a block taken over while waiting
                    // must not leave this one claimed and never done.
                    let _finished = Finished(&done);
                    wait_for(phase * blocks);
                    block(phase, i);
                }
            }
            // With several blocks each, a thread done with its own takes those a slower thread
            // has not started (that thread got less CPU, or has more to do), once the phase may
            // start (it may not have waited: its own blocks can all have been taken).
            if blocks > threads && done.load(SeqCst) >= phase * blocks {
                take_unclaimed(phase, &mut (own.end..blocks).chain(0..own.start));
            }
        }
        wait_for(phases * blocks);
    };
    run(helpers, &work);
}

/// Barrier spins before a waiting thread looks for blocks nobody has claimed (a few microseconds:
/// longer than a thread that is merely a little behind needs to claim its own).
const STEAL_AFTER_SPINS: u32 = 64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_block_runs_exactly_once_across_many_jobs() {
        for blocks in [1usize, 2, 7, 64] {
            for _ in 0..200 {
                let done: Vec<AtomicUsize> = (0..blocks).map(|_| AtomicUsize::new(0)).collect();
                for_each_block(1, blocks, |b| {
                    done[b].fetch_add(1, SeqCst);
                });
                assert!(done.iter().all(|d| d.load(SeqCst) == 1));
            }
        }
    }

    #[test]
    fn concurrent_callers_all_complete() {
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for _ in 0..100 {
                        let total = AtomicUsize::new(0);
                        let next = AtomicUsize::new(0);
                        run(1, &|| while next.fetch_add(1, SeqCst) < 10 {
                            total.fetch_add(1, SeqCst);
                        });
                        assert_eq!(total.load(SeqCst), 10);
                    }
                });
            }
        });
    }

    #[test]
    fn ranges_cover_every_index_once_in_aligned_pieces() {
        for (len, parallel, align) in [(0usize, true, 8usize), (3, true, 8), (203, true, 8), (203, false, 8), (1000, true, 1)] {
            let hits: Vec<AtomicUsize> = (0..len).map(|_| AtomicUsize::new(0)).collect();
            for_each_range(len, parallel, align, |r| {
                assert!(r.start.is_multiple_of(align) && (r.len().is_multiple_of(align) || r.end == len), "{r:?} of {len}");
                r.for_each(|i| {
                    hits[i].fetch_add(1, SeqCst);
                });
            });
            assert!(hits.iter().all(|h| h.load(SeqCst) == 1), "len {len}");
        }
    }

    #[test]
    fn phases_run_in_order_and_every_block_once() {
        for (phases, blocks) in [(1usize, 1usize), (5, 2), (40, 3), (3, 7)] {
            for _ in 0..50 {
                // Each block of phase p reads what every block of phase p-1 wrote.
                let cells: Vec<AtomicUsize> = (0..phases * blocks).map(|_| AtomicUsize::new(0)).collect();
                for_each_phase_block(1, phases, blocks, |p, i| {
                    let before: usize = if p == 0 { blocks } else { (0..blocks).map(|j| cells[(p - 1) * blocks + j].load(SeqCst)).sum() };
                    assert_eq!(before, blocks, "phase {p} block {i} started before phase {} finished", p.saturating_sub(1));
                    cells[p * blocks + i].fetch_add(1, SeqCst);
                });
                assert!(cells.iter().all(|c| c.load(SeqCst) == 1));
            }
        }
    }

    #[test]
    fn a_phase_job_whose_helper_never_comes_still_runs_every_block() {
        // Inside a team job the nested call runs on its thread alone (the team is taken), with
        // the helper's share of blocks unclaimed: the lone thread must take them over.
        let count = AtomicUsize::new(0);
        run(1, &|| {
            for_each_phase_block(1, 6, 3, |_, _| {
                count.fetch_add(1, SeqCst);
            })
        });
        assert!(count.load(SeqCst) >= 18 && count.load(SeqCst).is_multiple_of(18));
    }

    #[test]
    fn a_panicking_phase_block_reaches_the_caller() {
        let r = std::panic::catch_unwind(|| for_each_phase_block(1, 4, 2, |p, i| assert!(!(p == 2 && i == 1), "inside a block")));
        assert!(r.is_err());
    }

    #[test]
    fn a_panicking_job_reaches_the_caller_and_the_team_survives() {
        let r = std::panic::catch_unwind(|| run(1, &|| panic!("inside the job")));
        assert!(r.is_err());
        let ran = AtomicUsize::new(0);
        run(1, &|| {
            ran.fetch_add(1, SeqCst);
        });
        assert!(ran.load(SeqCst) >= 1);
    }
}
