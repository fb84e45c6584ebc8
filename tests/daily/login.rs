//! `sts login` / `sts logout` (placeholder until the commands land).
