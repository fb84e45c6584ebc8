//! The default credential chain.

/// The default chain.
#[derive(Debug)]
pub struct DefaultChain;
