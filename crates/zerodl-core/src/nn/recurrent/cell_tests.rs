//! Every SIMD level's step (the fused AVX2 one, where the CPU has it) against the portable one,
//! forward and backward, for the LSTM with and without peepholes and the GRU, over a number of
//! units that leaves a partial group of lanes at the end.

use super::cell::{step_backward_lanes, step_forward_lanes, CellKind, StepGrads, StepIn, StepOut, StepSaved};
use crate::kernels::simd::{avx512_available, available_levels, Level};
use crate::random::uniform_vec;

/// Two full groups of 8 lanes and 5 left over (16 lanes: one and 5).
const N: usize = 21;

/// Everything one forward and backward step reads and writes, for one level.
#[derive(Clone, Debug, PartialEq)]
struct Run {
    gates: Vec<Vec<f32>>,
    h: Vec<f32>,
    c: Vec<f32>,
    dgx: Vec<Vec<f32>>,
    dgh: Vec<Vec<f32>>,
    dc: Vec<f32>,
    dh_prev: Vec<f32>,
    dpeephole: Vec<Vec<f32>>,
}

fn random(seed: u64, scale: f32) -> Vec<f32> {
    uniform_vec(N, -scale, scale, seed)
}

fn slices(v: &[Vec<f32>]) -> [&[f32]; 4] {
    std::array::from_fn(|g| v.get(g).map_or(&[][..], |s| &s[..]))
}

fn slices_mut(v: &mut [Vec<f32>]) -> [&mut [f32]; 4] {
    let mut it = v.iter_mut();
    std::array::from_fn(|_| it.next().map_or(&mut [][..], |s| &mut s[..]))
}

fn run(level: Level, wide: bool, kind: CellKind, peephole: bool) -> Run {
    let count = kind.gates();
    let is_gru = kind == CellKind::Gru;
    let (xp, hp): (Vec<_>, Vec<_>) = (0..count).map(|g| (random(10 + g as u64, 3.0), random(20 + g as u64, 3.0))).unzip();
    let peep: Vec<Vec<f32>> = if peephole { (0..3).map(|g| random(30 + g, 1.0)).collect() } else { vec![Vec::new(); 3] };
    let (h_prev, c_prev) = (random(40, 1.0), if is_gru { Vec::new() } else { random(41, 2.0) });
    let mut r = Run {
        gates: vec![vec![0.0; N]; count],
        h: vec![0.0; N],
        c: if is_gru { Vec::new() } else { vec![0.0; N] },
        // The GRU's input side keeps only n; its hidden side all three.
        dgx: (0..count).map(|g| if is_gru && g != 2 { Vec::new() } else { vec![0.0; N] }).collect(),
        dgh: (0..if is_gru { count } else { 0 }).map(|_| vec![0.0; N]).collect(),
        dc: if is_gru { Vec::new() } else { random(50, 1.0) },
        dh_prev: vec![0.0; N],
        dpeephole: if peephole { (0..3).map(|g| random(60 + g, 1.0)).collect() } else { vec![Vec::new(); 3] },
    };
    let step = StepIn { xp: slices(&xp), hp: slices(&hp), peephole: [&peep[0], &peep[1], &peep[2]], h_prev: &h_prev, c_prev: &c_prev };
    step_forward_lanes(level, wide, kind, &step, &mut StepOut { gates: slices_mut(&mut r.gates), h: &mut r.h, c: &mut r.c });
    let (dy, dh_next) = (random(70, 1.0), random(71, 1.0));
    let saved = StepSaved {
        gates: slices(&r.gates),
        hp_n: if is_gru { &hp[2] } else { &[] },
        h_prev: &h_prev,
        c_prev: &c_prev,
        c: &r.c,
        peephole: [&peep[0], &peep[1], &peep[2]],
    };
    let (mut dgx, mut dgh, mut dpeephole) = (r.dgx.clone(), r.dgh.clone(), r.dpeephole.clone());
    let [p0, p1, p2, _] = slices_mut(&mut dpeephole);
    let mut grads = StepGrads {
        dy: &dy,
        dh_next: &dh_next,
        dc: &mut r.dc,
        dgx: slices_mut(&mut dgx),
        dgh: slices_mut(&mut dgh),
        dh_prev: &mut r.dh_prev,
        dpeephole: [p0, p1, p2],
    };
    step_backward_lanes(level, wide, kind, &saved, &mut grads);
    (r.dgx, r.dgh, r.dpeephole) = (dgx, dgh, dpeephole);
    r
}

fn assert_close(got: &[Vec<f32>], want: &[Vec<f32>], what: &str) {
    for (g, (a, b)) in got.iter().zip(want).enumerate() {
        assert_eq!(a.len(), b.len(), "{what}[{g}]: length");
        for (j, (&x, &y)) in a.iter().zip(b).enumerate() {
            assert!((x - y).abs() <= 2e-6 * y.abs().max(1.0), "{what}[{g}][{j}]: {x} vs the portable {y}");
        }
    }
}

#[test]
fn every_level_computes_the_portable_steps() {
    for (kind, peephole) in [(CellKind::Lstm, false), (CellKind::Lstm, true), (CellKind::Gru, false)] {
        let want = run(Level::Scalar, false, kind, peephole);
        // The backward pass really ran: every gate gradient has nonzero values.
        assert!(want.dgx.iter().chain(&want.dgh).all(|d| d.is_empty() || d.iter().any(|&v| v != 0.0)));
        let wide = available_levels().into_iter().filter(|&l| l != Level::Scalar && avx512_available()).map(|l| (l, true));
        for (level, wide) in available_levels().into_iter().map(|l| (l, false)).chain(wide) {
            let got = run(level, wide, kind, peephole);
            let what = format!("{kind:?} peephole {peephole} at {level:?} (16 lanes: {wide})");
            assert_close(&got.gates, &want.gates, &format!("{what}: gates"));
            let states = |r: &Run| vec![r.h.clone(), r.c.clone(), r.dc.clone(), r.dh_prev.clone()];
            assert_close(&states(&got), &states(&want), &format!("{what}: h, c, dc, dh_prev"));
            assert_close(&got.dgx, &want.dgx, &format!("{what}: dgx"));
            assert_close(&got.dgh, &want.dgh, &format!("{what}: dgh"));
            assert_close(&got.dpeephole, &want.dpeephole, &format!("{what}: dpeephole"));
        }
    }
}
