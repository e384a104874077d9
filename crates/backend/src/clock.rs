//! Time as the store keeps it: RFC 3339 UTC text for dates people read (sortable as text on
//! both databases), Unix seconds for expiry arithmetic.

use chrono::{SecondsFormat, Utc};

pub fn now_rfc3339() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub fn unix_now() -> i64 {
    Utc::now().timestamp()
}
