//! Where is the chip: delay-based, signed location verification for
//! licensed accelerators.
//!
//! A landmark sends a chip a fresh nonce; the chip signs it with its device
//! key; the landmark times the round trip. Nothing travels faster than
//! light, so a signed answer in `RTT` proves that the key was within
//! `RTT / 2 × c` of the landmark. The verifier checks the signatures, the
//! freshness and the nonces, draws each landmark's disk, intersects them
//! (the feasible region), finds the countries the region reaches and
//! decides: [`Outcome::VerifiedIn`], [`Outcome::Ambiguous`],
//! [`Outcome::Inconsistent`], [`Outcome::Stale`] or
//! [`Outcome::BadSignature`], with an explanation.
//!
//! * [`record`]: measurement records and the JSON Lines batch parser;
//! * [`geo`]: great-circle distances and disks;
//! * [`region`]: the feasible region;
//! * [`countries`]: offline country boundaries;
//! * [`verify`](mod@verify): the verifier;
//! * [`sim`]: a fleet simulator with adversaries, for the detection and
//!   false-alarm rates.
//!
//! No HTTP, no clock: the verification time is an argument.
#![warn(missing_docs)]

pub mod countries;
pub mod geo;
pub mod record;
pub mod region;
pub mod sim;
pub mod verify;

pub use ed25519_dalek::{SigningKey, VerifyingKey};
pub use geo::{Disk, LatLon};
pub use record::{BatchError, Measurement, parse_batch};
pub use verify::{
    Bound, Chip, FIBRE_KM_PER_MS, Landmark, Outcome, Placement, Policy, SeenNonces, Site,
    VACUUM_KM_PER_MS, Verdict, verify,
};

/// A chip's device key from a seed (for simulations, tests and examples:
/// a real key lives in the chip and never leaves it).
pub fn key_from_seed(seed: &str) -> SigningKey {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("chipexport-locate-key/v1\0{seed}").as_bytes());
    let mut bytes = [0u8; 32];
    bytes.copy_from_slice(&digest);
    SigningKey::from_bytes(&bytes)
}

/// A public key from hex; `None` unless it is 32 bytes that make a valid
/// Ed25519 point.
pub fn verifying_key(hex: &str) -> Option<VerifyingKey> {
    let bytes: [u8; 32] = record::unhex(hex)?.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}
