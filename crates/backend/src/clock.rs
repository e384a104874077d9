//! Time as the store keeps it: RFC 3339 UTC text for dates people read (sortable as text on
//! both databases), Unix seconds for expiry arithmetic.
//!
//! The expiry rules (sessions, access tokens, emailed links, mail retries) read the
//! `Backend`'s [`Clock`], so that a test can move time forward instead of sleeping. The free
//! functions read the system clock, for dates that no rule compares.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};

pub fn now_rfc3339() -> String {
    rfc3339(Utc::now())
}

pub fn unix_now() -> i64 {
    Utc::now().timestamp()
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The system clock plus an offset that only [`Clock::advance`] changes. Clones share the
/// offset, so advancing a test's clone moves the server's time too.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    /// The system's time, as production runs.
    pub fn system() -> Clock {
        Clock::default()
    }

    pub fn now(&self) -> DateTime<Utc> {
        let now = Utc::now();
        TimeDelta::try_milliseconds(self.offset_ms.load(Ordering::Relaxed))
            .and_then(|offset| now.checked_add_signed(offset))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    pub fn now_rfc3339(&self) -> String {
        rfc3339(self.now())
    }

    pub fn unix_now(&self) -> i64 {
        self.now().timestamp()
    }

    /// Moves this clock and all its clones forward by `by`. For tests: nothing in the
    /// service calls it.
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        // The closure always answers Some: the update cannot fail.
        let _ = self.offset_ms.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |o| Some(o.saturating_add(ms)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_a_clone_moves_every_clone() {
        let clock = Clock::system();
        let other = clock.clone();
        let before = clock.unix_now();
        other.advance(Duration::from_secs(3600));
        let after = clock.unix_now();
        assert!((3600..3602).contains(&(after - before)), "{}", after - before);
        assert!(clock.now_rfc3339() > now_rfc3339(), "RFC 3339 UTC text sorts as time");
        assert!(Clock::system().unix_now() - unix_now() < 2, "a new clock reads the system's time");
    }
}
