//! [`SandboxError`]: why a sandbox could not start, with a stable code. Below the configuration
//! and the catalogue, which both report through it.

/// Why a sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot listen on {addr}: {message}")]
    Bind { addr: String, message: String },
    #[error("invalid catalogue {source_name}: {message}")]
    Catalog { source_name: String, message: String },
    #[error("invalid configuration: {0}")]
    Config(String),
}

impl SandboxError {
    /// A stable code for scripts and logs.
    pub fn code(&self) -> &'static str {
        match self {
            SandboxError::Bind { .. } => "bind_failed",
            SandboxError::Catalog { .. } => "invalid_catalog",
            SandboxError::Config(_) => "invalid_config",
        }
    }
}
