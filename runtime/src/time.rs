//! Timestamps and their three wire formats.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use time::format_description::well_known::{Rfc2822, Rfc3339};
use time::OffsetDateTime;

use crate::schema::TimestampFormat;

/// A point in time with nanosecond precision, UTC.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct DateTime {
    secs: i64,
    nanos: u32,
}

/// A timestamp on the wire that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {format} timestamp {text:?}")]
pub struct TimestampError {
    pub format: &'static str,
    pub text: String,
}

impl DateTime {
    pub const fn from_secs(secs: i64) -> DateTime {
        DateTime { secs, nanos: 0 }
    }

    /// `nanos` must be below one second.
    pub fn from_secs_and_nanos(secs: i64, nanos: u32) -> DateTime {
        assert!(nanos < 1_000_000_000, "nanos out of range");
        DateTime { secs, nanos }
    }

    pub fn from_secs_f64(secs: f64) -> DateTime {
        let whole = secs.floor();
        let mut nanos = ((secs - whole) * 1e9).round() as u32;
        let mut whole = whole as i64;
        if nanos >= 1_000_000_000 {
            whole += 1;
            nanos -= 1_000_000_000;
        }
        DateTime { secs: whole, nanos }
    }

    pub fn now() -> DateTime {
        SystemTime::now().into()
    }

    pub fn secs(&self) -> i64 {
        self.secs
    }

    pub fn subsec_nanos(&self) -> u32 {
        self.nanos
    }

    pub fn as_secs_f64(&self) -> f64 {
        self.secs as f64 + self.nanos as f64 / 1e9
    }

    fn to_offset(self) -> OffsetDateTime {
        let nanos = self.secs as i128 * 1_000_000_000 + self.nanos as i128;
        OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    fn from_offset(t: OffsetDateTime) -> DateTime {
        DateTime {
            secs: t.unix_timestamp(),
            nanos: t.nanosecond(),
        }
    }

    /// Formats for the wire.
    pub fn format(&self, format: TimestampFormat) -> String {
        match format {
            TimestampFormat::Iso8601 => self.to_iso8601(),
            TimestampFormat::Rfc822 => self.to_http_date(),
            TimestampFormat::UnixTimestamp => self.to_epoch_string(),
        }
    }

    /// Parses from the wire. Epoch seconds may carry a fraction; ISO 8601 may
    /// carry an offset or omit fractional seconds.
    pub fn parse(format: TimestampFormat, text: &str) -> Result<DateTime, TimestampError> {
        match format {
            TimestampFormat::Iso8601 => DateTime::parse_iso8601(text),
            TimestampFormat::Rfc822 => DateTime::parse_http_date(text),
            TimestampFormat::UnixTimestamp => DateTime::parse_epoch(text),
        }
    }

    /// `2014-04-29T18:30:38Z`, with milliseconds only when present.
    pub fn to_iso8601(&self) -> String {
        let t = self.to_offset();
        let base = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            t.year(),
            t.month() as u8,
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        );
        if self.nanos == 0 {
            format!("{base}Z")
        } else {
            let frac = format!("{:09}", self.nanos);
            format!("{base}.{}Z", frac.trim_end_matches('0'))
        }
    }

    /// `Tue, 29 Apr 2014 18:30:38 GMT`.
    pub fn to_http_date(&self) -> String {
        let t = self.to_offset();
        const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        format!(
            "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
            DAYS[t.weekday().number_days_from_monday() as usize],
            t.day(),
            MONTHS[t.month() as usize - 1],
            t.year(),
            t.hour(),
            t.minute(),
            t.second()
        )
    }

    /// Epoch seconds, with a fraction only when present (`1398796238.123`).
    pub fn to_epoch_string(&self) -> String {
        if self.nanos == 0 {
            self.secs.to_string()
        } else {
            let frac = format!("{:09}", self.nanos);
            format!("{}.{}", self.secs, frac.trim_end_matches('0'))
        }
    }

    fn err(format: &'static str, text: &str) -> TimestampError {
        TimestampError {
            format,
            text: text.to_owned(),
        }
    }

    pub fn parse_iso8601(text: &str) -> Result<DateTime, TimestampError> {
        let t = text.trim();
        if let Ok(v) = OffsetDateTime::parse(t, &Rfc3339) {
            return Ok(DateTime::from_offset(v));
        }
        // Some services omit the zone designator or use a lower-case one.
        let upper = t.to_ascii_uppercase();
        let with_zone = if upper.ends_with('Z') || upper.contains('+') {
            upper
        } else {
            format!("{upper}Z")
        };
        OffsetDateTime::parse(&with_zone, &Rfc3339)
            .map(DateTime::from_offset)
            .map_err(|_| DateTime::err("iso8601", text))
    }

    pub fn parse_http_date(text: &str) -> Result<DateTime, TimestampError> {
        let t = text.trim();
        // RFC 2822 parsing in `time` accepts "GMT" as a zone.
        OffsetDateTime::parse(t, &Rfc2822)
            .map(DateTime::from_offset)
            .or_else(|_| {
                // Fractional seconds appear in some responses (`18:30:38.123 GMT`).
                let (head, zone) = t.rsplit_once(' ').ok_or(())?;
                let (whole, frac) = head.rsplit_once('.').ok_or(())?;
                let base =
                    OffsetDateTime::parse(&format!("{whole} {zone}"), &Rfc2822).map_err(|_| ())?;
                let nanos: u32 = format!("{frac:0<9}")[..9].parse().map_err(|_| ())?;
                Ok::<_, ()>(DateTime::from_secs_and_nanos(base.unix_timestamp(), nanos))
            })
            .map_err(|_| DateTime::err("rfc822", text))
    }

    pub fn parse_epoch(text: &str) -> Result<DateTime, TimestampError> {
        let t = text.trim();
        if let Ok(secs) = t.parse::<i64>() {
            return Ok(DateTime::from_secs(secs));
        }
        // Exact decimal fractions (`946845296.123`), without a round trip through f64.
        if let Some((whole, frac)) = t.split_once('.') {
            let digits = frac.len().min(9);
            if let (Ok(secs), Ok(n)) = (whole.parse::<i64>(), frac[..digits].parse::<u32>()) {
                if !whole.starts_with('-') && frac.bytes().all(|b| b.is_ascii_digit()) {
                    return Ok(DateTime::from_secs_and_nanos(
                        secs,
                        n * 10u32.pow(9 - digits as u32),
                    ));
                }
            }
        }
        match t.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(DateTime::from_secs_f64(f)),
            _ => Err(DateTime::err("unixTimestamp", text)),
        }
    }
}

impl From<SystemTime> for DateTime {
    fn from(t: SystemTime) -> DateTime {
        match t.duration_since(UNIX_EPOCH) {
            Ok(d) => DateTime {
                secs: d.as_secs() as i64,
                nanos: d.subsec_nanos(),
            },
            Err(e) => {
                let d = e.duration();
                let mut secs = -(d.as_secs() as i64);
                let mut nanos = d.subsec_nanos();
                if nanos > 0 {
                    secs -= 1;
                    nanos = 1_000_000_000 - nanos;
                }
                DateTime { secs, nanos }
            }
        }
    }
}

impl From<DateTime> for SystemTime {
    fn from(t: DateTime) -> SystemTime {
        if t.secs >= 0 {
            UNIX_EPOCH + Duration::new(t.secs as u64, t.nanos)
        } else {
            UNIX_EPOCH - Duration::from_secs(t.secs.unsigned_abs())
                + Duration::from_nanos(t.nanos as u64)
        }
    }
}

impl fmt::Debug for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_iso8601())
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_iso8601())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_round_trip() {
        let t = DateTime::from_secs(1398796238);
        assert_eq!(t.to_iso8601(), "2014-04-29T18:30:38Z");
        assert_eq!(t.to_http_date(), "Tue, 29 Apr 2014 18:30:38 GMT");
        assert_eq!(t.to_epoch_string(), "1398796238");
        for f in [
            TimestampFormat::Iso8601,
            TimestampFormat::Rfc822,
            TimestampFormat::UnixTimestamp,
        ] {
            assert_eq!(DateTime::parse(f, &t.format(f)).unwrap(), t);
        }
    }

    #[test]
    fn fractions_and_offsets() {
        let t = DateTime::parse_iso8601("2019-12-16T22:48:18-01:00").unwrap();
        assert_eq!(t.secs(), 1576540098);
        let t = DateTime::parse_iso8601("2000-01-02T20:34:56.123Z").unwrap();
        assert_eq!(t.subsec_nanos(), 123_000_000);
        assert_eq!(t.to_iso8601(), "2000-01-02T20:34:56.123Z");
        assert_eq!(
            DateTime::parse_epoch("946845296.123")
                .unwrap()
                .to_epoch_string(),
            "946845296.123"
        );
        assert!(DateTime::parse_epoch("abc").is_err());
        assert!(DateTime::parse_iso8601("yesterday").is_err());
    }
}
