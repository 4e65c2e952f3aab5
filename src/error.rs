//! The errors a command can end with, and the exit code each gives.

use crate::input::InputErrors;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input files: exit code 2.
    #[error("{0}")]
    Input(#[from] InputErrors),
    /// Bad command-line usage: exit code 2.
    #[error("{0}")]
    Usage(String),
    /// Something failed while running (for example an output could not be written): exit code 1.
    #[error("{0}")]
    Run(String),
    /// Ctrl-C (or SIGTERM) before any output was written: exit code 130.
    #[error("interrupted: stopped before writing anything; earlier outputs are as they were")]
    Interrupted,
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(_) | Error::Usage(_) => 2,
            Error::Run(_) => 1,
            Error::Interrupted => 130,
        }
    }
}

impl From<crate::input::InputError> for Error {
    fn from(e: crate::input::InputError) -> Self {
        Error::Input(e.into())
    }
}
