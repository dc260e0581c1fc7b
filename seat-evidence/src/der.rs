//! A small DER writer (ITU-T X.690 section 10) for the PKCS#8 keys and X.509 certificates the
//! simulated TEE makes. Encoding cannot fail: every length is written in its shortest definite
//! form, integers are minimal two's complement, and times follow RFC 5280 section 4.1.2.5.

use crate::error::{Error, Item};

pub(crate) const TAG_BOOLEAN: u8 = 0x01;
pub(crate) const TAG_INTEGER: u8 = 0x02;
pub(crate) const TAG_BIT_STRING: u8 = 0x03;
pub(crate) const TAG_OCTET_STRING: u8 = 0x04;
pub(crate) const TAG_OID: u8 = 0x06;
pub(crate) const TAG_UTF8_STRING: u8 = 0x0c;
pub(crate) const TAG_UTC_TIME: u8 = 0x17;
pub(crate) const TAG_GENERALIZED_TIME: u8 = 0x18;
pub(crate) const TAG_SEQUENCE: u8 = 0x30;
pub(crate) const TAG_SET: u8 = 0x31;

/// One TLV with a definite, shortest length (X.690 section 10.1).
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 10);
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len.to_be_bytes().last().copied().unwrap_or(0));
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        let significant = bytes.get(skip..).unwrap_or_default();
        // A usize has at most 8 octets, so the count always fits the 7-bit field.
        out.push(0x80 | u8::try_from(significant.len()).unwrap_or(8));
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(content);
    out
}

/// A constructed TLV over the concatenation of `parts`.
pub(crate) fn constructed(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
    tlv(tag, &parts.concat())
}

/// `SEQUENCE { parts... }`.
pub(crate) fn seq(parts: &[&[u8]]) -> Vec<u8> {
    constructed(TAG_SEQUENCE, parts)
}

/// A non-negative INTEGER from big-endian magnitude bytes, minimal (X.690 section 8.3.2).
pub(crate) fn uint(magnitude: &[u8]) -> Vec<u8> {
    let skip = magnitude.iter().take_while(|b| **b == 0).count();
    let m = magnitude.get(skip..).unwrap_or_default();
    let mut content = Vec::with_capacity(m.len() + 1);
    if m.first().is_none_or(|b| b & 0x80 != 0) {
        content.push(0);
    }
    content.extend_from_slice(m);
    tlv(TAG_INTEGER, &content)
}

/// A BIT STRING with no unused bits.
pub(crate) fn bit_string(bytes: &[u8]) -> Vec<u8> {
    let mut content = Vec::with_capacity(bytes.len() + 1);
    content.push(0);
    content.extend_from_slice(bytes);
    tlv(TAG_BIT_STRING, &content)
}

/// An OBJECT IDENTIFIER from its content octets.
pub(crate) fn oid(content: &[u8]) -> Vec<u8> {
    tlv(TAG_OID, content)
}

/// A context-specific constructed tag `[n]` (explicit tagging, or implicit over a constructed
/// type).
pub(crate) fn context(n: u8, parts: &[&[u8]]) -> Vec<u8> {
    constructed(0xa0 | (n & 0x1f), parts)
}

/// The latest time a GeneralizedTime with a four-digit year can hold: 9999-12-31T23:59:59Z.
pub(crate) const MAX_TIME: u64 = 253_402_300_799;

/// The civil date of a day count since 1970-01-01 (H. Hinnant's `civil_from_days`, for
/// non-negative day counts).
const fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A `Time` for a certificate validity bound: UTCTime through 2049, GeneralizedTime from 2050
/// (RFC 5280 section 4.1.2.5), always in UTC with seconds.
///
/// # Errors
///
/// [`Error::InvalidArgument`] after 9999-12-31T23:59:59Z.
pub(crate) fn time(unix_secs: u64) -> Result<Vec<u8>, Error> {
    if unix_secs > MAX_TIME {
        return Err(Error::InvalidArgument {
            what: Item::Certificate,
        });
    }
    let (y, mo, d) = civil_from_days(unix_secs / 86_400);
    let s = unix_secs % 86_400;
    let (h, mi, se) = (s / 3600, (s % 3600) / 60, s % 60);
    Ok(if y < 2050 {
        let text = format!("{:02}{mo:02}{d:02}{h:02}{mi:02}{se:02}Z", y % 100);
        tlv(TAG_UTC_TIME, text.as_bytes())
    } else {
        let text = format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{se:02}Z");
        tlv(TAG_GENERALIZED_TIME, text.as_bytes())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_integers() {
        assert_eq!(tlv(0x04, &[]), [0x04, 0x00]);
        assert_eq!(tlv(0x04, &[7; 0x7f])[..2], [0x04, 0x7f]);
        assert_eq!(tlv(0x04, &[7; 0x80])[..3], [0x04, 0x81, 0x80]);
        assert_eq!(tlv(0x04, &[7; 0x100])[..4], [0x04, 0x82, 0x01, 0x00]);
        assert_eq!(uint(&[0, 0, 1]), [0x02, 0x01, 0x01]);
        assert_eq!(uint(&[0x80]), [0x02, 0x02, 0x00, 0x80]);
        assert_eq!(uint(&[]), [0x02, 0x01, 0x00]);
    }

    #[test]
    fn times() {
        // 2026-11-29T00:21:14Z, checked with `date -u -d @1795911674`.
        assert_eq!(time(1_795_911_674).unwrap()[2..], *b"261129002114Z");
        // 2049-12-31T23:59:59Z is the last UTCTime; 2050 switches to GeneralizedTime.
        assert_eq!(time(2_524_607_999).unwrap()[..2], [TAG_UTC_TIME, 13]);
        assert_eq!(time(2_524_608_000).unwrap()[2..], *b"20500101000000Z");
        assert_eq!(time(0).unwrap()[2..], *b"700101000000Z");
        assert_eq!(time(MAX_TIME).unwrap()[2..], *b"99991231235959Z");
        assert!(time(MAX_TIME + 1).is_err());
    }
}
