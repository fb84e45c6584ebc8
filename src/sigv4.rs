//! SigV4 signing (to be written).
