//! `sts console` (placeholder until the command lands).
