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

/// Unix seconds as the RFC 3339 text people read (out-of-range values read as the epoch).
pub fn unix_to_rfc3339(secs: i64) -> String {
    rfc3339(DateTime::from_timestamp(secs, 0).unwrap_or_default())
}

/// A new `modified_date` for a row last modified at `previous`: now, or a millisecond after
/// `previous` when the clock has not moved past it (two changes in one millisecond), so that
/// a stale-edit check comparing modified dates always sees a change.
pub fn modified_after(previous: &str) -> String {
    let now = rfc3339(Utc::now());
    match DateTime::parse_from_rfc3339(previous) {
        // Same format, so the text compares as the instants do.
        Ok(prev) if now.as_str() <= previous => rfc3339(prev.with_timezone(&Utc) + TimeDelta::milliseconds(1)),
        _ => now,
    }
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

    #[test]
    fn a_modified_date_always_moves_past_the_previous_one() {
        let now = now_rfc3339();
        assert!(modified_after(&now) > now, "same millisecond: one more");
        let future = "2999-01-01T00:00:00.999Z";
        assert_eq!(modified_after(future), "2999-01-01T00:00:01.000Z");
        let past = "2001-01-01T00:00:00.000Z";
        assert!(modified_after(past) >= now, "the past: now");
        assert!(modified_after("garbage") >= now);
    }
}
