//! The one thread all async work runs on (training steps, async predictions, evaluation, async
//! matmul), in the order it was asked for. Each call returns a promise that settles on the JS
//! thread.
//!
//! Why not napi's `AsyncTask` on libuv's pool: consecutive steps of one model then run on
//! whichever of the pool's 4 threads is free, and mimalloc serves each thread from its own region
//! of memory, so every pool thread faulted in and zeroed its own copy of a step's buffers (in
//! fresh processes a W4 LSTM step took 40-47 ms instead of 27 for its first ~10 steps, measured).
//! One thread keeps one warm set. It also leaves libuv's threads to what a service needs them for
//! (fs, dns, zlib). Nothing is lost in speed: a job's arithmetic already runs on all cores (the
//! helper team, rayon), so two jobs at once would not finish sooner.
//!
//! Settling goes through a threadsafe function to the JS thread, as `AsyncTask` completion goes
//! through a uv_async handle: the same two thread wake-ups per call.

use std::sync::mpsc;
use std::sync::OnceLock;

use napi::bindgen_prelude::{Object, ToNapiValue};
use napi::Env;
use zerodl_core::ErrorKind;

use crate::error::{guard, into_rejection, js_error, CoreResultExt, Result};

type Job = Box<dyn FnOnce() + Send>;

/// The worker's queue; the thread starts on first use and lives as long as the process.
fn queue() -> Result<&'static mpsc::Sender<Job>> {
    static QUEUE: OnceLock<std::result::Result<mpsc::Sender<Job>, String>> = OnceLock::new();
    QUEUE
        .get_or_init(|| {
            let (tx, rx) = mpsc::channel::<Job>();
            std::thread::Builder::new()
                .name("zerodl-worker".into())
                .spawn(move || {
                    for job in rx {
                        // Jobs catch their own panics (`guard`); this only keeps the thread alive
                        // should settling a promise ever panic.
                        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                    }
                })
                .map(|_| tx)
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| js_error(ErrorKind::Internal, format!("cannot start the zerodl worker thread: {e}")))
}

/// Runs `work` on the worker thread and returns a promise for its result: `finish` turns it into
/// the JS value on the JS thread. An error (or a panic) in `work` rejects the promise with a JS
/// error carrying its `code`.
pub fn spawn<'env, T, V>(
    env: &'env Env,
    work: impl FnOnce() -> Result<T> + Send + 'static,
    finish: impl FnOnce(&Env, T) -> Result<V> + Send + 'static,
) -> Result<Object<'env>>
where
    T: Send + 'static,
    V: ToNapiValue + 'static,
{
    let (deferred, promise) = env.create_deferred().js()?;
    let job: Job = Box::new(move || {
        let output = guard(work);
        deferred.resolve(move |env| output.and_then(|t| finish(&env, t)).map_err(|e| into_rejection(&env, e)));
    });
    queue()?
        .send(job)
        .map_err(|_| js_error(ErrorKind::Internal, "the zerodl worker thread has stopped"))?;
    Ok(promise)
}
