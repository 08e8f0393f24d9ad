//! One error type for the whole core, with stable codes the JS side can switch on.

use std::fmt;

/// What went wrong, as a stable machine-readable code (see [`ErrorKind::code`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Two shapes that must agree do not (the message names both).
    ShapeMismatch,
    /// An argument is out of its domain (negative dim, wrong data length, unknown name...).
    InvalidArgument,
    /// A value that must be finite is NaN or infinite.
    NonFinite,
    /// A saved model file is corrupt or not ours.
    BadModelFile,
    /// A tensor was used after `dispose()`.
    Disposed,
    /// A buffer sized by the caller's input is over the size limit or was refused by the system
    /// (see `memory`).
    OutOfMemory,
    /// A bug in zerodl (for example a caught panic); never the caller's fault.
    Internal,
}

impl ErrorKind {
    /// The `code` property the JS error carries. Stable: users switch on these strings.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::ShapeMismatch => "ERR_SHAPE_MISMATCH",
            ErrorKind::InvalidArgument => "ERR_INVALID_ARGUMENT",
            ErrorKind::NonFinite => "ERR_NON_FINITE",
            ErrorKind::BadModelFile => "ERR_BAD_MODEL_FILE",
            ErrorKind::Disposed => "ERR_DISPOSED",
            ErrorKind::OutOfMemory => "ERR_OUT_OF_MEMORY",
            ErrorKind::Internal => "ERR_INTERNAL",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { kind, message: message.into() }
    }

    pub fn shape_mismatch(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::ShapeMismatch, message)
    }

    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidArgument, message)
    }

    pub fn code(&self) -> &'static str {
        self.kind.code()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.code(), self.message)
    }
}

impl std::error::Error for Error {}

/// Shorthand for an early `return Err(Error::invalid_argument(format!(...)))`.
#[macro_export]
macro_rules! invalid_arg {
    ($($arg:tt)*) => {
        return Err($crate::Error::invalid_argument(format!($($arg)*)))
    };
}
