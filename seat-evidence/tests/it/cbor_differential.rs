#![allow(clippy::cast_possible_truncation, clippy::type_complexity)]
//! CBOR differential test (issue 15), frozen. A large generated set of well-formed and
//! malformed inputs (random heads, non-shortest heads, indefinite lengths, duplicate keys, bad
//! UTF-8, simple values, deep nesting, truncations, trailing bytes, lying lengths, mutations)
//! goes through every public entry point of `seat_evidence::cbor`, and the outcomes (value or
//! error kind, item and offset) must be those of `tests/data/cbor-differential.txt`.
//!
//! That file was recorded (commit "CBOR on minicbor with a strict layer") when the same
//! generator ran the inputs through both the minicbor-based strict layer and a test-only copy
//! of the hand-written reader it replaced, and the two agreed on all 45 000 inputs (945 000
//! outcomes) except one class, where the new layer is right: RFC 8949 section 3.2.3 requires
//! each chunk of an indefinite-length text string to be valid UTF-8 on its own; the old reader
//! checked only the concatenation, minicbor checks each chunk (160 inputs, lenient profile
//! only, since the strict profile refuses indefinite lengths outright). The old reader was then
//! deleted; the corpus keeps the comparison able to fail.

use std::collections::BTreeMap;

use crate::support::Rng;

/// Inputs per category.
const PER_CATEGORY: usize = 3_000;

/// The generator's switches for one category.
#[derive(Clone, Copy, Default)]
struct Opts {
    non_shortest: bool,
    indefinite: bool,
    dup_keys: bool,
    bad_utf8: bool,
    odd_simple: bool,
    max_depth: usize,
}

struct Gen<'a> {
    rng: &'a mut Rng,
    o: Opts,
}

impl Gen<'_> {
    fn chance(&mut self, one_in: usize) -> bool {
        self.rng.below(one_in) == 0
    }

    fn arg(&mut self) -> u64 {
        const EDGES: [u64; 12] = [
            0,
            1,
            23,
            24,
            255,
            256,
            65_535,
            65_536,
            0xffff_ffff,
            0x1_0000_0000,
            i64::MAX as u64,
            u64::MAX,
        ];
        match self.rng.below(4) {
            0 => EDGES[self.rng.below(EDGES.len())],
            1 => self.rng.next_u64() >> self.rng.below(64),
            _ => self.rng.below(30) as u64,
        }
    }

    /// A head for `major` and `arg`, at its preferred width or (when enabled) a wider one.
    fn head(&mut self, out: &mut Vec<u8>, major: u8, arg: u64) {
        let mt = major << 5;
        let min_width = if arg < 24 {
            0
        } else if arg <= 0xff {
            1
        } else if arg <= 0xffff {
            2
        } else if arg <= 0xffff_ffff {
            3
        } else {
            4
        };
        let width = if self.o.non_shortest && self.chance(4) {
            min_width + self.rng.below(5 - min_width)
        } else {
            min_width
        };
        match width {
            0 => out.push(mt | arg as u8),
            1 => out.extend_from_slice(&[mt | 24, arg as u8]),
            2 => {
                out.push(mt | 25);
                out.extend_from_slice(&(arg as u16).to_be_bytes());
            }
            3 => {
                out.push(mt | 26);
                out.extend_from_slice(&(arg as u32).to_be_bytes());
            }
            _ => {
                out.push(mt | 27);
                out.extend_from_slice(&arg.to_be_bytes());
            }
        }
    }

    fn text_bytes(&mut self) -> Vec<u8> {
        if self.o.bad_utf8 && self.chance(2) {
            return self.rng.bytes(6);
        }
        const PIECES: [&str; 6] = ["a", "z", "é", "€", "𝄞", "__cmwc_t"];
        let n = self.rng.below(4);
        (0..n)
            .map(|_| PIECES[self.rng.below(PIECES.len())])
            .collect::<String>()
            .into_bytes()
    }

    fn string(&mut self, out: &mut Vec<u8>, major: u8, content: &[u8]) {
        if self.o.indefinite && self.chance(3) {
            out.push((major << 5) | 31);
            let mut rest = content;
            while !rest.is_empty() || self.chance(3) {
                let take = self.rng.below(rest.len() + 1);
                let (chunk, tail) = rest.split_at(take);
                // Now and then a chunk of the wrong kind or an indefinite chunk.
                let m = if self.chance(12) { 5 - major } else { major };
                if self.chance(16) {
                    out.push((m << 5) | 31);
                    out.push(0xff);
                } else {
                    self.head(out, m, chunk.len() as u64);
                    out.extend_from_slice(chunk);
                }
                rest = tail;
                if self.chance(8) {
                    break;
                }
            }
            out.push(0xff);
        } else {
            self.head(out, major, content.len() as u64);
            out.extend_from_slice(content);
        }
    }

    fn key(&mut self, out: &mut Vec<u8>, depth: usize) {
        if self.o.dup_keys {
            match self.rng.below(5) {
                0 => out.push(0x01),
                1 => out.extend_from_slice(&[0x61, b'a']),
                2 => out.push(0x20),
                3 => out.extend_from_slice(&[0x18, 0x18]),
                _ => self.item(out, depth + 1),
            }
        } else {
            self.item(out, depth + 1);
        }
    }

    fn container(&mut self, out: &mut Vec<u8>, major: u8, depth: usize) {
        let n = self.rng.below(5);
        let indefinite = self.o.indefinite && self.chance(3);
        if indefinite {
            out.push((major << 5) | 31);
        } else {
            self.head(out, major, n as u64);
        }
        for _ in 0..n {
            if major == 5 {
                self.key(out, depth);
            }
            self.item(out, depth + 1);
        }
        if indefinite {
            out.push(0xff);
        }
    }

    fn simple(&mut self, out: &mut Vec<u8>) {
        if self.o.odd_simple && self.chance(2) {
            match self.rng.below(4) {
                0 => out.push(0xe0 | self.rng.below(32) as u8),
                1 => out.extend_from_slice(&[0xf8, self.rng.below(256) as u8]),
                2 => out.extend_from_slice(&[0xf8, self.rng.below(40) as u8]),
                _ => out.push(0xf7),
            }
            return;
        }
        match self.rng.below(6) {
            0 => out.push(0xf4),
            1 => out.push(0xf5),
            2 => out.push(0xf6),
            3 => {
                out.push(0xf9);
                out.extend_from_slice(&self.rng.bytes_exact(2));
            }
            4 => {
                out.push(0xfa);
                out.extend_from_slice(&self.rng.bytes_exact(4));
            }
            _ => {
                out.push(0xfb);
                out.extend_from_slice(&self.rng.bytes_exact(8));
            }
        }
    }

    fn item(&mut self, out: &mut Vec<u8>, depth: usize) {
        let leaf = depth >= self.o.max_depth;
        let choice = if leaf {
            self.rng.below(5)
        } else {
            self.rng.below(8)
        };
        match choice {
            0 => {
                let a = self.arg();
                self.head(out, 0, a);
            }
            1 => {
                let a = self.arg();
                self.head(out, 1, a);
            }
            2 => {
                let b = self.rng.bytes(6);
                self.string(out, 2, &b);
            }
            3 => {
                let t = self.text_bytes();
                self.string(out, 3, &t);
            }
            4 => self.simple(out),
            5 => self.container(out, 4, depth),
            6 => self.container(out, 5, depth),
            _ => {
                let t = if self.chance(2) {
                    self.rng.below(30) as u64
                } else {
                    self.arg()
                };
                self.head(out, 6, t);
                self.item(out, depth + 1);
            }
        }
    }
}

trait RngExt {
    fn bytes_exact(&mut self, n: usize) -> Vec<u8>;
}

impl RngExt for Rng {
    fn bytes_exact(&mut self, n: usize) -> Vec<u8> {
        let mut v = vec![0; n];
        self.fill(&mut v);
        v
    }
}

fn generate(rng: &mut Rng, o: Opts) -> Vec<u8> {
    let mut out = Vec::new();
    Gen { rng, o }.item(&mut out, 0);
    out
}

const NORMAL: Opts = Opts {
    non_shortest: false,
    indefinite: false,
    dup_keys: false,
    bad_utf8: false,
    odd_simple: false,
    max_depth: 4,
};

/// Every category: name and generator.
fn categories() -> Vec<(&'static str, Box<dyn Fn(&mut Rng) -> Vec<u8>>)> {
    let mut v: Vec<(&'static str, Box<dyn Fn(&mut Rng) -> Vec<u8>>)> = Vec::new();
    v.push(("well-formed", Box::new(|r| generate(r, NORMAL))));
    v.push((
        "random-bytes",
        Box::new(|r| {
            let n = r.below(24);
            r.bytes_exact(n)
        }),
    ));
    v.push((
        "random-heads",
        Box::new(|r| {
            // A run of heads with random initial bytes and argument bytes.
            let mut out = Vec::new();
            for _ in 0..1 + r.below(6) {
                let ib = r.below(256) as u8;
                out.push(ib);
                let extra = match ib & 0x1f {
                    24 => 1,
                    25 => 2,
                    26 => 4,
                    27 => 8,
                    _ => 0,
                };
                let extra = if r.below(6) == 0 {
                    r.below(extra + 1)
                } else {
                    extra
                };
                out.extend_from_slice(&r.bytes_exact(extra));
            }
            out
        }),
    ));
    v.push((
        "non-shortest",
        Box::new(|r| {
            generate(
                r,
                Opts {
                    non_shortest: true,
                    ..NORMAL
                },
            )
        }),
    ));
    v.push((
        "indefinite",
        Box::new(|r| {
            generate(
                r,
                Opts {
                    indefinite: true,
                    ..NORMAL
                },
            )
        }),
    ));
    v.push((
        "duplicate-keys",
        Box::new(|r| {
            generate(
                r,
                Opts {
                    dup_keys: true,
                    ..NORMAL
                },
            )
        }),
    ));
    v.push((
        "bad-utf8",
        Box::new(|r| {
            let indefinite = r.below(2) == 0;
            generate(
                r,
                Opts {
                    bad_utf8: true,
                    indefinite,
                    ..NORMAL
                },
            )
        }),
    ));
    v.push((
        "simple-values",
        Box::new(|r| {
            generate(
                r,
                Opts {
                    odd_simple: true,
                    max_depth: 2,
                    ..NORMAL
                },
            )
        }),
    ));
    v.push((
        "deep-nesting",
        Box::new(|r| {
            let depth = 10 + r.below(12);
            let mut out = Vec::new();
            for _ in 0..depth {
                match r.below(4) {
                    0 => out.push(0x81),
                    1 => out.extend_from_slice(&[0xa1, 0x00]),
                    2 => out.push(0xc1),
                    _ => out.push(0x9f),
                }
            }
            out.push(0x00);
            // Close what needs closing (indefinite arrays) now and then.
            if r.below(2) == 0 {
                let opens = out.iter().filter(|b| **b == 0x9f).count();
                out.extend(std::iter::repeat_n(0xff, opens));
            }
            out
        }),
    ));
    v.push((
        "truncated",
        Box::new(|r| {
            let mut b = {
                let flag = r.below(2) == 0;
                generate(
                    r,
                    Opts {
                        indefinite: flag,
                        ..NORMAL
                    },
                )
            };
            let cut = r.below(b.len());
            b.truncate(cut);
            b
        }),
    ));
    v.push((
        "trailing",
        Box::new(|r| {
            let mut b = generate(r, NORMAL);
            let n = 1 + r.below(3);
            b.extend_from_slice(&r.bytes_exact(n));
            b
        }),
    ));
    v.push((
        "lying-lengths",
        Box::new(|r| {
            // A count or length larger than the input, or around MAX_ITEMS.
            let mut out = Vec::new();
            let major = [2u8, 3, 4, 5][r.below(4)];
            let claim = match r.below(5) {
                0 => 1023,
                1 => 1024,
                2 => 1025,
                3 => u64::MAX >> r.below(64),
                _ => r.below(40) as u64,
            };
            Gen {
                rng: r,
                o: Opts {
                    non_shortest: true,
                    ..NORMAL
                },
            }
            .head(&mut out, major, claim);
            let fill = match major {
                2 | 3 => r.below(40),
                4 => (claim.min(1100) as usize).saturating_sub(r.below(2)),
                _ => 2 * (claim.min(1100) as usize).saturating_sub(r.below(2)),
            };
            out.extend(std::iter::repeat_n(0x00, fill));
            out
        }),
    ));
    v.push((
        "indefinite-many",
        Box::new(|r| {
            let n = 1020 + r.below(10);
            let mut out = vec![if r.below(2) == 0 { 0x9f } else { 0xbf }];
            let count = if out[0] == 0xbf { 2 * n } else { n };
            out.extend(std::iter::repeat_n(0x00, count));
            if out[0] == 0xbf {
                // Distinct keys: 0..n as uints.
                out.truncate(1);
                for i in 0..n {
                    Gen { rng: r, o: NORMAL }.head(&mut out, 0, i as u64);
                    out.push(0x00);
                }
            }
            out.push(0xff);
            out
        }),
    ));
    v.push((
        "mutated",
        Box::new(|r| {
            let mut b = {
                let flag = r.below(3) == 0;
                generate(
                    r,
                    Opts {
                        indefinite: flag,
                        ..NORMAL
                    },
                )
            };
            for _ in 0..1 + r.below(3) {
                if b.is_empty() {
                    break;
                }
                let i = r.below(b.len());
                match r.below(3) {
                    0 => b[i] ^= 1 << r.below(8),
                    1 => b[i] = r.below(256) as u8,
                    _ => {
                        b.remove(i);
                    }
                }
            }
            b
        }),
    ));
    v.push((
        "unsorted-maps",
        Box::new(|r| {
            // Maps of small int and text keys in random order (check_deterministic).
            let n = 1 + r.below(4);
            let mut out = Vec::new();
            Gen { rng: r, o: NORMAL }.head(&mut out, 5, n as u64);
            for _ in 0..n {
                match r.below(4) {
                    0 => out.push(r.below(24) as u8),
                    1 => out.extend_from_slice(&[0x18, 24 + r.below(200) as u8]),
                    2 => out.push(0x20 | r.below(24) as u8),
                    _ => out.extend_from_slice(&[0x61, b'a' + r.below(3) as u8]),
                }
                out.push(0xf6);
            }
            out
        }),
    ));
    v
}

/// Runs one input through every public entry point of a CBOR module and renders each outcome
/// (a macro so that, while it existed, the old reader's copy could run through it too).
macro_rules! probe {
    ($m:path, $buf:expr) => {{
        use $m as m;
        let buf: &[u8] = $buf;
        let what = seat_evidence::Item::CborItem;
        let mut out = Vec::new();
        for (pname, p) in [
            ("strict", m::Profile::STRICT),
            ("lenient", m::Profile::LENIENT),
        ] {
            out.push(format!("{pname} value {:?}", m::decode_value(buf, p)));
            let r0 = m::Reader::new(buf, p);
            // Positions are compared after successful reads only.
            let mut r = r0.clone();
            out.push(format!(
                "{pname} int {:?}",
                r.int(what).map(|v| (v, r.position()))
            ));
            let mut r = r0.clone();
            out.push(format!(
                "{pname} uint {:?}",
                r.uint(what).map(|v| (v, r.position()))
            ));
            let mut r = r0.clone();
            out.push(format!(
                "{pname} bytes {:?}",
                r.bytes(what).map(|b| (b.into_owned(), r.position()))
            ));
            let mut r = r0.clone();
            out.push(format!(
                "{pname} text {:?}",
                r.text(what).map(|b| (b.into_owned(), r.position()))
            ));
            let mut r = r0.clone();
            out.push(format!(
                "{pname} tag {:?}",
                r.tag(what).map(|v| (v, r.position()))
            ));
            let mut r = r0.clone();
            out.push(format!(
                "{pname} bool {:?}",
                r.bool(what).map(|v| (v, r.position()))
            ));
            let mut r = r0.clone();
            out.push(format!("{pname} null {:?} @{}", r.null(), r.position()));
            // Arrays and maps item by item through `has_next` and `skip`.
            for is_map in [false, true] {
                let mut r = r0.clone();
                let res = (|| {
                    let mut len = if is_map { r.map(what)? } else { r.array(what)? };
                    r.enter(what)?;
                    let mut count = 0;
                    let mut seen = Vec::new();
                    while r.has_next(&mut len, &mut count, what)? {
                        seen.push(r.skip(what)?.to_vec());
                        if is_map {
                            seen.push(r.skip(what)?.to_vec());
                        }
                    }
                    r.leave();
                    r.finish(what)?;
                    Ok::<_, seat_evidence::Error>(seen)
                })();
                out.push(format!("{pname} container(map={is_map}) {res:?}"));
            }
        }
        out.push(format!("deterministic {:?}", m::check_deterministic(buf)));
        out
    }};
}

/// The category, input and outcomes of every case.
fn outcomes() -> Vec<(&'static str, Vec<u8>, Vec<String>)> {
    let mut rows = Vec::new();
    for (i, (name, generator)) in categories().into_iter().enumerate() {
        let mut rng = Rng::new(0x15_c0de_0000 + i as u64);
        for _ in 0..PER_CATEGORY {
            let input = generator(&mut rng);
            let o = probe!(seat_evidence::cbor, &input);
            rows.push((name, input, o));
        }
    }
    rows
}

/// The frozen corpus: per category, the number of cases and the SHA-256 of every outcome line
/// in order, then the inputs and outcomes of the first few cases of each category in full.
fn frozen_corpus(rows: &[(&'static str, Vec<u8>, Vec<String>)]) -> String {
    use sha2::{Digest, Sha256};
    let mut out = String::from(
        "# seat-evidence CBOR differential corpus (tests/it/cbor_differential.rs).\n\
         # Outcomes of every public entry point of seat_evidence::cbor on the generated inputs,\n\
         # recorded when the minicbor-based strict layer agreed with the hand-written reader it\n\
         # replaced (issue 15), except for the split-UTF-8-chunk class the test documents.\n",
    );
    let mut cats: Vec<&str> = rows.iter().map(|r| r.0).collect();
    cats.dedup();
    for cat in &cats {
        let mut h = Sha256::new();
        let mut n = 0;
        for (_, _, o) in rows.iter().filter(|r| r.0 == *cat) {
            for line in o {
                h.update(line.as_bytes());
                h.update(b"\n");
            }
            n += 1;
        }
        out.push_str(&format!("digest {cat} {n} {}\n", hex::encode(h.finalize())));
    }
    for cat in &cats {
        let short = rows.iter().filter(|r| r.0 == *cat && r.1.len() <= 48);
        for (_, input, o) in short.take(SAMPLES) {
            out.push_str(&format!("case {cat} {}\n", hex::encode(input)));
            for line in o {
                out.push_str(&format!("  {line}\n"));
            }
        }
    }
    out
}

/// Cases per category kept in full in the frozen corpus (the first ones of at most 48 bytes).
const SAMPLES: usize = 12;

#[test]
fn outcomes_match_the_frozen_corpus() {
    let rows = outcomes();
    // Per category: cases, accepted by strict value decoding.
    let mut stats: BTreeMap<&str, [usize; 2]> = BTreeMap::new();
    for (cat, _, o) in &rows {
        let s = stats.entry(cat).or_default();
        s[0] += 1;
        if o[0].starts_with("strict value Ok") {
            s[1] += 1;
        }
    }
    eprintln!("category: cases accepted(strict)");
    for (cat, s) in &stats {
        eprintln!("  {cat}: {} {}", s[0], s[1]);
    }
    let expected = include_str!("../data/cbor-differential.txt");
    let actual = frozen_corpus(&rows);
    let differing: Vec<_> = expected
        .lines()
        .zip(actual.lines())
        .filter(|(e, a)| e != a)
        .take(20)
        .map(|(e, a)| format!("  expected: {e}\n  actual:   {a}"))
        .collect();
    assert!(
        differing.is_empty() && expected.lines().count() == actual.lines().count(),
        "CBOR outcomes differ from the frozen corpus:\n{}",
        differing.join("\n")
    );
}
