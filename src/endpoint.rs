//! STS endpoint rules (to be written).
