//! Steps split into parts with a two-phase dependency, pipelined over the team: a recurrent
//! layer serving one sequence, each thread a fixed share of the units (its part) through every
//! step. A step's part first does what needs only its own results of the step before (phase a:
//! the input and its own units' state), then waits for the other parts' results of the step
//! before and finishes (phase b). Waiting thus overlaps a thread's own work instead of
//! following it: a prototype of W5's sequence (LSTM 128, 32 steps, the gate math stubbed) ran in
//! 42 us this way against 51 us with a barrier between whole steps (team::for_each_phase_block),
//! the floor of only reading its weights being 41 us.
//!
//! A part whose thread has not come (the team is busy, a helper is parked) is taken over step by
//! step by a thread that waits for it, so nobody waits for work no one does; once its thread
//! comes, it runs the rest of its part (so a thread descheduled in the middle of its part holds
//! the others up until it runs again, as a claimed block of team::for_each_phase_block does).
//! Per step a thread then only stores its progress and reads the others': a locked claim of
//! every step made the sync between steps ~0.1 us slower.

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::*};

use super::team;

/// Asks for `counter`'s cache line ahead of use (a hint).
fn prefetch_line(counter: &Counter) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>((counter as *const Counter).cast())
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = counter;
}

/// One per cache line, so that the threads' counters do not share one.
#[repr(align(64))]
struct Counter(AtomicUsize);

struct Pipeline<'f, A, B> {
    parts: usize,
    steps: usize,
    a: &'f A,
    b: &'f B,
    /// claims[p]: the first step of part p nobody has claimed yet (all of them, once part p's
    /// thread has come).
    claims: Vec<Counter>,
    /// finished[p]: steps of part p whose phase b has returned.
    finished: Vec<Counter>,
    /// Threads that have entered the job (the caller counts from the start).
    arrivals: AtomicUsize,
    /// The thread that started the job, which takes part 0.
    caller: std::thread::ThreadId,
    /// Set when a phase panicked: the waits give up, and the panic reaches the caller.
    failed: AtomicBool,
}

impl<A: Fn(usize, usize) + Sync, B: Fn(usize, usize) + Sync> Pipeline<'_, A, B> {
    fn claim(&self, p: usize, t: usize) -> bool {
        self.claims[p].0.compare_exchange(t, t + 1, AcqRel, Acquire).is_ok()
    }

    /// Step t of part p, claimed by this thread.
    fn run(&self, t: usize, p: usize) {
        // Normally this thread finished the part's step t-1 itself; else whoever took it over.
        self.wait_for(p, t);
        let ran = catch_unwind(AssertUnwindSafe(|| {
            // The other parts' progress, fetched while phase a runs (phase a fetches the data).
            for q in (0..self.parts).filter(|&q| q != p) {
                prefetch_line(&self.finished[q]);
            }
            (self.a)(t, p);
            for q in (0..self.parts).filter(|&q| q != p) {
                self.wait_for(q, t);
            }
            if !self.failed.load(Acquire) {
                (self.b)(t, p);
            }
        }));
        if let Err(panic) = ran {
            self.failed.store(true, Release);
            resume_unwind(panic);
        }
        self.finished[p].0.store(t + 1, Release);
    }

    /// Waits until part q has finished `t` steps, taking its next step over while its thread
    /// has not come and nobody is on that step.
    fn wait_for(&self, q: usize, t: usize) {
        loop {
            let done = self.finished[q].0.load(Acquire);
            if done >= t || self.failed.load(Acquire) {
                return;
            }
            // Nothing of part q in flight: its step `done` is unclaimed, and may start now.
            let absent = self.arrivals.load(Acquire) <= q;
            if absent && self.claims[q].0.load(Acquire) == done && self.claim(q, done) {
                self.run(done, q);
            }
            std::hint::spin_loop();
        }
    }

    fn work(&self) {
        // The caller takes part 0 and helpers the next parts in arrival order, so that from call
        // to call each part stays on the same core, its weights in that core's caches (taking
        // parts in arrival order alone swapped them between the cores at random: W5's sequence
        // ~10% slower).
        let home = if std::thread::current().id() == self.caller { 0 } else { self.arrivals.fetch_add(1, AcqRel) };
        if home >= self.parts {
            return; // more threads than parts: nothing for this one
        }
        // Every step nobody has taken yet, at once: from here on this thread runs its part
        // with no atomic read-modify-write per step (a locked instruction waits for the
        // thread's earlier stores, the part's states among them, to reach the other core).
        let mut first = self.claims[home].0.load(Acquire);
        while first < self.steps {
            match self.claims[home].0.compare_exchange(first, self.steps, AcqRel, Acquire) {
                Ok(_) => break,
                Err(now) => first = now,
            }
        }
        for t in first..self.steps {
            if self.failed.load(Acquire) {
                break;
            }
            self.run(t, home);
        }
        // Takes over the steps of parts whose thread has not come.
        for q in 0..self.parts {
            self.wait_for(q, self.steps);
        }
    }
}

/// For every step t in `0..steps` and part p in `0..parts`, runs `a(t, p)` and then `b(t, p)` on
/// one thread, where `a(t, p)` follows `b(t-1, p)` and `b(t, p)` follows `b(t-1, q)` of every
/// part q. The caller and up to `parts - 1` team helpers take a part each, through all the steps.
/// A panic in either phase reaches the caller, after every thread has left the job.
pub fn for_each_pipelined_step(parts: usize, steps: usize, a: impl Fn(usize, usize) + Sync, b: impl Fn(usize, usize) + Sync) {
    let counters = |n: usize| (0..n).map(|_| Counter(AtomicUsize::new(0))).collect::<Vec<_>>();
    let pipeline = Pipeline { parts, steps, a: &a, b: &b, claims: counters(parts), finished: counters(parts), arrivals: AtomicUsize::new(1), caller: std::thread::current().id(), failed: AtomicBool::new(false) };
    team::run(parts.saturating_sub(1), &|| pipeline.work());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a pipeline whose phases check the order they run in, and that each runs once.
    fn check(parts: usize, steps: usize, runner: impl Fn(&(dyn Fn() + Sync))) {
        let cell = |n: usize| (0..n).map(|_| AtomicUsize::new(0)).collect::<Vec<_>>();
        let (a_runs, b_runs) = (cell(parts * steps), cell(parts * steps));
        let job = || {
            for_each_pipelined_step(
                parts,
                steps,
                |t, p| {
                    assert!(t == 0 || b_runs[(t - 1) * parts + p].load(SeqCst) == 1, "a({t}, {p}) before b({}, {p})", t.saturating_sub(1));
                    a_runs[t * parts + p].fetch_add(1, SeqCst);
                },
                |t, p| {
                    assert_eq!(a_runs[t * parts + p].load(SeqCst), 1, "b({t}, {p}) before a({t}, {p})");
                    for q in 0..parts {
                        assert!(t == 0 || b_runs[(t - 1) * parts + q].load(SeqCst) == 1, "b({t}, {p}) before b({}, {q})", t - 1);
                    }
                    b_runs[t * parts + p].fetch_add(1, SeqCst);
                },
            )
        };
        runner(&job);
        assert!(a_runs.iter().chain(&b_runs).all(|r| r.load(SeqCst) == 1), "every phase once");
    }

    #[test]
    fn phases_run_once_each_in_dependency_order() {
        for (parts, steps) in [(1usize, 1usize), (1, 5), (2, 1), (2, 40), (3, 17)] {
            for _ in 0..100 {
                check(parts, steps, |job| job());
            }
        }
    }

    #[test]
    fn a_part_whose_helper_never_comes_is_taken_over() {
        // Inside a team job the nested pipeline runs on its thread alone (the team is taken);
        // only the first of the job's threads runs it.
        for parts in [2usize, 3] {
            check(parts, 12, |job| {
                let taken = AtomicBool::new(false);
                team::run(1, &|| {
                    if !taken.swap(true, SeqCst) {
                        job()
                    }
                })
            });
        }
    }

    #[test]
    fn a_panicking_phase_reaches_the_caller() {
        for (t_fail, in_b) in [(0usize, false), (3, true), (5, false)] {
            let r = std::panic::catch_unwind(|| {
                for_each_pipelined_step(
                    2,
                    8,
                    |t, p| assert!(in_b || !(t == t_fail && p == 1), "inside a"),
                    |t, p| assert!(!(in_b && t == t_fail && p == 1), "inside b"),
                )
            });
            assert!(r.is_err());
        }
    }
}
