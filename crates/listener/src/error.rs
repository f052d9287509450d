//! The listener's errors, each with a stable code for the UI boundary.

#[derive(Debug, thiserror::Error)]
pub enum ListenerError {
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind { port: u16, source: std::io::Error },
    #[error("cannot start a listener thread: {0}")]
    Thread(std::io::Error),
    #[error("invalid listener configuration: {0}")]
    Config(&'static str),
}

impl ListenerError {
    /// Stable, for the UI to translate; never parse the message instead.
    pub fn code(&self) -> &'static str {
        match self {
            ListenerError::Bind { .. } => "listener_bind",
            ListenerError::Thread(_) => "listener_thread",
            ListenerError::Config(_) => "listener_config",
        }
    }
}
