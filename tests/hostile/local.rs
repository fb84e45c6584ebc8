//! Local attacks: files, processes, home directories and values that overflow.
