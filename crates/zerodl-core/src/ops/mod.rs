//! Tensor-level ops: check shapes, allocate the result, run the kernels (in parallel when large).
//! Errors name the op and both shapes, so a user can see what they passed.

mod elementwise;
mod gather;
mod matmul;
mod reduce;
mod softmax;

pub use elementwise::{add, exp, mul, relu, scale, sigmoid, sub, tanh};
pub use gather::gather_rows;
pub use matmul::{matmul, MatmulOptions};
pub use reduce::{sum, sum_all};
pub use softmax::{log_softmax, softmax};
