//! Bounds on one evaluation. Values are shared (`[@, @]` copies two pointers, not the tree), so a
//! short expression can describe a result far larger than memory; whatever walks or builds it
//! pays for every step here, and past [`Limits`] the evaluation stops with
//! [`ErrorKind::TooMuchWork`] instead of running for minutes or exhausting memory.
//!
//! Two counters: work (a node evaluated, an element visited, a pair of values compared, 64 bytes
//! of a string scanned or 2 written) and bytes built (arrays, objects and strings the evaluation allocates,
//! charged before they are allocated, freed ones not credited back).

use super::{Error, ErrorKind};
use std::cell::Cell;

/// How much one evaluation may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Steps of work.
    pub steps: u64,
    /// Bytes of arrays, objects and strings built.
    pub bytes: u64,
}

impl Limits {
    /// What `--query` allows: far beyond any query on an STS response (a few hundred steps and
    /// kilobytes), and still a fraction of a second and a few tens of megabytes.
    pub const DEFAULT: Limits = Limits {
        steps: 10_000_000,
        bytes: 64 << 20,
    };
}

/// The bytes one element of a new array costs.
pub const SLOT: u64 = std::mem::size_of::<super::Value>() as u64;

/// The bytes one member of a new object costs.
pub const MEMBER: u64 = std::mem::size_of::<(std::rc::Rc<str>, super::Value)>() as u64;

/// The string bytes one step of work scans (compares, searches).
const BYTES_PER_STEP: u64 = 64;

/// The string bytes one step of work writes (escaping, formatting numbers, reversing
/// characters: far slower per byte than a scan).
const BYTES_WRITTEN_PER_STEP: u64 = 2;

/// What one evaluation has used. Shared by reference (the counters are cells) so that sort
/// comparators can charge too; once a limit is passed every later charge fails.
#[derive(Debug)]
pub struct Budget {
    limits: Limits,
    steps: Cell<u64>,
    bytes: Cell<u64>,
}

impl Budget {
    /// A fresh budget of `limits`.
    pub fn new(limits: Limits) -> Budget {
        Budget {
            limits,
            steps: Cell::new(0),
            bytes: Cell::new(0),
        }
    }

    /// No limit (for comparisons outside an evaluation, such as `==` on values in tests).
    pub fn unlimited() -> Budget {
        Budget::new(Limits {
            steps: u64::MAX,
            bytes: u64::MAX,
        })
    }

    /// Charges `n` steps of work.
    pub fn work(&self, n: u64) -> Result<(), Error> {
        let used = self.steps.get().saturating_add(n);
        self.steps.set(used);
        if used > self.limits.steps {
            return Err(Error::new(
                ErrorKind::TooMuchWork,
                format!(
                    "The --query expression does too much work: it needs more than {} steps",
                    self.limits.steps
                ),
            ));
        }
        self.check_bytes()
    }

    /// Charges a scan of `len` bytes of strings.
    pub fn scan(&self, len: usize) -> Result<(), Error> {
        self.work(1 + to_u64(len) / BYTES_PER_STEP)
    }

    /// Charges `n` bytes about to be built.
    pub fn build(&self, n: u64) -> Result<(), Error> {
        self.bytes.set(self.bytes.get().saturating_add(n));
        self.check_bytes()?;
        self.work(0)
    }

    /// Charges a new array of `len` elements (and a step per element to fill it).
    pub fn array(&self, len: usize) -> Result<(), Error> {
        self.build(to_u64(len).saturating_mul(SLOT))?;
        self.work(to_u64(len))
    }

    /// Charges a new object of `len` members.
    pub fn object(&self, len: usize) -> Result<(), Error> {
        self.build(to_u64(len).saturating_mul(MEMBER))?;
        self.work(to_u64(len))
    }

    /// Charges a new string of `len` bytes, written.
    pub fn string(&self, len: usize) -> Result<(), Error> {
        self.build(to_u64(len))?;
        self.work(1 + to_u64(len) / BYTES_WRITTEN_PER_STEP)
    }

    /// Whether a limit has been passed (for code that cannot return an error, such as a sort
    /// comparator, which then stops comparing).
    pub fn exceeded(&self) -> bool {
        self.steps.get() > self.limits.steps || self.bytes.get() > self.limits.bytes
    }

    /// The error for a passed limit, if one was.
    pub fn check(&self) -> Result<(), Error> {
        self.work(0)
    }

    fn check_bytes(&self) -> Result<(), Error> {
        if self.bytes.get() > self.limits.bytes {
            return Err(Error::new(
                ErrorKind::TooMuchWork,
                format!(
                    "The --query expression builds too much: its values need more than {}",
                    size(self.limits.bytes)
                ),
            ));
        }
        Ok(())
    }
}

/// `n` bytes for a message: in MiB or GiB from one of them on.
pub fn size(n: u64) -> String {
    const MIB: u64 = 1 << 20;
    const GIB: u64 = 1 << 30;
    match n {
        n if n >= GIB && (n % GIB == 0 || n >= 100 * GIB) => format!("{} GiB", n / GIB),
        n if n >= GIB => format!("{:.1} GiB", n as f64 / GIB as f64),
        n if n >= MIB && n % MIB == 0 => format!("{} MiB", n / MIB),
        n if n >= MIB => format!("{:.1} MiB", n as f64 / MIB as f64),
        n => format!("{n} bytes"),
    }
}

/// A length as `u64` (lossless on every platform Rust supports; saturating otherwise).
pub fn to_u64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}
