//! Network attacks: hostile servers, bodies and proxies.
