//! Limits at the credential doors (dashboard login, `/oauth/token`, sign-up, activation and
//! password reset), per client address, with `governor` (GCRA, one state per address):
//!
//! - **attempts**: every request at a door takes one; beyond the quota, 429 with the wait.
//! - **failed credentials**: every wrong password or client secret takes one of the
//!   address's failures; when none is left the address is refused (429) before any account
//!   is looked at. Lockout (three wrong passwords block an operator) is a weapon otherwise:
//!   one address may fail only a few times per window, so it cannot block everyone.
//!
//! - **held refusals**: a refusal at a door (429, or 503 when every argon2 slot is busy) is
//!   answered after a delay (a tarpit). A guessing tool runs a fixed number of requests at
//!   once, each sent when the last is answered: answered at once, 200 of them kept the two
//!   cores busy with refusals (20,000/s) and every other request queued behind them; held a
//!   second, they send 200 a second. A held refusal is a timer and a socket, no work; at most
//!   `MAX_HELD_REFUSALS` are held at once, later ones are answered at once (so a flood
//!   cannot pile up connections without end).
//!
//! The state is in memory, per process (a second process has its own); what must be shared
//! (each account's failed logins and lockout, emails per address) is in the database.
//! IPv6 addresses are counted by /64, the block one subscriber holds.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use governor::clock::{Clock as _, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::auth::RequestMeta;
use crate::error::{Error, Result};

/// The quotas, from the command line (`server serve --help`).
#[derive(Clone, Debug)]
pub struct RateLimitSettings {
    /// Requests at the credential doors per address and minute (also the burst).
    pub attempts_per_minute: NonZeroU32,
    /// Failed credentials an address may give per window before it is refused.
    pub failures_per_window: NonZeroU32,
    /// The window over which those failures come back (one every window ÷ failures).
    pub failure_window: Duration,
    /// How long a refusal at a door is held before it is answered (a 429 never longer than
    /// the wait it announces, a 503 `MAX_BUSY_HOLD` at most).
    pub refusal_delay: Duration,
}

/// Refusals held at once at most; beyond, they are answered at once. Each holds a socket
/// (and a request body of at most the server's 16 KiB for these doors).
pub const MAX_HELD_REFUSALS: usize = 512;

/// A busy machine's 503 announces no wait: it is held this long at most.
const MAX_BUSY_HOLD: Duration = Duration::from_secs(1);

impl Default for RateLimitSettings {
    fn default() -> Self {
        RateLimitSettings {
            attempts_per_minute: NonZeroU32::MIN.saturating_add(29),
            failures_per_window: NonZeroU32::MIN.saturating_add(9),
            failure_window: Duration::from_secs(15 * 60),
            refusal_delay: Duration::from_secs(1),
        }
    }
}

/// One per service; cheap to clone.
#[derive(Clone)]
pub struct RateLimits(Arc<Limiters>);

struct Limiters {
    attempts: DefaultKeyedRateLimiter<IpAddr>,
    failures: DefaultKeyedRateLimiter<IpAddr, StateInformationMiddleware>,
    /// The time one failure comes back.
    failure_period: Duration,
    /// Addresses with no failure left, until when.
    shut: Mutex<std::collections::HashMap<IpAddr, Instant>>,
    refusal_delay: Duration,
    /// The refusals being held (a slot each).
    held_refusals: Arc<tokio::sync::Semaphore>,
}

impl RateLimits {
    pub fn new(settings: &RateLimitSettings) -> RateLimits {
        let failure_period = settings.failure_window / settings.failures_per_window.get();
        let failures = Quota::with_period(failure_period.max(Duration::from_millis(1)))
            .unwrap_or(Quota::per_hour(NonZeroU32::MIN))
            .allow_burst(settings.failures_per_window);
        RateLimits(Arc::new(Limiters {
            attempts: RateLimiter::keyed(Quota::per_minute(settings.attempts_per_minute)),
            failures: RateLimiter::keyed(failures).with_middleware::<StateInformationMiddleware>(),
            failure_period,
            shut: Mutex::default(),
            refusal_delay: settings.refusal_delay,
            held_refusals: Arc::new(tokio::sync::Semaphore::new(MAX_HELD_REFUSALS)),
        }))
    }

    /// Holds a refusal (429 or 503) before it is answered: the configured delay, at most
    /// the wait it announces, which is then that much shorter; at once when
    /// `MAX_HELD_REFUSALS` are already held. Other outcomes pass as they are.
    async fn hold_refusal<T>(&self, outcome: Result<T>) -> Result<T> {
        let delay = match &outcome {
            Err(Error::RateLimited { retry_after }) => self.0.refusal_delay.min(*retry_after),
            Err(Error::Busy) => self.0.refusal_delay.min(MAX_BUSY_HOLD),
            _ => return outcome,
        };
        if delay.is_zero() {
            return outcome;
        }
        let Ok(_slot) = self.0.held_refusals.try_acquire() else { return outcome };
        tokio::time::sleep(delay).await;
        match outcome {
            Err(Error::RateLimited { retry_after }) => {
                Err(Error::RateLimited { retry_after: retry_after.saturating_sub(delay) })
            }
            other => other,
        }
    }

    /// Lets one request through a credential door, or refuses it with the wait. A request
    /// from no address (the command line, start-up) is not limited.
    pub fn admit(&self, meta: &RequestMeta) -> Result<()> {
        let Some(address) = counted_address(meta) else { return Ok(()) };
        if let Some(until) = self.shut_until(address) {
            return Err(Error::RateLimited { retry_after: until.saturating_duration_since(Instant::now()) });
        }
        self.0.attempts.check_key(&address).map_err(|not_until| Error::RateLimited {
            retry_after: not_until.wait_time_from(DefaultClock::default().now()),
        })
    }

    /// Takes one of the address's failures; the last one shuts the address until a failure
    /// comes back.
    pub fn count_failure(&self, meta: &RequestMeta) {
        let Some(address) = counted_address(meta) else { return };
        let left = self.0.failures.check_key(&address).map_or(0, |state| state.remaining_burst_capacity());
        if left == 0 {
            tracing::warn!(%address, "an address used its failed logins: refused until one comes back");
            let until = Instant::now() + self.0.failure_period;
            self.0.shut.lock().unwrap_or_else(|e| e.into_inner()).insert(address, until);
        }
    }

    fn shut_until(&self, address: IpAddr) -> Option<Instant> {
        let mut shut = self.0.shut.lock().unwrap_or_else(|e| e.into_inner());
        match shut.get(&address) {
            Some(until) if *until > Instant::now() => Some(*until),
            Some(_) => {
                shut.remove(&address);
                None
            }
            None => None,
        }
    }

    /// Forgets the addresses whose limits are back to full (run by the sweeper), so that
    /// the state keeps the size of the recent traffic.
    pub fn forget_idle(&self) {
        self.0.attempts.retain_recent();
        self.0.attempts.shrink_to_fit();
        self.0.failures.retain_recent();
        self.0.failures.shrink_to_fit();
        let now = Instant::now();
        self.0.shut.lock().unwrap_or_else(|e| e.into_inner()).retain(|_, until| *until > now);
    }
}

impl crate::Backend {
    /// Uses these limits from now on (the command line's; tests pick their own).
    pub fn with_rate_limits(mut self, settings: &RateLimitSettings) -> crate::Backend {
        self.rate_limits = RateLimits::new(settings);
        self
    }

    /// Runs one attempt at a credential door: admitted by the address's limits first, a
    /// refused credential counted against the address, a refusal for the limits or a busy
    /// machine held before it is answered.
    pub(crate) async fn at_credential_door<T>(
        &self,
        meta: &RequestMeta,
        attempt: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        let outcome = match self.rate_limits.admit(meta) {
            Ok(()) => attempt.await,
            Err(refused) => {
                // Not to keep what it carries (a password) through the hold.
                drop(attempt);
                Err(refused)
            }
        };
        if matches!(outcome, Err(Error::InvalidCredentials | Error::InvalidCode)) {
            self.rate_limits.count_failure(meta);
        }
        self.rate_limits.hold_refusal(outcome).await
    }
}

/// The key an address is counted under: itself, or its /64 for IPv6.
fn counted_address(meta: &RequestMeta) -> Option<IpAddr> {
    let address: IpAddr = meta.client_ip.as_deref()?.parse().ok()?;
    Some(match address {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        },
        v4 => v4,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(ip: &str) -> RequestMeta {
        RequestMeta { request_id: "test".into(), client_ip: Some(ip.into()), user_agent: None }
    }

    fn settings(attempts: u32, failures: u32) -> RateLimitSettings {
        RateLimitSettings {
            attempts_per_minute: NonZeroU32::new(attempts).unwrap(),
            failures_per_window: NonZeroU32::new(failures).unwrap(),
            failure_window: Duration::from_secs(600),
            refusal_delay: Duration::ZERO,
        }
    }

    #[test]
    fn attempts_beyond_the_quota_wait_and_other_addresses_do_not() {
        let limits = RateLimits::new(&settings(3, 10));
        for _ in 0..3 {
            limits.admit(&from("203.0.113.7")).unwrap();
        }
        let Err(Error::RateLimited { retry_after }) = limits.admit(&from("203.0.113.7")) else {
            panic!("the fourth attempt in a minute must wait")
        };
        assert!(retry_after > Duration::ZERO && retry_after <= Duration::from_secs(20), "{retry_after:?}");
        limits.admit(&from("203.0.113.8")).unwrap();
        // No address (the command line): never limited.
        for _ in 0..10 {
            limits.admit(&RequestMeta::local()).unwrap();
        }
    }

    #[test]
    fn the_last_failure_shuts_the_address_alone() {
        let limits = RateLimits::new(&settings(100, 2));
        limits.count_failure(&from("198.51.100.1"));
        limits.admit(&from("198.51.100.1")).unwrap();
        limits.count_failure(&from("198.51.100.1"));
        let Err(Error::RateLimited { retry_after }) = limits.admit(&from("198.51.100.1")) else {
            panic!("an address out of failures is refused")
        };
        // One failure comes back every 600 s / 2.
        assert!(retry_after > Duration::from_secs(290) && retry_after <= Duration::from_secs(300), "{retry_after:?}");
        limits.admit(&from("198.51.100.2")).unwrap();
    }

    #[tokio::test]
    async fn refusals_are_held_up_to_the_cap_and_announce_the_rest_of_the_wait() {
        // Long enough that "at once" (microseconds) cannot be mistaken for "held" on a busy machine.
        let delay = Duration::from_secs(1);
        let limits = RateLimits::new(&RateLimitSettings { refusal_delay: delay, ..settings(1, 10) });
        let started = Instant::now();
        let refused = limits.hold_refusal::<()>(Err(Error::RateLimited { retry_after: Duration::from_secs(5) })).await;
        assert!(started.elapsed() >= delay, "held {:?}", started.elapsed());
        let Err(Error::RateLimited { retry_after }) = refused else { panic!("{refused:?}") };
        assert_eq!(retry_after, Duration::from_secs(5) - delay, "the wait already spent is not announced again");
        // Never held past the wait it announces.
        let started = Instant::now();
        let refused =
            limits.hold_refusal::<()>(Err(Error::RateLimited { retry_after: Duration::from_millis(20) })).await;
        assert!(started.elapsed() < delay, "held {:?} for a 20 ms wait", started.elapsed());
        assert!(matches!(refused, Err(Error::RateLimited { retry_after }) if retry_after.is_zero()));
        // A busy machine's 503 is held too; an ordinary outcome is not.
        let started = Instant::now();
        assert!(matches!(limits.hold_refusal::<()>(Err(Error::Busy)).await, Err(Error::Busy)));
        assert!(started.elapsed() >= delay);
        let started = Instant::now();
        assert!(matches!(
            limits.hold_refusal::<()>(Err(Error::InvalidCredentials)).await,
            Err(Error::InvalidCredentials)
        ));
        assert!(limits.hold_refusal(Ok(7)).await.is_ok_and(|n| n == 7));
        assert!(started.elapsed() < delay, "only refusals for the limits or a busy machine are held");
        // With every holding slot taken, a refusal is answered at once.
        let _all = limits.0.held_refusals.try_acquire_many(MAX_HELD_REFUSALS as u32).unwrap();
        let started = Instant::now();
        let refused = limits.hold_refusal::<()>(Err(Error::RateLimited { retry_after: Duration::from_secs(5) })).await;
        assert!(started.elapsed() < delay, "held {:?} beyond the cap", started.elapsed());
        assert!(matches!(refused, Err(Error::RateLimited { retry_after }) if retry_after == Duration::from_secs(5)));
    }

    #[test]
    fn ipv6_is_counted_by_its_64_block() {
        let limits = RateLimits::new(&settings(2, 10));
        limits.admit(&from("2001:db8:1:2::1")).unwrap();
        limits.admit(&from("2001:db8:1:2:ffff::9")).unwrap();
        assert!(matches!(limits.admit(&from("2001:db8:1:2::abcd")), Err(Error::RateLimited { .. })));
        limits.admit(&from("2001:db8:1:3::1")).unwrap();
        // An IPv4 address written as IPv6 is the IPv4 address.
        limits.admit(&from("::ffff:192.0.2.1")).unwrap();
        limits.admit(&from("192.0.2.1")).unwrap();
        assert!(matches!(limits.admit(&from("192.0.2.1")), Err(Error::RateLimited { .. })));
    }
}
