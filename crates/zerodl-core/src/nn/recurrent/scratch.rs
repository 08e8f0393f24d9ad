//! Buffers a recurrent layer uses for one forward/backward pair (gates, states, gate gradients:
//! about 35 MB per W4 train step), handed back to a small pool when dropped and reused by the
//! next call. Fresh allocations of that size cost a memset or, straight from the OS, a page fault
//! per page on every step: about 5% of a W4 step, on the calling thread while the helper waits.
//! PyTorch's caching allocator exists for the same reason.
//!
//! A buffer taken with [`Scratch::dirty`] holds values left from its last use: only for buffers
//! the caller writes in full before reading.

use std::ops::{Deref, DerefMut};
use std::sync::Mutex;

/// Idle buffers, most recently returned last.
static POOL: Mutex<Vec<Vec<f32>>> = Mutex::new(Vec::new());

/// At most this many idle buffers, and this many bytes in them: more than a two-layer
/// bidirectional W8-sized stack uses in one step. Beyond that, the buffers idle longest are freed.
const MAX_BUFFERS: usize = 48;
const MAX_BYTES: usize = 256 << 20;

/// A reused buffer is not taken for a request under half its capacity.
const MAX_WASTE: usize = 2;

pub(super) struct Scratch(Vec<f32>);

impl Scratch {
    /// `len` values, unspecified (finite or not: whatever the last user left).
    pub fn dirty(len: usize) -> Scratch {
        let reused = {
            let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
            let fits = pool.iter().enumerate().filter(|(_, v)| v.capacity() >= len && v.capacity() <= len.max(1) * MAX_WASTE).min_by_key(|(_, v)| v.capacity());
            fits.map(|(i, _)| i).map(|i| pool.remove(i))
        };
        let mut v = reused.unwrap_or_else(|| Vec::with_capacity(len));
        if v.len() >= len {
            v.truncate(len);
        } else {
            // Only what was never written yet (a new buffer, or a longer use than before).
            v.resize(len, 0.0);
        }
        Scratch(v)
    }

    pub fn zeroed(len: usize) -> Scratch {
        let mut s = Scratch::dirty(len);
        s.fill(0.0);
        s
    }

    /// An empty buffer (a state the cell does not have); never pooled.
    pub fn empty() -> Scratch {
        Scratch(Vec::new())
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let v = std::mem::take(&mut self.0);
        if v.capacity() == 0 {
            return;
        }
        if v.capacity() * 4 > MAX_BYTES {
            return;
        }
        let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
        pool.push(v);
        // Over the limits, the buffers idle longest go first.
        let mut held: usize = pool.iter().map(|b| b.capacity() * 4).sum();
        while pool.len() > MAX_BUFFERS || held > MAX_BYTES {
            held -= pool.remove(0).capacity() * 4;
        }
    }
}

impl Deref for Scratch {
    type Target = [f32];
    fn deref(&self) -> &[f32] {
        &self.0
    }
}

impl DerefMut for Scratch {
    fn deref_mut(&mut self) -> &mut [f32] {
        &mut self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_returned_buffer_is_reused_and_zeroed_when_asked() {
        // A size (12 MB) no other test comes near, so no other user of the pool takes it between.
        let len = 3_000_001;
        let mut a = Scratch::dirty(len);
        a.fill(7.0);
        let ptr = a.as_ptr();
        drop(a);
        let b = Scratch::dirty(len);
        assert_eq!((b.len(), b.as_ptr()), (len, ptr), "the returned buffer is reused");
        assert!(b.iter().all(|&v| v == 7.0), "dirty reuse keeps the old values");
        drop(b);
        let c = Scratch::zeroed(len - 5);
        assert_eq!(c.len(), len - 5);
        assert!(c.iter().all(|&v| v == 0.0));
        // Much smaller requests do not take a big buffer.
        assert!(Scratch::dirty(10).0.capacity() < len);
    }
}
