//! Measurement records: one challenge and its signed answer, as a line of a
//! JSON Lines batch, and the parser that checks every field.
//!
//! ```json
//! {"chip":"SN-SG-0001","landmark":{"id":"sin-cbd","lat":1.2789,"lon":103.8536},
//!  "nonce":"<16 to 64 bytes, hex>","sent":"2026-11-29T10:00:00.000000Z",
//!  "received":"2026-11-29T10:00:00.000048Z","signature":"<64 bytes, hex>"}
//! ```
//!
//! The landmark sends the nonce at `sent` and receives the chip's answer at
//! `received` (both its own clock, RFC 3339, microseconds or finer); the
//! answer is the chip's Ed25519 signature over [`signed_message`].

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::geo::LatLon;

/// The fields of a record, in the order they are written.
pub const FIELDS: [&str; 6] = ["chip", "landmark", "nonce", "sent", "received", "signature"];

/// The fields of a record's landmark.
pub const LANDMARK_FIELDS: [&str; 3] = ["id", "lat", "lon"];

/// The least and greatest nonce length, bytes.
pub const NONCE_BYTES: std::ops::RangeInclusive<usize> = 16..=64;

/// A landmark as a record names it: its id and the position it claims.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LandmarkRef {
    /// The landmark's id in the registry.
    pub id: String,
    /// Its position as the record gives it.
    pub position: LatLon,
}

/// One challenge-response measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// The 1-based line of the batch it was read from (0 when built in
    /// memory).
    pub line: usize,
    /// The chip's serial number.
    pub chip: String,
    /// The landmark that sent the challenge.
    pub landmark: LandmarkRef,
    /// The challenge.
    pub nonce: Vec<u8>,
    /// When the landmark sent it.
    pub sent: Timestamp,
    /// When the landmark received the signed answer.
    pub received: Timestamp,
    /// The chip's Ed25519 signature over [`signed_message`].
    pub signature: [u8; 64],
}

impl Measurement {
    /// The round-trip time, ms.
    pub fn rtt_ms(&self) -> f64 {
        let ns = self.received.as_nanosecond() - self.sent.as_nanosecond();
        ns as f64 / 1e6
    }

    /// The message the chip signs for this record.
    pub fn message(&self) -> Vec<u8> {
        signed_message(&self.chip, &self.landmark.id, &self.nonce)
    }

    /// Whether the signature is the chip key's over [`Measurement::message`].
    pub fn signature_valid(&self, key: &VerifyingKey) -> bool {
        key.verify(&self.message(), &Signature::from_bytes(&self.signature))
            .is_ok()
    }

    /// Signs the record with `key` (the chip's device key; for simulations
    /// and tests).
    pub fn sign(&mut self, key: &SigningKey) {
        self.signature = key.sign(&self.message()).to_bytes();
    }

    /// The nonce in hex.
    pub fn nonce_hex(&self) -> String {
        hex(&self.nonce)
    }

    /// The record as one line of a batch (without the newline).
    pub fn to_json_line(&self) -> String {
        let mut landmark = Map::new();
        landmark.insert("id".into(), self.landmark.id.clone().into());
        landmark.insert("lat".into(), self.landmark.position.lat.into());
        landmark.insert("lon".into(), self.landmark.position.lon.into());
        let mut m = Map::new();
        m.insert("chip".into(), self.chip.clone().into());
        m.insert("landmark".into(), Value::Object(landmark));
        m.insert("nonce".into(), self.nonce_hex().into());
        m.insert("sent".into(), micros(self.sent).into());
        m.insert("received".into(), micros(self.received).into());
        m.insert("signature".into(), hex(&self.signature).into());
        Value::Object(m).to_string()
    }
}

/// A timestamp in RFC 3339 with microseconds.
fn micros(t: Timestamp) -> String {
    format!("{t:.6}")
}

/// What a chip signs: a domain-separation tag, its serial, the landmark's
/// id and the nonce, separated by NUL bytes. Binding the serial and the
/// landmark keeps an answer from being presented for another chip or
/// landmark.
pub fn signed_message(chip: &str, landmark: &str, nonce: &[u8]) -> Vec<u8> {
    let mut m = b"chipexport-locate/v1\0".to_vec();
    m.extend_from_slice(chip.as_bytes());
    m.push(0);
    m.extend_from_slice(landmark.as_bytes());
    m.push(0);
    m.extend_from_slice(nonce);
    m
}

/// Lower-case hex of bytes: the encoder of every hash chipexport shows.
pub use chipexport_domain::hex;

/// Bytes of a hex text; `None` for an odd length or a non-hex digit.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|d| u8::from_str_radix(d, 16).ok()))
        .collect()
}

/// A record the parser refuses, located in the batch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("line {line}: {message}")]
pub struct BatchError {
    /// The 1-based line.
    pub line: usize,
    /// The field, such as `landmark.lat`; `None` for the line as a whole.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
    /// The byte range in the batch to point at: the field's key, or the
    /// line.
    #[serde(skip)]
    pub span: std::ops::Range<usize>,
}

/// Parses a batch: one record per line (blank lines are skipped). Every
/// record must be well formed; the first bad one is the error.
pub fn parse_batch(text: &str) -> Result<Vec<Measurement>, BatchError> {
    let mut out = Vec::new();
    let mut offset = 0usize;
    for (i, raw) in text.split('\n').enumerate() {
        let start = offset;
        offset += raw.len() + 1;
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        out.push(parse_line(line, i + 1, start)?);
    }
    Ok(out)
}

/// One record of line `line`, whose text starts at byte `start` of the
/// batch.
pub fn parse_line(text: &str, line: usize, start: usize) -> Result<Measurement, BatchError> {
    let err = |field: Option<&str>, message: String, help: &str| {
        let at = field
            .and_then(|f| f.rsplit('.').next())
            .and_then(|k| text.find(&format!("\"{k}\"")))
            .map_or(start..start + text.len(), |o| {
                start + o
                    ..start + o + field.map_or(0, |f| f.rsplit('.').next().map_or(0, str::len) + 2)
            });
        BatchError {
            line,
            field: field.map(str::to_string),
            message,
            help: help.to_string(),
            span: at,
        }
    };
    let value: Value = serde_json::from_str(text).map_err(|e| {
        err(
            None,
            format!("not a JSON record: {e}"),
            "each line is one JSON object: chip, landmark {id, lat, lon}, nonce, sent, received, signature",
        )
    })?;
    let Value::Object(obj) = value else {
        return Err(err(
            None,
            "a record must be a JSON object".into(),
            "write one object per line",
        ));
    };
    let f = Fields {
        obj: &obj,
        err: &err,
        prefix: "",
    };
    f.no_unknown(&FIELDS)?;
    let chip = f.text("chip")?;
    let lm = f.object("landmark")?;
    let lmf = Fields {
        obj: lm,
        err: &err,
        prefix: "landmark.",
    };
    lmf.no_unknown(&LANDMARK_FIELDS)?;
    let id = lmf.text("id")?;
    let lat = lmf.number("lat")?;
    let lon = lmf.number("lon")?;
    if !(-90.0..=90.0).contains(&lat) {
        return Err(err(
            Some("landmark.lat"),
            format!("landmark `{id}` has an impossible latitude {lat}"),
            "a latitude is between -90 and 90 degrees",
        ));
    }
    if !(-180.0..=180.0).contains(&lon) {
        return Err(err(
            Some("landmark.lon"),
            format!("landmark `{id}` has an impossible longitude {lon}"),
            "a longitude is between -180 and 180 degrees",
        ));
    }
    let nonce = f.hex("nonce")?;
    if !NONCE_BYTES.contains(&nonce.len()) {
        return Err(err(
            Some("nonce"),
            format!("the nonce has {} bytes", nonce.len()),
            "a nonce has 16 to 64 random bytes, in hex",
        ));
    }
    let sent = f.time("sent")?;
    let received = f.time("received")?;
    if received <= sent {
        return Err(err(
            Some("received"),
            format!(
                "the answer was received ({received}) no later than the challenge was sent ({sent})"
            ),
            "`received` must be after `sent`: check the landmark's clock and the order of the fields",
        ));
    }
    let sig = f.hex("signature")?;
    let signature: [u8; 64] = sig.as_slice().try_into().map_err(|_| {
        err(
            Some("signature"),
            format!("the signature has {} bytes", sig.len()),
            "an Ed25519 signature has 64 bytes (128 hex digits)",
        )
    })?;
    Ok(Measurement {
        line,
        chip,
        landmark: LandmarkRef {
            id,
            position: LatLon { lat, lon },
        },
        nonce,
        sent,
        received,
        signature,
    })
}

type ErrFn<'a> = dyn Fn(Option<&str>, String, &str) -> BatchError + 'a;

/// The fields of one JSON object, read with located errors.
struct Fields<'a, 'e> {
    obj: &'a Map<String, Value>,
    err: &'e ErrFn<'e>,
    prefix: &'static str,
}

impl<'a> Fields<'a, '_> {
    fn name(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    fn no_unknown(&self, known: &[&str]) -> Result<(), BatchError> {
        match self.obj.keys().find(|k| !known.contains(&k.as_str())) {
            Some(k) => Err((self.err)(
                Some(&self.name(k)),
                format!("unknown field `{}`", self.name(k)),
                &format!("the fields are: {}", known.join(", ")),
            )),
            None => Ok(()),
        }
    }

    fn get(&self, key: &str) -> Result<&'a Value, BatchError> {
        self.obj.get(key).ok_or_else(|| {
            (self.err)(None, format!("missing field `{}`", self.name(key)), "every record has chip, landmark {id, lat, lon}, nonce, sent, received and signature")
        })
    }

    fn text(&self, key: &str) -> Result<String, BatchError> {
        match self.get(key)? {
            Value::String(s) if !s.trim().is_empty() => Ok(s.clone()),
            _ => Err((self.err)(
                Some(&self.name(key)),
                format!("`{}` must be a non-empty text", self.name(key)),
                "write it as a JSON string",
            )),
        }
    }

    fn number(&self, key: &str) -> Result<f64, BatchError> {
        match self.get(key)?.as_f64() {
            Some(n) if n.is_finite() => Ok(n),
            _ => Err((self.err)(
                Some(&self.name(key)),
                format!("`{}` must be a number (degrees)", self.name(key)),
                "write it as a JSON number, such as 1.2789",
            )),
        }
    }

    fn object(&self, key: &str) -> Result<&'a Map<String, Value>, BatchError> {
        match self.get(key)? {
            Value::Object(o) => Ok(o),
            _ => Err((self.err)(
                Some(&self.name(key)),
                format!("`{}` must be an object {{id, lat, lon}}", self.name(key)),
                "write the landmark as {\"id\": ..., \"lat\": ..., \"lon\": ...}",
            )),
        }
    }

    fn hex(&self, key: &str) -> Result<Vec<u8>, BatchError> {
        let s = self.text(key)?;
        unhex(&s).ok_or_else(|| {
            (self.err)(
                Some(&self.name(key)),
                format!("`{}` is not hex", self.name(key)),
                "write the bytes as an even number of hex digits",
            )
        })
    }

    fn time(&self, key: &str) -> Result<Timestamp, BatchError> {
        let s = self.text(key)?;
        s.parse::<Timestamp>().map_err(|e| {
            (self.err)(Some(&self.name(key)), format!("`{}` is not a time: {e}", self.name(key)), "write an RFC 3339 time in UTC with microseconds, such as 2026-11-29T10:00:00.000048Z")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Measurement {
        let mut m = Measurement {
            line: 0,
            chip: "SN-1".into(),
            landmark: LandmarkRef {
                id: "sin-cbd".into(),
                position: LatLon {
                    lat: 1.2789,
                    lon: 103.8536,
                },
            },
            nonce: vec![7; 32],
            sent: "2026-11-29T10:00:00Z".parse().unwrap_or_default(),
            received: "2026-11-29T10:00:00.000048Z".parse().unwrap_or_default(),
            signature: [0; 64],
        };
        m.sign(&SigningKey::from_bytes(&[1; 32]));
        m
    }

    #[test]
    fn a_record_round_trips_and_its_signature_holds() {
        let m = record();
        let line = m.to_json_line();
        let back = parse_batch(&format!("\n{line}\n")).map_err(|e| e.to_string());
        let back = back.as_deref().map(|v| v.first().cloned());
        let mut expect = m.clone();
        expect.line = 2;
        assert_eq!(back, Ok(Some(expect.clone())));
        assert!(expect.signature_valid(&SigningKey::from_bytes(&[1; 32]).verifying_key()));
        assert!(!expect.signature_valid(&SigningKey::from_bytes(&[2; 32]).verifying_key()));
        assert!((expect.rtt_ms() - 0.048).abs() < 1e-9);
    }

    #[test]
    fn bad_fields_are_named_with_their_line() {
        let good = record().to_json_line();
        let cases = [
            (
                good.replace("1.2789", "91.5"),
                Some("landmark.lat"),
                "impossible latitude",
            ),
            (
                good.replace("103.8536", "-181"),
                Some("landmark.lon"),
                "impossible longitude",
            ),
            (
                good.replace("\"chip\"", "\"chipp\""),
                Some("chipp"),
                "unknown field",
            ),
            (
                good.replace("2026-11-29T10:00:00.000048Z", "yesterday"),
                Some("received"),
                "not a time",
            ),
            (
                good.replace("2026-11-29T10:00:00.000048Z", "2026-11-29T09:00:00Z"),
                Some("received"),
                "no later than",
            ),
            (
                good.replace("\"nonce\":\"07", "\"nonce\":\"zz"),
                Some("nonce"),
                "not hex",
            ),
            ("{\"chip\": 3".to_string(), None, "not a JSON record"),
            ("[1]".to_string(), None, "JSON object"),
        ];
        for (text, field, msg) in cases {
            let batch = format!("{good}\n{text}\n");
            let e = parse_batch(&batch).err();
            let e = e.as_ref();
            assert_eq!(e.map(|e| e.line), Some(2), "{text}");
            assert_eq!(e.and_then(|e| e.field.as_deref()), field, "{text}");
            assert!(e.is_some_and(|e| e.message.contains(msg)), "{e:?}");
            assert!(
                e.is_some_and(|e| batch.get(e.span.clone()).is_some()),
                "{e:?}"
            );
        }
    }
}
