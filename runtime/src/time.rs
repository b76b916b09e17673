//! Timestamps and their three wire formats.
//!
//! Every parser here reads text a server sent, so none may panic: they walk
//! bytes with a cursor (never slicing a `str` by byte index), check each
//! field, and answer a [`TimestampError`] for anything they cannot read,
//! including instants outside years -9999 to 9999 (the `time` crate's range).

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use time::format_description::well_known::{Rfc2822, Rfc3339};
use time::OffsetDateTime;

use crate::schema::TimestampFormat;

const NANOS_PER_SEC: u32 = 1_000_000_000;
const SECS_PER_DAY: i64 = 86_400;
/// `-9999-01-01T00:00:00Z`, the earliest instant the parsers accept.
const MIN_SECS: i64 = -377_705_116_800;
/// `9999-12-31T23:59:59Z`, the latest second the parsers accept.
const MAX_SECS: i64 = 253_402_300_799;

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
    /// The format expected (`iso8601`, `rfc822`, `unixTimestamp`, or the lenient list).
    pub format: &'static str,
    /// The text as received.
    pub text: String,
}

impl DateTime {
    /// Whole seconds since the Unix epoch.
    pub const fn from_secs(secs: i64) -> DateTime {
        DateTime { secs, nanos: 0 }
    }

    /// Whole seconds of `nanos` carry into `secs` (saturating at `i64`'s ends).
    pub fn from_secs_and_nanos(secs: i64, nanos: u32) -> DateTime {
        DateTime {
            secs: secs.saturating_add(i64::from(nanos / NANOS_PER_SEC)),
            nanos: nanos % NANOS_PER_SEC,
        }
    }

    /// Rounds to the nearest nanosecond. Cannot fail, so it saturates: values
    /// beyond `i64` seconds clamp to its ends and NaN is the epoch; text goes
    /// through [`DateTime::parse_epoch`], which rejects them instead.
    pub fn from_secs_f64(secs: f64) -> DateTime {
        if secs.is_nan() {
            return DateTime::default();
        }
        let whole = secs.floor();
        // `i64::MAX as f64` is 2^63, one past the largest `i64`.
        if whole >= i64::MAX as f64 {
            return DateTime {
                secs: i64::MAX,
                nanos: NANOS_PER_SEC - 1,
            };
        }
        if whole < i64::MIN as f64 {
            return DateTime::from_secs(i64::MIN);
        }
        // In [0, 1e9]: the fraction is in [0, 1).
        let nanos = ((secs - whole) * 1e9).round() as u32;
        DateTime::from_secs_and_nanos(whole as i64, nanos)
    }

    /// The current system time.
    pub fn now() -> DateTime {
        SystemTime::now().into()
    }

    /// Whole seconds since the epoch (floored: negative for instants before 1970).
    pub fn secs(&self) -> i64 {
        self.secs
    }

    /// Nanoseconds past [`secs`](DateTime::secs), below one second.
    pub fn subsec_nanos(&self) -> u32 {
        self.nanos
    }

    /// Seconds since the epoch as a float (loses precision below microseconds for present-day dates).
    pub fn as_secs_f64(&self) -> f64 {
        self.secs as f64 + self.nanos as f64 / 1e9
    }

    fn from_offset(t: OffsetDateTime) -> DateTime {
        DateTime {
            secs: t.unix_timestamp(),
            nanos: t.nanosecond(),
        }
    }

    /// `Some(self)` when within the years the parsers accept.
    fn in_range(self) -> Option<DateTime> {
        (MIN_SECS..=MAX_SECS).contains(&self.secs).then_some(self)
    }

    /// Formats for the wire, as botocore's serializers do: ISO 8601 with six
    /// fraction digits (microseconds) only when there are any, HTTP dates and
    /// epoch seconds in whole seconds.
    pub fn format(&self, format: TimestampFormat) -> String {
        match format {
            TimestampFormat::Iso8601 => self.to_wire_iso8601(),
            TimestampFormat::Rfc822 => self.to_http_date(),
            TimestampFormat::UnixTimestamp => self.secs.to_string(),
        }
    }

    /// botocore's `_timestamp_iso8601`: `%Y-%m-%dT%H:%M:%S.%fZ` (microseconds,
    /// truncated) when the microseconds are not zero, else `%Y-%m-%dT%H:%M:%SZ`.
    pub fn to_wire_iso8601(&self) -> String {
        let micros = self.nanos / 1_000;
        let whole = DateTime {
            secs: self.secs,
            nanos: 0,
        }
        .to_iso8601();
        if micros == 0 {
            whole
        } else {
            format!("{}.{micros:06}Z", whole.trim_end_matches('Z'))
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

    /// `2014-04-29T18:30:38Z`, with milliseconds only when present. Years
    /// before 0000 carry a sign (`-0044`); years beyond 9999 (reachable only
    /// through the constructors) print in full.
    pub fn to_iso8601(&self) -> String {
        let c = Civil::of(self.secs);
        let base = format!(
            "{}-{:02}-{:02}T{:02}:{:02}:{:02}",
            c.year_text(),
            c.month,
            c.day,
            c.hour,
            c.minute,
            c.second
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
        let c = Civil::of(self.secs);
        const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        format!(
            "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
            DAYS.get(usize::from(c.weekday)).unwrap_or(&"Mon"),
            c.day,
            MONTHS
                .get(usize::from(c.month).saturating_sub(1))
                .unwrap_or(&"Jan"),
            c.year_text(),
            c.hour,
            c.minute,
            c.second
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

    /// RFC 3339 and the ISO 8601 forms services send: see
    /// [`DateTime::parse_lenient`] for the list.
    pub fn parse_iso8601(text: &str) -> Result<DateTime, TimestampError> {
        iso8601(text.trim()).ok_or_else(|| DateTime::err("iso8601", text))
    }

    /// HTTP dates: IMF-fixdate (RFC 2822), RFC 850 and asctime, with or
    /// without fractional seconds: see [`DateTime::parse_lenient`].
    pub fn parse_http_date(text: &str) -> Result<DateTime, TimestampError> {
        http_date(text.trim()).ok_or_else(|| DateTime::err("rfc822", text))
    }

    /// Epoch seconds as decimal text, read exactly (no round trip through
    /// `f64`): `1398796238`, `-1.5`, `946845296.123`, `.5`, `1.5e9`. Digits
    /// beyond nanoseconds are truncated (toward zero).
    pub fn parse_epoch(text: &str) -> Result<DateTime, TimestampError> {
        epoch(text.trim()).ok_or_else(|| DateTime::err("unixTimestamp", text))
    }

    /// Any timestamp a service may send, as botocore's `parse_timestamp`
    /// reads one: epoch seconds first, then ISO 8601, then HTTP dates.
    /// Surrounding whitespace is ignored; an instant outside years -9999 to
    /// 9999 is an error. Accepted:
    ///
    /// - epoch seconds (see [`DateTime::parse_epoch`]): `1398796238`,
    ///   `-1.5`, `946845296.123`, `.5`, `5.`, `+7`, `1.5e9`, `15E-1`;
    /// - ISO 8601 / RFC 3339: `2014-04-29T18:30:38Z`; lower-case `t` and `z`;
    ///   a space (or any single ASCII non-digit) for `T`; seconds optional;
    ///   a fraction after `.` or `,` of any length (truncated to
    ///   nanoseconds); an offset `Z`, `UTC`, `GMT`, `+hh:mm`, `+hhmm` or
    ///   `+hh` (also `-`), optionally after spaces; no offset (UTC); a date
    ///   alone `2019-11-19` (midnight UTC); `23:59:60` only as a leap second
    ///   at the end of a UTC month (read as `23:59:59.999999999`); a signed
    ///   year (`-0044-03-15`), as `to_iso8601` writes years before 0000;
    /// - HTTP dates: IMF-fixdate `Tue, 29 Apr 2014 18:30:38 GMT` (and
    ///   what `time` reads as RFC 2822), RFC 850 `Sunday, 06-Nov-94 08:49:37 GMT`, asctime
    ///   `Sun Nov  6 08:49:37 1994`; with fractional seconds
    ///   (`18:30:38.123 GMT`); zone `GMT`, `UTC`, `UT`, `Z`, `+hhmm`,
    ///   `+hh:mm` or none (UTC); day and month names in any case, full or
    ///   abbreviated, the day name optional and not checked against the
    ///   date; two-digit years within 50 years of now, as dateutil reads them.
    pub fn parse_lenient(text: &str) -> Result<DateTime, TimestampError> {
        let t = text.trim();
        epoch(t)
            .or_else(|| iso8601(t))
            .or_else(|| http_date(t))
            .ok_or_else(|| DateTime::err("iso8601, rfc822 or unixTimestamp", text))
    }
}

/// Calendar fields of an instant in UTC (proleptic Gregorian), for any `i64`
/// seconds.
struct Civil {
    year: i64,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    /// 0 is Monday.
    weekday: u8,
}

impl Civil {
    fn of(secs: i64) -> Civil {
        let days = secs.div_euclid(SECS_PER_DAY);
        let in_day = secs.rem_euclid(SECS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: (in_day / 3600) as u8,
            minute: (in_day / 60 % 60) as u8,
            second: (in_day % 60) as u8,
            // 1970-01-01 was a Thursday.
            weekday: (days + 3).rem_euclid(7) as u8,
        }
    }

    /// At least four digits, and a sign before 0000.
    fn year_text(&self) -> String {
        if self.year < 0 {
            format!("-{:04}", self.year.unsigned_abs())
        } else {
            format!("{:04}", self.year)
        }
    }
}

/// Days since 1970-01-01 to (year, month, day); Howard Hinnant's
/// `civil_from_days`. `days` is at most `i64::MAX / 86400`, so nothing
/// overflows.
fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = (if mp < 10 { mp + 3 } else { mp - 9 }) as u8;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// (year, month, day) to days since 1970-01-01, or `None` for a date that
/// does not exist. `year` comes from at most four digits.
fn days_from_civil(year: i64, month: u32, day: u32) -> Option<i64> {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let len = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if day == 0 || day > len {
        return None;
    }
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// A date, a time of day and an offset east of UTC, all read but not yet
/// checked against each other.
struct Fields {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    nanos: u32,
    offset_secs: i64,
}

impl Fields {
    /// The instant, or `None` for a date or time that does not exist or lies
    /// outside the accepted years. Second 60 is a leap second, kept as the
    /// nanosecond before the next minute, and only where one can occur: the
    /// end of a month in UTC (as `time` reads RFC 3339).
    fn instant(&self) -> Option<DateTime> {
        if self.hour > 23 || self.minute > 59 || self.second > 60 || self.nanos >= NANOS_PER_SEC {
            return None;
        }
        let leap = self.second == 60;
        let (second, nanos) = if leap {
            (59, NANOS_PER_SEC - 1)
        } else {
            (self.second, self.nanos)
        };
        let days = days_from_civil(self.year, self.month, self.day)?;
        let local = days * SECS_PER_DAY + i64::from(self.hour * 3600 + self.minute * 60 + second);
        let secs = local - self.offset_secs;
        if leap {
            let next = secs + 1;
            if next.rem_euclid(SECS_PER_DAY) != 0 || Civil::of(next).day != 1 {
                return None;
            }
        }
        DateTime { secs, nanos }.in_range()
    }
}

/// A position in ASCII text. Every step checks what is there, so no input
/// can make it panic; bytes of non-ASCII characters simply match nothing.
struct Cursor<'a> {
    rest: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Cursor<'a> {
        Cursor {
            rest: text.as_bytes(),
        }
    }

    fn at_end(&self) -> bool {
        self.rest.is_empty()
    }

    fn peek(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let (&b, rest) = self.rest.split_first()?;
        self.rest = rest;
        Some(b)
    }

    fn eat(&mut self, b: u8) -> bool {
        self.eat_any(&[b]).is_some()
    }

    fn eat_any(&mut self, set: &[u8]) -> Option<u8> {
        let b = self.peek().filter(|b| set.contains(b))?;
        self.bump();
        Some(b)
    }

    fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &'a [u8] {
        let n = self.rest.iter().take_while(|&&b| f(b)).count();
        // `n` is at most the length, so this cannot panic.
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        head
    }

    fn digits(&mut self) -> &'a [u8] {
        self.take_while(|b| b.is_ascii_digit())
    }

    /// A run of `min..=max` digits (not followed by another digit).
    fn number(&mut self, min: usize, max: usize) -> Option<u32> {
        let d = self.digits();
        if d.len() < min || d.len() > max {
            return None;
        }
        Some(d.iter().fold(0, |n, &b| n * 10 + u32::from(b - b'0')))
    }

    /// Spaces and tabs; how many.
    fn spaces(&mut self) -> usize {
        self.take_while(|b| b == b' ' || b == b'\t').len()
    }

    fn word(&mut self) -> &'a [u8] {
        self.take_while(|b| b.is_ascii_alphabetic())
    }

    /// `hh:mm[:ss[(.|,)fraction]]` as (hour, minute, second, nanos).
    fn time_of_day(&mut self) -> Option<(u32, u32, u32, u32)> {
        let hour = self.number(2, 2)?;
        if !self.eat(b':') {
            return None;
        }
        let minute = self.number(2, 2)?;
        let (mut second, mut nanos) = (0, 0);
        if self.eat(b':') {
            second = self.number(2, 2)?;
            if self.eat_any(b".,").is_some() {
                let frac = self.digits();
                if frac.is_empty() {
                    return None;
                }
                nanos = nanos_of(frac);
            }
        }
        Some((hour, minute, second, nanos))
    }

    /// A zone or offset, as seconds east of UTC; nothing at all is UTC.
    /// `Z`, `UTC`, `GMT`, `UT` (any case), `+hh:mm`, `+hhmm`, `+hh`, `-...`.
    fn zone(&mut self) -> Option<i64> {
        let sign = match self.peek() {
            None => return Some(0),
            Some(b'+') => 1,
            Some(b'-') => -1,
            Some(_) => {
                let w = self.word();
                let utc = ["z", "utc", "gmt", "ut"]
                    .iter()
                    .any(|z| w.eq_ignore_ascii_case(z.as_bytes()));
                return utc.then_some(0);
            }
        };
        self.bump();
        let d = self.digits();
        let two = |d: &[u8]| d.iter().fold(0u32, |n, &b| n * 10 + u32::from(b - b'0'));
        let (hours, minutes) = match d.len() {
            2 if self.eat(b':') => (two(d), self.number(2, 2)?),
            2 => (two(d), 0),
            4 => (two(d.get(..2)?), two(d.get(2..)?)),
            _ => return None,
        };
        if hours > 23 || minutes > 59 {
            return None;
        }
        Some(sign * i64::from(hours * 3600 + minutes * 60))
    }
}

/// Nanoseconds from the digits after the decimal point; digits beyond the
/// ninth are truncated.
fn nanos_of(frac: &[u8]) -> u32 {
    (0..9).fold(0, |n, i| {
        n * 10
            + frac
                .get(i)
                .map_or(0, |&b| u32::from(b.wrapping_sub(b'0')) % 10)
    })
}

/// RFC 3339 as `time` reads it, else the lenient ISO 8601 grammar.
fn iso8601(t: &str) -> Option<DateTime> {
    // The hand-written grammar first: it reads every form services send in
    // a fraction of `time`'s RFC 3339 parser, which stays as the fallback.
    iso8601_fields(t).or_else(|| {
        OffsetDateTime::parse(t, &Rfc3339)
            .ok()
            .and_then(|v| DateTime::from_offset(v).in_range())
    })
}

fn iso8601_fields(t: &str) -> Option<DateTime> {
    let mut c = Cursor::new(t);
    // A sign, as `to_iso8601` writes years before 0000.
    let negative = c.eat_any(b"+-") == Some(b'-');
    let year = i64::from(c.number(4, 4)?);
    if !c.eat(b'-') {
        return None;
    }
    let month = c.number(2, 2)?;
    if !c.eat(b'-') {
        return None;
    }
    let day = c.number(2, 2)?;
    let mut f = Fields {
        year: if negative { -year } else { year },
        month,
        day,
        hour: 0,
        minute: 0,
        second: 0,
        nanos: 0,
        offset_secs: 0,
    };
    if !c.at_end() {
        // `T`, `t`, spaces, or (as `time` allows) any one other separator.
        if c.spaces() == 0 {
            c.bump().filter(|b| b.is_ascii() && !b.is_ascii_digit())?;
        }
        (f.hour, f.minute, f.second, f.nanos) = c.time_of_day()?;
        c.spaces();
        f.offset_secs = c.zone()?;
        c.spaces();
        if !c.at_end() {
            return None;
        }
    }
    f.instant()
}

/// RFC 2822 as `time` reads it, else the lenient HTTP-date grammar.
fn http_date(t: &str) -> Option<DateTime> {
    if let Ok(v) = OffsetDateTime::parse(t, &Rfc2822) {
        return DateTime::from_offset(v).in_range();
    }
    let mut c = Cursor::new(t);
    let mut f = Fields {
        year: 0,
        month: 0,
        day: 0,
        hour: 0,
        minute: 0,
        second: 0,
        nanos: 0,
        offset_secs: 0,
    };
    let mut word = c.word();
    if weekday(word) {
        c.eat(b',');
        c.spaces();
        word = c.word();
    }
    if word.is_empty() {
        // `06 Nov 1994 08:49:37` (IMF-fixdate) or `06-Nov-94 08:49:37` (RFC 850).
        f.day = c.number(1, 2)?;
        let dashed = c.eat(b'-');
        if !dashed && c.spaces() == 0 {
            return None;
        }
        f.month = month(c.word())?;
        let separated = if dashed { c.eat(b'-') } else { c.spaces() > 0 };
        if !separated {
            return None;
        }
        f.year = year(c.digits())?;
        if c.spaces() == 0 {
            return None;
        }
        (f.hour, f.minute, f.second, f.nanos) = c.time_of_day()?;
    } else {
        // asctime: `Nov  6 08:49:37 1994`.
        f.month = month(word)?;
        if c.spaces() == 0 {
            return None;
        }
        f.day = c.number(1, 2)?;
        if c.spaces() == 0 {
            return None;
        }
        (f.hour, f.minute, f.second, f.nanos) = c.time_of_day()?;
        if c.spaces() == 0 {
            return None;
        }
        f.year = i64::from(c.number(4, 4)?);
    }
    c.spaces();
    f.offset_secs = c.zone()?;
    c.spaces();
    if !c.at_end() {
        return None;
    }
    f.instant()
}

fn weekday(word: &[u8]) -> bool {
    const NAMES: [&str; 14] = [
        "mon",
        "monday",
        "tue",
        "tuesday",
        "wed",
        "wednesday",
        "thu",
        "thursday",
        "fri",
        "friday",
        "sat",
        "saturday",
        "sun",
        "sunday",
    ];
    NAMES
        .iter()
        .any(|n| word.eq_ignore_ascii_case(n.as_bytes()))
}

/// 1 to 12 for a month's name (`Nov`, `november`, `Sept`).
fn month(word: &[u8]) -> Option<u32> {
    const NAMES: [(&str, &str); 12] = [
        ("jan", "january"),
        ("feb", "february"),
        ("mar", "march"),
        ("apr", "april"),
        ("may", "may"),
        ("jun", "june"),
        ("jul", "july"),
        ("aug", "august"),
        ("sep", "september"),
        ("oct", "october"),
        ("nov", "november"),
        ("dec", "december"),
    ];
    let is = |n: &str| word.eq_ignore_ascii_case(n.as_bytes());
    let i = NAMES
        .iter()
        .position(|&(short, long)| is(short) || is(long))
        .or_else(|| is("sept").then_some(8))?;
    Some(i as u32 + 1)
}

/// A four-digit year, or a two-digit one within 50 years of now.
fn year(digits: &[u8]) -> Option<i64> {
    let value = || {
        digits
            .iter()
            .fold(0i64, |n, &b| n * 10 + i64::from(b - b'0'))
    };
    match digits.len() {
        4 => Some(value()),
        2 => Some(two_digit_year(
            value(),
            Civil::of(DateTime::now().secs).year,
        )),
        _ => None,
    }
}

/// dateutil's reading of a year without its century: in the current century,
/// unless that is 50 or more years ahead (then the last one) or more than 50
/// behind (then the next one).
fn two_digit_year(yy: i64, this_year: i64) -> i64 {
    let year = this_year - this_year.rem_euclid(100) + yy;
    if year >= this_year + 50 {
        year - 100
    } else if year < this_year - 50 {
        year + 100
    } else {
        year
    }
}

/// Epoch seconds: `[+-]digits[.digits][(e|E)[+-]digits]`, at least one
/// digit before the exponent, read exactly and truncated to nanoseconds.
fn epoch(t: &str) -> Option<DateTime> {
    let mut c = Cursor::new(t);
    let negative = c.eat_any(b"+-") == Some(b'-');
    let int = c.digits();
    let frac = if c.eat(b'.') { c.digits() } else { &[] };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut exp: i64 = 0;
    if c.eat_any(b"eE").is_some() {
        let exp_negative = c.eat_any(b"+-") == Some(b'-');
        let d = c.digits();
        if d.is_empty() {
            return None;
        }
        // Beyond a million the answer is zero or out of range either way.
        exp = d
            .iter()
            .fold(0i64, |e, &b| (e * 10 + i64::from(b - b'0')).min(1_000_000));
        if exp_negative {
            exp = -exp;
        }
    }
    if !c.at_end() {
        return None;
    }
    // The value is 0.d0 d1 d2 ... times 10^point, where d0 is the first
    // significant digit of `int` followed by `frac`.
    let total = int.len() + frac.len();
    let digit_at = |i: usize| -> i64 {
        let b = if i < int.len() {
            int.get(i)
        } else {
            frac.get(i - int.len())
        };
        b.map_or(0, |&b| i64::from(b - b'0'))
    };
    let lead = (0..total).take_while(|&i| digit_at(i) == 0).count();
    if lead == total {
        return Some(DateTime::default());
    }
    let point = int.len() as i64 - lead as i64 + exp;
    // 13 digits of seconds are already beyond year 9999.
    if point > 12 {
        return None;
    }
    // The `k`th significant digit (zero past the end and before the start).
    let sig = |k: i64| -> i64 {
        if k < 0 {
            0
        } else {
            digit_at(lead.saturating_add(k as usize))
        }
    };
    let secs = (0..point).fold(0i64, |s, k| s * 10 + sig(k));
    let nanos = (point..point + 9).fold(0i64, |n, k| n * 10 + sig(k)) as u32;
    let t = match (negative, nanos) {
        (false, _) => DateTime { secs, nanos },
        (true, 0) => DateTime::from_secs(-secs),
        (true, _) => DateTime {
            secs: -secs - 1,
            nanos: NANOS_PER_SEC - nanos,
        },
    };
    t.in_range()
}

impl From<SystemTime> for DateTime {
    fn from(t: SystemTime) -> DateTime {
        match t.duration_since(UNIX_EPOCH) {
            Ok(d) => DateTime {
                secs: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
                nanos: d.subsec_nanos(),
            },
            Err(e) => {
                let d = e.duration();
                let mut secs = 0i64.saturating_sub_unsigned(d.as_secs());
                let mut nanos = d.subsec_nanos();
                if nanos > 0 {
                    secs = secs.saturating_sub(1);
                    nanos = NANOS_PER_SEC - nanos;
                }
                DateTime { secs, nanos }
            }
        }
    }
}

impl From<DateTime> for SystemTime {
    /// Saturates at the platform's earliest or latest `SystemTime`.
    fn from(t: DateTime) -> SystemTime {
        let whole = Duration::from_secs(t.secs.unsigned_abs());
        let at = if t.secs >= 0 {
            UNIX_EPOCH.checked_add(whole)
        } else {
            UNIX_EPOCH.checked_sub(whole)
        };
        at.and_then(|at| at.checked_add(Duration::from_nanos(u64::from(t.nanos))))
            .unwrap_or_else(|| system_time_limit(t.secs >= 0))
    }
}

/// The latest (or earliest) `SystemTime`, found by halving steps.
fn system_time_limit(later: bool) -> SystemTime {
    let mut at = UNIX_EPOCH;
    let mut step = Duration::from_secs(u64::MAX);
    while !step.is_zero() {
        let next = if later {
            at.checked_add(step)
        } else {
            at.checked_sub(step)
        };
        match next {
            Some(next) => at = next,
            None => step /= 2,
        }
    }
    at
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

    /// The hand-written ISO 8601 grammar reads RFC 3339 exactly as `time`
    /// does, where both accept (it runs first; `time` is the fallback).
    #[test]
    fn iso8601_grammar_agrees_with_time_on_rfc3339() {
        for text in [
            "2014-04-29T18:30:38Z",
            "2014-04-29t18:30:38z",
            "2014-04-29T18:30:38.123Z",
            "2014-04-29T18:30:38.123456789Z",
            "2014-04-29T18:30:38.1234567891Z",
            "2014-04-29T18:30:38+01:00",
            "2014-04-29T18:30:38.5-08:30",
            "2014-04-29T00:00:00-23:59",
            "2016-12-31T23:59:60Z",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999999Z",
            "2020-02-29T12:00:00Z",
        ] {
            let ours = iso8601_fields(text);
            let theirs = OffsetDateTime::parse(text, &Rfc3339)
                .ok()
                .and_then(|v| DateTime::from_offset(v).in_range());
            assert_eq!(ours, theirs, "{text}");
            assert!(ours.is_some(), "{text}");
        }
    }

    fn at(secs: i64, nanos: u32) -> DateTime {
        DateTime::from_secs_and_nanos(secs, nanos)
    }

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
            assert_eq!(DateTime::parse_lenient(&t.format(f)).unwrap(), t);
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

    /// Issue 8: a non-ASCII character in the fraction sliced a `str`
    /// inside a character.
    #[test]
    fn http_date_non_ascii_fraction_is_an_error() {
        let text = "Tue, 29 Apr 2014 18:30:38.1234567€ GMT";
        let e = DateTime::parse_http_date(text).unwrap_err();
        assert_eq!(e.format, "rfc822");
        assert_eq!(e.text, text);
        assert!(DateTime::parse_lenient(text).is_err());
        assert!(DateTime::parse_http_date("Tue, 29 Apr 2014 18:30:38.€ GMT").is_err());
        assert!(DateTime::parse_http_date("Tue, 29 Apr 2014 18:30:38.12345678€ GMT").is_err());
    }

    /// Issue 8: `frac[..digits]` cut `é` and `€` in half.
    #[test]
    fn epoch_non_ascii_fraction_is_an_error() {
        for text in [
            "0.12345678é",
            "1.1234567€",
            "1.€",
            "1.123456789€",
            "€.1",
            "1é",
        ] {
            let e = DateTime::parse_epoch(text).unwrap_err();
            assert_eq!(e.format, "unixTimestamp", "{text}");
            assert!(DateTime::parse_lenient(text).is_err(), "{text}");
        }
    }

    /// Every parser, on every odd string: an answer, never a panic.
    #[test]
    fn no_input_panics() {
        let mut inputs: Vec<String> = [
            "",
            " ",
            ".",
            "..",
            "...",
            "-",
            "+",
            "-.",
            ".5",
            "5.",
            "-.5",
            "e",
            "1e",
            "1e+",
            "e5",
            ".e5",
            "1e400",
            "-1e400",
            "1e-400",
            "1e99999999999999999999999",
            "0e99999999999999999999999",
            "1e-99999999999999999999999",
            "9999999999999999999999",
            "-9999999999999999999999",
            "9223372036854775807",
            "-9223372036854775808",
            "NaN",
            "nan",
            "inf",
            "-inf",
            "infinity",
            "1.5e9",
            "T",
            "Z",
            "GMT",
            "+",
            "+:",
            "2014-04-29T",
            "2014-04-29T18",
            "2014-04-29T18:",
            "2014-04-29T18:30:",
            "2014-04-29T18:30:38.",
            "2014-04-29T18:30:38+",
            "2014-04-29T18:30:38+1",
            "2014-04-29T18:30:38+123",
            "2014-04-29T18:30:38+12345",
            "2014-04-29T18:30:38+99:99",
            "2014-04-29T99:99:99Z",
            "2014-13-29T18:30:38Z",
            "2014-02-30",
            "0000-00-00",
            "Tue,",
            "Tue, 29",
            "Tue, 29 Apr",
            "Tue, 29 Apr 2014",
            "Tue, 29 Apr 2014 18:30:38.",
            "Tue, 29-Apr-",
            "Sun Nov",
            "Sun Nov  6",
            "Sun Nov  6 08:49:37",
            "Sun Nov  6 08:49:37 19",
            "Tue, 29 Apr 99999999999999999999999 18:30:38 GMT",
            "Tue, 29-Apr-99999999999999999999999 18:30:38 GMT",
            "Sun Nov  6 08:49:37 99999999999999999999999",
            "Tue, 99999999999999999999999 Apr 2014 18:30:38 GMT",
            "2014-04-29T18:30:38+99999999999999999999999",
            "99999999999999999999999-04-29T18:30:38Z",
            "2014-04-29T99999999999999999999999:30:38Z",
            "2016-12-31T23:59:60",
            "2016-12-30T23:59:60Z",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        inputs.push("9".repeat(100_000));
        inputs.push(format!("0.{}", "9".repeat(100_000)));
        inputs.push(format!("{}1", "0".repeat(100_000)));
        inputs.push(format!("1.{}e5", "0".repeat(100_000)));
        inputs.push(format!("2014-04-29T18:30:38.{}Z", "9".repeat(100_000)));
        inputs.push(format!(
            "Tue, 29 Apr 2014 18:30:38.{} GMT",
            "9".repeat(100_000)
        ));
        // Every character position of valid texts, with a non-ASCII
        // character inserted there or put in place of the one there.
        let valid = [
            "Tue, 29 Apr 2014 18:30:38.1234567 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "2014-04-29T18:30:38.123456789+02:00",
            "2014-04-29 18:30:38,5 +0200",
            "0.123456789",
            "-1.5e9",
        ];
        for text in valid {
            for (i, _) in text.char_indices().chain([(text.len(), ' ')]) {
                for odd in ["é", "€", "𝄞", "\u{301}", "\u{0}", "\u{feff}"] {
                    let (head, tail) = text.split_at(i);
                    inputs.push(format!("{head}{odd}{tail}"));
                    let mut rest = tail.chars();
                    rest.next();
                    inputs.push(format!("{head}{odd}{}", rest.as_str()));
                }
            }
        }
        let mut panicked = Vec::new();
        for text in &inputs {
            let outcome = std::panic::catch_unwind(|| {
                let results = [
                    DateTime::parse_iso8601(text),
                    DateTime::parse_http_date(text),
                    DateTime::parse_epoch(text),
                    DateTime::parse_lenient(text),
                    DateTime::parse(TimestampFormat::Iso8601, text),
                    DateTime::parse(TimestampFormat::Rfc822, text),
                    DateTime::parse(TimestampFormat::UnixTimestamp, text),
                ];
                for t in results.into_iter().flatten() {
                    assert!((MIN_SECS..=MAX_SECS).contains(&t.secs()));
                    t.to_iso8601();
                    t.to_http_date();
                    t.to_epoch_string();
                }
            });
            if outcome.is_err() {
                panicked.push(text.chars().take(80).collect::<String>());
            }
        }
        assert!(panicked.is_empty(), "panicked on {panicked:?}");
    }

    #[test]
    fn lenient_epoch_forms() {
        for (text, want) in [
            ("1398796238", at(1398796238, 0)),
            ("  1398796238\n", at(1398796238, 0)),
            ("+7", at(7, 0)),
            ("-7", at(-7, 0)),
            ("0", at(0, 0)),
            ("-0", at(0, 0)),
            ("-0.0", at(0, 0)),
            ("946845296.123", at(946845296, 123_000_000)),
            ("1398796238.123456789999", at(1398796238, 123_456_789)),
            ("-1.5", at(-2, 500_000_000)),
            ("-0.5", at(-1, 500_000_000)),
            ("-1.000000001", at(-2, 999_999_999)),
            (".5", at(0, 500_000_000)),
            ("5.", at(5, 0)),
            ("1.5e9", at(1_500_000_000, 0)),
            ("1.5E+9", at(1_500_000_000, 0)),
            ("15E-1", at(1, 500_000_000)),
            ("1e-9", at(0, 1)),
            ("1e-10", at(0, 0)),
            ("0e999999999999", at(0, 0)),
            ("00000000000000000000001", at(1, 0)),
            ("253402300799", at(MAX_SECS, 0)),
            ("-377705116800", at(MIN_SECS, 0)),
        ] {
            assert_eq!(DateTime::parse_epoch(text), Ok(want), "{text:?}");
            assert_eq!(DateTime::parse_lenient(text), Ok(want), "{text:?}");
        }
    }

    #[test]
    fn lenient_iso8601_forms() {
        const T: i64 = 1398796238; // 2014-04-29T18:30:38Z
        for (text, want) in [
            ("2014-04-29T18:30:38Z", at(T, 0)),
            ("2014-04-29t18:30:38z", at(T, 0)),
            ("2014-04-29 18:30:38Z", at(T, 0)),
            ("2014-04-29T18:30:38", at(T, 0)),
            ("2014-04-29 18:30:38", at(T, 0)),
            ("2014-04-29T18:30:38+02:00", at(T - 7200, 0)),
            ("2014-04-29T18:30:38+0200", at(T - 7200, 0)),
            ("2014-04-29T18:30:38-0130", at(T + 5400, 0)),
            ("2014-04-29T18:30:38+02", at(T - 7200, 0)),
            ("2014-04-29T18:30:38-02", at(T + 7200, 0)),
            ("2014-04-29 18:30:38 +0000", at(T, 0)),
            ("2014-04-29 18:30:38 UTC", at(T, 0)),
            ("2014-04-29 18:30:38 GMT", at(T, 0)),
            ("2014-04-29T18:30", at(T - 38, 0)),
            ("2014-04-29T18:30Z", at(T - 38, 0)),
            ("2014-04-29T18:30:38.5", at(T, 500_000_000)),
            ("2014-04-29T18:30:38,25Z", at(T, 250_000_000)),
            ("2014-04-29T18:30:38.123456789123Z", at(T, 123_456_789)),
            ("2014-04-29T18:30:38.123456789123", at(T, 123_456_789)),
            ("2014-04-29T18:30:38.000000001+0100", at(T - 3600, 1)),
            ("2019-11-19", at(1574121600, 0)),
            ("1970-01-01", at(0, 0)),
            ("2016-12-31T23:59:60Z", at(1483228799, 999_999_999)),
            ("2016-12-31T23:59:60", at(1483228799, 999_999_999)),
            ("2017-01-01T00:59:60+01:00", at(1483228799, 999_999_999)),
            ("9999-12-31T23:59:59.999999999Z", at(MAX_SECS, 999_999_999)),
            ("2000-02-29", at(951782400, 0)),
            ("-9999-01-01T00:00:00Z", at(MIN_SECS, 0)),
            ("-0001-12-31", at(-62167305600, 0)),
            ("+2019-11-19", at(1574121600, 0)),
        ] {
            assert_eq!(DateTime::parse_iso8601(text), Ok(want), "{text:?}");
            assert_eq!(DateTime::parse_lenient(text), Ok(want), "{text:?}");
        }
        for text in [
            "2014-04-29T18:30:38+24:00",
            "2014-04-29T18:30:38+0160",
            "2014-04-29T18:30:38+2",
            "2014-04-29T24:00:00Z",
            "2014-04-29T18:30:60Z",
            "2016-12-30T23:59:60Z",
            "1900-02-29",
            "2014-4-29",
            "2014-04-29T18:30:38Zjunk",
        ] {
            assert!(DateTime::parse_iso8601(text).is_err(), "{text:?}");
            assert!(DateTime::parse_lenient(text).is_err(), "{text:?}");
        }
        // Basic format is not read as a date; botocore reads it as epoch
        // seconds too.
        assert!(DateTime::parse_iso8601("20140429").is_err());
        assert_eq!(DateTime::parse_lenient("20140429"), Ok(at(20140429, 0)));
    }

    #[test]
    fn lenient_http_date_forms() {
        const T: i64 = 1398796238; // Tue, 29 Apr 2014 18:30:38 GMT
        const NOV_6_1994: i64 = 784111777; // Sun, 06 Nov 1994 08:49:37 GMT
        for (text, want) in [
            ("Tue, 29 Apr 2014 18:30:38 GMT", at(T, 0)),
            ("29 Apr 2014 18:30:38 GMT", at(T, 0)),
            ("Tue, 29 Apr 2014 18:30:38 +0100", at(T - 3600, 0)),
            ("tue, 29 apr 2014 18:30:38 gmt", at(T, 0)),
            ("Tue, 29 Apr 2014 18:30:38", at(T, 0)),
            ("Tue, 29 Apr 2014 18:30:38 UTC", at(T, 0)),
            ("Tue, 29 Apr 2014 18:30:38.123 GMT", at(T, 123_000_000)),
            (
                "Tue, 29 Apr 2014 18:30:38.123456789999 GMT",
                at(T, 123_456_789),
            ),
            (
                "Tue, 29 Apr 2014 18:30:38.5 +01:00",
                at(T - 3600, 500_000_000),
            ),
            ("Tue, 29 Apr 2014 18:30:38.5", at(T, 500_000_000)),
            ("Tuesday, 29 April 2014 18:30:38 GMT", at(T, 0)),
            // RFC 850
            ("Sunday, 06-Nov-94 08:49:37 GMT", at(NOV_6_1994, 0)),
            ("Sunday, 06-Nov-1994 08:49:37 GMT", at(NOV_6_1994, 0)),
            (
                "Sunday, 06-Nov-94 08:49:37.25 GMT",
                at(NOV_6_1994, 250_000_000),
            ),
            ("Tuesday, 29-April-2014 18:30:38 GMT", at(T, 0)),
            // asctime
            ("Sun Nov  6 08:49:37 1994", at(NOV_6_1994, 0)),
            ("Sun Nov 06 08:49:37 1994", at(NOV_6_1994, 0)),
            ("Sun Nov 6 08:49:37 1994", at(NOV_6_1994, 0)),
            ("Nov  6 08:49:37 1994", at(NOV_6_1994, 0)),
            ("Sun Nov  6 08:49:37.5 1994", at(NOV_6_1994, 500_000_000)),
            ("Sun Nov  6 08:49:37 1994 GMT", at(NOV_6_1994, 0)),
        ] {
            assert_eq!(DateTime::parse_http_date(text), Ok(want), "{text:?}");
            assert_eq!(DateTime::parse_lenient(text), Ok(want), "{text:?}");
        }
        for text in [
            "Tue, 31 Apr 2014 18:30:38 GMT",
            "Tue, 29 Foo 2014 18:30:38 GMT",
            "Tue, 29 Apr 2014 18:30:38 EET!",
            "Sunday, 06-Nov-994 08:49:37 GMT",
            "Sun Nov  6 08:49:37 94",
            "Sun Nov  6 08:49:37",
        ] {
            assert!(DateTime::parse_http_date(text).is_err(), "{text:?}");
            assert!(DateTime::parse_lenient(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn two_digit_years_follow_dateutil() {
        assert_eq!(two_digit_year(94, 2025), 1994);
        assert_eq!(two_digit_year(74, 2025), 2074);
        assert_eq!(two_digit_year(75, 2025), 1975);
        assert_eq!(two_digit_year(25, 2025), 2025);
        assert_eq!(two_digit_year(10, 2090), 2110);
        assert_eq!(two_digit_year(40, 2090), 2040);
        assert_eq!(two_digit_year(39, 2090), 2139);
    }

    /// Beyond years -9999..=9999, or not a number at all: an error, not a
    /// saturated or zero instant.
    #[test]
    fn out_of_range_is_an_error() {
        for text in [
            "1e20",
            "1e400",
            "-1e400",
            "253402300800",
            "-377705116801",
            "-377705116800.5",
            "9999999999999999999999",
            "9223372036854775807",
            "-9223372036854775808",
            "NaN",
            "inf",
            "-inf",
            "infinity",
        ] {
            assert!(DateTime::parse_epoch(text).is_err(), "{text:?}");
            assert!(DateTime::parse_lenient(text).is_err(), "{text:?}");
        }
        for text in [
            "9999-12-31T23:59:59-00:01",
            "9999-12-31T23:59:59.5-01:00",
            "10000-01-01T00:00:00Z",
        ] {
            assert!(DateTime::parse_iso8601(text).is_err(), "{text:?}");
            assert!(DateTime::parse_lenient(text).is_err(), "{text:?}");
        }
        assert!(DateTime::parse_http_date("Fri, 31 Dec 9999 23:59:59 -0100").is_err());
        assert!(DateTime::parse_iso8601("0000-01-01T00:00:00+00:01").is_ok());
    }

    #[test]
    fn range_is_the_time_crates() {
        let min = time::PrimitiveDateTime::MIN.assume_utc();
        let max = time::PrimitiveDateTime::MAX.assume_utc();
        assert_eq!(min.unix_timestamp(), MIN_SECS);
        assert_eq!(max.unix_timestamp(), MAX_SECS);
    }

    /// The formatters compute the calendar themselves (so no instant falls
    /// back to 1970); they agree with `time` over its whole range.
    #[test]
    fn formatting_matches_time_crate() {
        let mut secs = MIN_SECS;
        let step = (MAX_SECS - MIN_SECS) / 200_003;
        let expect = |s: i64| {
            let t = OffsetDateTime::from_unix_timestamp(s).unwrap();
            let c = Civil::of(s);
            assert_eq!(
                (c.year, c.month, c.day, c.hour, c.minute, c.second, c.weekday),
                (
                    i64::from(t.year()),
                    t.month() as u8,
                    t.day(),
                    t.hour(),
                    t.minute(),
                    t.second(),
                    t.weekday().number_days_from_monday()
                ),
                "{s}"
            );
            let days = days_from_civil(c.year, u32::from(c.month), u32::from(c.day)).unwrap();
            assert_eq!(days, s.div_euclid(SECS_PER_DAY), "{s}");
        };
        while secs <= MAX_SECS {
            expect(secs);
            secs += step;
        }
        for s in [
            MIN_SECS,
            MAX_SECS,
            -1,
            0,
            1,
            951782400,
            951868800,
            -62135596800,
        ] {
            expect(s);
        }
        assert_eq!(at(-1, 0).to_iso8601(), "1969-12-31T23:59:59Z");
        assert_eq!(at(MIN_SECS, 0).to_iso8601(), "-9999-01-01T00:00:00Z");
        assert_eq!(at(-62167305600, 0).to_iso8601(), "-0001-12-31T00:00:00Z");
        for t in [at(-90000000000, 5), at(MIN_SECS, 0), at(-62167219201, 0)] {
            assert_eq!(DateTime::parse_iso8601(&t.to_iso8601()), Ok(t));
        }
        assert_eq!(at(-62135596800, 0).to_iso8601(), "0001-01-01T00:00:00Z");
        assert_eq!(
            at(MAX_SECS, 0).to_http_date(),
            "Fri, 31 Dec 9999 23:59:59 GMT"
        );
        assert_eq!(at(MAX_SECS + 1, 0).to_iso8601(), "10000-01-01T00:00:00Z");
        // Formerly 1970-01-01.
        assert_eq!(
            DateTime::from_secs(i64::MAX).to_iso8601(),
            "292277026596-12-04T15:30:07Z"
        );
        DateTime::from_secs(i64::MIN).to_http_date();
    }

    #[test]
    fn from_secs_f64_saturates() {
        assert_eq!(DateTime::from_secs_f64(1.5), at(1, 500_000_000));
        assert_eq!(DateTime::from_secs_f64(-1.5), at(-2, 500_000_000));
        assert_eq!(DateTime::from_secs_f64(-1e-10), at(0, 0));
        assert_eq!(DateTime::from_secs_f64(0.9999999999), at(1, 0));
        assert_eq!(DateTime::from_secs_f64(1e20).secs(), i64::MAX);
        assert_eq!(DateTime::from_secs_f64(f64::INFINITY).secs(), i64::MAX);
        assert_eq!(
            DateTime::from_secs_f64(-1e20),
            DateTime::from_secs(i64::MIN)
        );
        assert_eq!(DateTime::from_secs_f64(f64::NEG_INFINITY).secs(), i64::MIN);
        assert_eq!(DateTime::from_secs_f64(f64::NAN), DateTime::default());
        assert_eq!(DateTime::from_secs_f64(i64::MIN as f64).secs(), i64::MIN);
    }

    #[test]
    fn from_secs_and_nanos_carries() {
        assert_eq!(at(1, 1_500_000_000), at(2, 500_000_000));
        assert_eq!(at(i64::MAX, u32::MAX).secs(), i64::MAX);
        assert!(at(0, u32::MAX).subsec_nanos() < NANOS_PER_SEC);
    }

    #[test]
    fn system_time_conversions_do_not_panic() {
        let t = at(1398796238, 5);
        assert_eq!(DateTime::from(SystemTime::from(t)), t);
        let t = at(-2, 500_000_000);
        assert_eq!(DateTime::from(SystemTime::from(t)), t);
        let late = SystemTime::from(DateTime::from_secs(i64::MAX));
        let later = SystemTime::from(at(i64::MAX, NANOS_PER_SEC - 1));
        assert!(later >= late && late > SystemTime::from(at(MAX_SECS, 0)));
        let early = SystemTime::from(DateTime::from_secs(i64::MIN));
        assert!(early < SystemTime::from(at(MIN_SECS, 0)));
        assert!(DateTime::from(late).secs() > MAX_SECS);
        assert!(DateTime::from(early).secs() < MIN_SECS);
    }
}
