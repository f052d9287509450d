//! [`FaultDice`]: the faults in force and the randomness that decides when they strike — shared
//! by the REST API (5xx, 429, garbage, slowness) and webhook sending (duplicates, drops, delays).
//!
//! Not here: where a fault applies (the API and the webhook sender decide).

use std::time::Duration;

use crate::config::Faults;

/// The current faults and the randomness that decides when they strike.
pub struct FaultDice {
    pub faults: Faults,
    pub rng: fastrand::Rng,
}

impl FaultDice {
    pub fn new(faults: Faults, seed: Option<u64>) -> FaultDice {
        let rng = seed.map(fastrand::Rng::with_seed).unwrap_or_default();
        FaultDice { faults, rng }
    }

    /// True with probability `rate` (never for 0, so no randomness is used up when off).
    pub fn roll(&mut self, rate: f64) -> bool {
        rate > 0.0 && self.rng.f64() < rate
    }

    /// A delay drawn from the `delay_ms` fault.
    pub fn delay(&mut self) -> Duration {
        let (min, max) = self.faults.delay_ms;
        if max == 0 {
            return Duration::ZERO;
        }
        Duration::from_millis(self.rng.u64(min.min(max)..=max))
    }
}
