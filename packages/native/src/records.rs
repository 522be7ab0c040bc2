//! The result cache's records read here: the disk store's lines (diskCacheStore.ts: `CRC KEY
//! T TAG VALUE`, the CRC-32 of what follows its space as 8 hex digits, T the time in ms in
//! base 36), found by key for many keys at once.
//!
//! - `findRecords(records, tag, keys, touchBefore)`: each key's value in `records` as the
//!   store's `lookup` finds it (its last sound record of `tag`).
//! - `recordVerdicts(sums, hexLength, prefix, read, tag, t36, touchBefore, startedMs, racyNs,
//!   algorithm, fileLimit, totalLimit)`: a first check of a plain checksum file (every line
//!   `HEX  NAME` or `HEX *NAME`) answered from the cache: each named file stat'ed (every
//!   core), its entry's level key made from the stat as `statMany` makes it, its record
//!   found, or the file hashed where it has none (as `hashFiles` hashes it, its record
//!   made), its digest compared with the line's, and the check index's entries made
//!   (checkIndex.ts's layout). See `record_verdicts`.

use super::batch::{algorithm, hash_here, hex_value, push_ids, push_key};
use super::napi::*;
use super::{arguments, bytes, checked, throw, CallbackInfo, Env, Failure, Outcome, Value};
use rayon::prelude::*;
use std::collections::HashMap;
use std::ffi::c_char;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::Write;
use std::ptr;

/// CRC-32 (IEEE 802.3, zlib's `crc32`): the disk store's check value of a record. Eight
/// tables, eight bytes a step ("slicing by 8"): ~3x a byte a step, which `findRecords` felt.
const CRC_TABLES: [[u32; 256]; 8] = {
    let mut tables = [[0u32; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { 0xedb8_8320 ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        tables[0][i] = c;
        i += 1;
    }
    let mut t = 1;
    while t < 8 {
        let mut i = 0;
        while i < 256 {
            let c = tables[t - 1][i];
            tables[t][i] = tables[0][(c & 0xff) as usize] ^ (c >> 8);
            i += 1;
        }
        t += 1;
    }
    tables
};

pub(crate) fn crc32(data: &[u8]) -> u32 {
    let t = &CRC_TABLES;
    let mut c = !0u32;
    let mut chunks = data.chunks_exact(8);
    for chunk in &mut chunks {
        let low = c ^ u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        c = t[7][(low & 0xff) as usize]
            ^ t[6][(low >> 8 & 0xff) as usize]
            ^ t[5][(low >> 16 & 0xff) as usize]
            ^ t[4][(low >> 24) as usize]
            ^ t[3][chunk[4] as usize]
            ^ t[2][chunk[5] as usize]
            ^ t[1][chunk[6] as usize]
            ^ t[0][chunk[7] as usize];
    }
    for &b in chunks.remainder() {
        c = t[0][((c ^ b as u32) & 0xff) as usize] ^ (c >> 8);
    }
    !c
}

/// A hasher for the store's keys (hex digits of SHA-256 already): their first 8 bytes, mixed.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8).take(2) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
}

/// A record's key, time (base 36), tag and value (diskCacheStore.ts's `parseLine`: `CRC KEY
/// T TAG VALUE`, the value empty where the tag ends the line), or None for a torn or damaged
/// line (its check value, 8 lowercase hex digits, not the CRC-32 of what follows its space).
fn record_fields(line: &[u8]) -> Option<(&[u8], &[u8], &[u8], &[u8])> {
    if line.len() < 9 || line[8] != b' ' {
        return None;
    }
    let mut sum = 0u32;
    for &b in &line[..8] {
        sum = sum << 4 | hex_value(b)? as u32;
    }
    let body = &line[9..];
    // The store reads its files as UTF-8 text: a line that is not is damaged there.
    std::str::from_utf8(body).ok()?;
    let key_end = body.iter().position(|&b| b == b' ')?;
    let t_end = key_end + 1 + body[key_end + 1..].iter().position(|&b| b == b' ')?;
    let rest = &body[t_end + 1..];
    let (tag, value) = match rest.iter().position(|&b| b == b' ') {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (rest, &rest[rest.len()..]),
    };
    (crc32(body) == sum).then_some((&body[..key_end], &body[key_end + 1..t_end], tag, value))
}

/// Appends the record `CRC KEY T TAG VALUE` and its LF (diskCacheStore.ts's `record`) to a
/// shard's text, and counts it: `value` in pieces, `body` a scratch buffer.
pub(crate) fn push_record(shard: &mut (Vec<u8>, u32), body: &mut Vec<u8>, key: &[u8], t36: &[u8], tag: &[u8], value: &[&[u8]]) {
    body.clear();
    for field in [key, t36, tag] {
        body.extend_from_slice(field);
        body.push(b' ');
    }
    for piece in value {
        body.extend_from_slice(piece);
    }
    let _ = write!(shard.0, "{:08x} ", crc32(body));
    shard.0.extend_from_slice(body);
    shard.0.push(b'\n');
    shard.1 += 1;
}

/// Keys to the time and value of their last sound record, once `latest` has read the records.
type Slots<'k, 'r> = HashMap<&'k [u8], Option<(&'r [u8], &'r [u8])>, BuildHasherDefault<KeyHasher>>;

fn slots<'k, 'r>(keys: impl ExactSizeIterator<Item = &'k [u8]>) -> Slots<'k, 'r> {
    let mut slots = HashMap::with_capacity_and_hasher(keys.len(), Default::default());
    slots.extend(keys.map(|key| (key, None)));
    slots
}

/// The shard diskCacheStore.ts's `shardOf` files `key` under: its first two hex digits (as
/// `parseInt(key.slice(0, 2), 16)` reads them) modulo the 64 shards.
pub(crate) fn shard_of(key: &[u8]) -> usize {
    let value = match (key.first().and_then(|&b| hex_value(b.to_ascii_lowercase())), key.get(1).and_then(|&b| hex_value(b.to_ascii_lowercase()))) {
        (Some(high), Some(low)) => (high << 4 | low) as usize,
        (Some(high), None) => high as usize,
        _ => 0,
    };
    value % SHARDS
}

/// Each key of `slots` gets the time and value of its last sound record of `tag` in `records`
/// (each line checked on every core, its CRC-32 most of the work, then taken in order). Each
/// shard's records follow a line `#SS` naming it: a record counts only in its key's shard,
/// as the store's `lookup` reads one shard.
fn latest<'k, 'r>(records: &'r [u8], tag: &[u8], slots: &mut Slots<'k, 'r>) {
    let lines: Vec<&[u8]> = records.split(|&b| b == b'\n').collect();
    let fields: Vec<Option<(&[u8], &[u8], &[u8], &[u8])>> = lines.par_chunks(1024).flat_map_iter(|chunk| chunk.iter().map(|line| record_fields(line))).collect();
    let mut shard = None;
    for (line, fields) in lines.iter().zip(fields) {
        if line.len() == 3 && line[0] == b'#' {
            shard = Some(shard_of(&line[1..]));
            continue;
        }
        let Some((key, t, found_tag, value)) = fields else { continue };
        if found_tag != tag || shard != Some(shard_of(key)) {
            continue;
        }
        if let Some(slot) = slots.get_mut(key) {
            *slot = Some((t, value));
        }
    }
}

/// A record's time (base 36, ms) is before `touch_before`: the store writes it again when read.
fn older(t: &[u8], touch_before: f64) -> bool {
    std::str::from_utf8(t).ok().and_then(|t| u64::from_str_radix(t, 36).ok()).is_some_and(|t| (t as f64) < touch_before)
}

/// A JavaScript string of `out`: one byte a character where it is ASCII (values are JSON, as a rule), made without decoding.
unsafe fn string(env: Env, out: &[u8]) -> Outcome {
    let mut result = ptr::null_mut();
    let made = if out.is_ascii() {
        napi_create_string_latin1(env, out.as_ptr() as *const c_char, out.len(), &mut result)
    } else {
        napi_create_string_utf8(env, out.as_ptr() as *const c_char, out.len(), &mut result)
    };
    checked(made, "string")?;
    Ok(result)
}

/// `findRecords(records, tag, keys, touchBefore)`: the disk store's lookups of many keys at
/// once. `records` holds the store's records of the keys' shards, each shard's in the order
/// they were written (its pack's, then its own file's), each block after a line `#SS`;
/// `keys` is split by LF. One line a key, in order: `+VALUE` for the value of its last sound record of `tag`, `!VALUE` the same where
/// that record's time (ms) is before `touchBefore` (to be written again), or nothing where it
/// has none. What diskCacheStore.ts's `readShard` and `lookup` do a record at a time.
pub unsafe extern "C" fn find_records(env: Env, info: CallbackInfo) -> Value {
    let run = || -> Outcome {
        let (argv, _) = arguments::<4>(env, info)?;
        let records = bytes(env, argv[0])?;
        let tag = bytes(env, argv[1])?;
        let keys = bytes(env, argv[2])?;
        let touch_before = super::number(env, argv[3], "touchBefore: a time")?;
        let keys: Vec<&[u8]> = if keys.is_empty() { Vec::new() } else { keys.split(|&b| b == b'\n').collect() };
        let mut found = slots(keys.iter().copied());
        latest(records, tag, &mut found);
        let mut out = Vec::with_capacity(keys.len() * 96);
        for key in &keys {
            if let Some(Some((t, value))) = found.get(key) {
                out.push(if older(t, touch_before) { b'!' } else { b'+' });
                out.extend_from_slice(value);
            }
            out.push(b'\n');
        }
        string(env, &out)
    };
    run().unwrap_or_else(|failure| throw(env, failure))
}

/// A plain line's digest and name: where each lies in the checksum file.
struct PlainLine {
    digest: std::ops::Range<usize>,
    name: std::ops::Range<usize>,
}

/// The lines of `sums` where every one is a plain line: `hex_length` hex digits, a space, a
/// space or `*`, then a name of UTF-8 that prints as it is (no `\\`, CR or NUL), which is how
/// checksumLine.ts parses such a line (a GNU line, neither tagged nor escaped); None for any
/// other file (a comment, an empty or malformed line, another length...: the parse's).
fn plain_lines(sums: &[u8], hex_length: usize) -> Option<Vec<PlainLine>> {
    let mut lines = Vec::new();
    let mut start = 0;
    while start < sums.len() {
        let end = sums[start..].iter().position(|&b| b == b'\n').map_or(sums.len(), |at| start + at);
        let line = &sums[start..end];
        if line.len() < hex_length + 3 || !line[..hex_length].iter().all(u8::is_ascii_hexdigit) || line[hex_length] != b' ' || !matches!(line[hex_length + 1], b' ' | b'*') {
            return None;
        }
        let name = &line[hex_length + 2..];
        if name.iter().any(|&b| b == b'\\' || b == b'\r' || b == 0) || std::str::from_utf8(name).is_err() || name.len() >= 1 << 32 {
            return None;
        }
        lines.push(PlainLine { digest: start..start + hex_length, name: start + hex_length + 2..end });
        start = end + 1;
    }
    Some(lines)
}

/// A line's file as stat'ed: its identity (dev, ino, size, mtime ns, ctime ns, as checkIndex.ts
/// keeps them) and the level key of its entry (`statMany`'s ID).
struct Stated {
    fields: [i64; 5],
    id: [u8; 40],
    /// Its identity key (`dev:ino:size:mtimeNs:ctimeNs`, `push_key`'s).
    key: Vec<u8>,
}

/// The stat of `name` and its level key, or None where it is not a regular file there.
unsafe fn stated(name: &[u8], prefix: &[u8], sha256: super::batch::Algorithm, path: &mut Vec<u8>, text: &mut Vec<u8>, key: &mut Vec<u8>) -> Option<Stated> {
    path.clear();
    path.extend_from_slice(name);
    path.push(0);
    let mut st: libc::stat = std::mem::zeroed();
    if libc::stat(path.as_ptr() as *const c_char, &mut st) != 0 || st.st_mode & libc::S_IFMT != libc::S_IFREG {
        return None;
    }
    key.clear();
    push_key(key, &st);
    let key_end = key.len();
    push_ids(&[prefix], Some(sha256), 0, text, key);
    let id: [u8; 40] = key.get(key_end + 1..key_end + 41)?.try_into().ok()?;
    Some(Stated { fields: fields_of(&st), id, key: key[..key_end].to_vec() })
}

/// A stat's identity as checkIndex.ts keeps it: dev, ino, size, mtime and ctime in ns.
fn fields_of(st: &libc::stat) -> [i64; 5] {
    let ns = |sec: i64, nsec: i64| (sec as i128 * 1_000_000_000 + nsec as i128) as i64;
    [st.st_dev as u64 as i64, st.st_ino as u64 as i64, st.st_size as i64, ns(st.st_mtime as i64, st.st_mtime_nsec as i64), ns(st.st_ctime as i64, st.st_ctime_nsec as i64)]
}

/// A file the cache did not answer, as `hash_here` read it: its digest (lowercase hex), and
/// whether it was the file stat'ed first, unchanged while read.
struct Read {
    digest: Vec<u8>,
    unchanged: bool,
}

/// Reads and hashes `name` with `algorithm`, or None where it cannot be read (the full
/// check reports it). `key` is the identity key of its stat by name (`stated`): the open
/// file's once read must be the same, as `indexEntries` has a file read during a check
/// stat'ed again (no stat of the open file before the read: a file that changed since its
/// stat, even to more than the size allowed, is found changed once read).
unsafe fn read_one(name: &[u8], algorithm: super::batch::Algorithm, key: &[u8], path: &mut Vec<u8>) -> Option<Read> {
    path.clear();
    path.extend_from_slice(name);
    path.push(0);
    let mut line = Vec::with_capacity(160);
    hash_here(path, &[algorithm], &mut line);
    // `HEX\tKEY\n`, or `\terrno:N\n`.
    let tab = line.iter().position(|&b| b == b'\t').filter(|&tab| tab > 0)?;
    let unchanged = line[tab + 1..line.len() - 1] == *key;
    line.truncate(tab);
    Some(Read { digest: line, unchanged })
}

/// A value as digestEntry.ts's `entryValue` writes one without a fingerprint,
/// `{"d":"HEX","b":BYTES}` (HEX 8 to 256 lowercase digits, BYTES a safe integer as JSON writes
/// it): its digest and size. None for any other (a fingerprint's: the JavaScript side's).
fn plain_value(value: &[u8]) -> Option<(&[u8], u64)> {
    let rest = value.strip_prefix(b"{\"d\":\"")?.strip_suffix(b"}")?;
    let middle = rest.windows(6).position(|w| w == b"\",\"b\":")?;
    let (digest, size) = (&rest[..middle], &rest[middle + 6..]);
    if !(8..=256).contains(&digest.len()) || !digest.iter().all(|&b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return None;
    }
    if size.is_empty() || size.len() > 15 || (size[0] == b'0' && size.len() > 1) || !size.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some((digest, std::str::from_utf8(size).ok()?.parse().ok()?))
}

/// A record of a file's digest (lowercase hex) and size with the value `plain_value` reads,
/// digestEntry.ts's `entryValue` without a fingerprint: `hashFiles`' records and those of the
/// files `recordVerdicts` reads.
pub(crate) fn push_digest_record(shard: &mut (Vec<u8>, u32), body: &mut Vec<u8>, id: &[u8], t36: &[u8], tag: &[u8], digest: &[u8], size: &[u8]) {
    push_record(shard, body, id, t36, tag, &[b"{\"d\":\"", digest, b"\",\"b\":", size, b"}"]);
}

/// The disk store's shards (diskCacheStore.ts's `SHARDS`).
pub(crate) const SHARDS: usize = 64;
/// checkIndex.ts's `FIELDS` and `Verdict`.
const FIELDS: usize = 7;
const OK: i64 = 1;
const MISMATCH: i64 = 2;

/// `recordVerdicts(sums, hexLength, prefix, read, tag, t36, touchBefore, startedMs, racyNs,
/// algorithm, fileLimit, totalLimit)`: the first check of a plain checksum file
/// (`plain_lines`) answered by the result cache, or null where it cannot answer every line:
/// a line not plain, a file missing or not regular, a file without a sound record of its
/// size (none, another size, not plain: `plain_value`) where `algorithm` is empty, larger
/// than `fileLimit`, not settled (changed within `racyNs` of `startedMs`: it is cached with a
/// fingerprint, which the JavaScript side makes), or such files of more than `totalLimit`
/// bytes in all, or one that cannot be read.
///
/// A file without a record is read and hashed on every core with `algorithm` (`hashFiles`'
/// names: `sha256`, `blake3`...) and its record made (written as the others': below) where it
/// was read as stat'ed; one that changed (its identity once read not that of its stat by
/// name) is not cached, and leaves the entries not to be indexed.
///
/// Each file is stat'ed on every core and its entry's level key made (SHA-256 of `prefix`
/// followed by its identity key, as `statMany`); `read(shards)` (the shards the keys fall in,
/// two hex digits each, "," between two) gives the store's records of those shards, in the
/// order `findRecords` takes them. A Buffer: 4 bytes of flags (little-endian, as the count;
/// 1: the entries may be indexed, every file's ctime more than `racyNs` before `startedMs`
/// (ms) and none of its times before 1970), 4 bytes the count of lines, then the index's
/// entries (`FIELDS` 64-bit integers a line, in the machine's order: the identity, the
/// verdict, the name's span), then the records to write again (read, and older than
/// `touchBefore`: with the time `t36`), by shard as `hashFiles` gives them (`\0SS COUNT\n`,
/// then the records).
pub unsafe extern "C" fn record_verdicts(env: Env, info: CallbackInfo) -> Value {
    let run = || -> Outcome {
        let (argv, _) = arguments::<12>(env, info)?;
        let mut null = ptr::null_mut();
        napi_get_null(env, &mut null);
        let sums = bytes(env, argv[0])?;
        let hex_length = super::number(env, argv[1], "hexLength: a count")? as usize;
        let prefix = bytes(env, argv[2])?;
        let tag = bytes(env, argv[4])?;
        let t36 = bytes(env, argv[5])?;
        let touch_before = super::number(env, argv[6], "touchBefore: a time")?;
        let settled_before = super::number(env, argv[7], "startedMs: a time")?.floor() as i128 * 1_000_000 - super::number(env, argv[8], "racyNs: a time")? as i128;
        // Resolved only where a file is to be read.
        let hashing = Some(bytes(env, argv[9])?).filter(|name| !name.is_empty());
        let file_limit = super::number(env, argv[10], "fileLimit: a size")? as u64;
        let total_limit = super::number(env, argv[11], "totalLimit: a size")? as u64;
        let Some(lines) = plain_lines(sums, hex_length).filter(|lines| !lines.is_empty()) else { return Ok(null) };
        let sha256 = algorithm("sha256")?;
        let found: Vec<Option<Stated>> = lines
            .par_chunks(256)
            .map_init(|| (Vec::new(), Vec::new(), Vec::new()), |(path, text, key), chunk| chunk.iter().map(|line| stated(&sums[line.name.clone()], prefix, sha256, path, text, key)).collect::<Vec<_>>())
            .flatten_iter()
            .collect();
        let Some(found) = found.into_iter().collect::<Option<Vec<Stated>>>() else { return Ok(null) };
        // The records of the shards the keys fall in, from the JavaScript side.
        let mut wanted = [false; SHARDS];
        for file in &found {
            wanted[shard_of(&file.id)] = true;
        }
        let names: Vec<String> = (0..SHARDS).filter(|&s| wanted[s]).map(|s| format!("{s:02x}")).collect();
        let shards = super::napi::text(env, &names.join(","));
        let mut this = ptr::null_mut();
        napi_get_undefined(env, &mut this);
        let mut read = ptr::null_mut();
        if napi_call_function(env, this, argv[3], 1, &shards, &mut read) != 0 {
            // The exception `read` threw stays pending: the caller's.
            return Ok(null);
        }
        let records = bytes(env, read)?;
        let mut records_of = slots(found.iter().map(|file| &file.id[..]));
        latest(records, tag, &mut records_of);
        // Each file's record (its time, value and digest), where the cache holds a sound one of its size.
        let answered: Vec<Option<(&[u8], &[u8], &[u8])>> = found
            .iter()
            .map(|file| {
                let (t, value) = (*records_of.get(&file.id[..])?)?;
                let (digest, size) = plain_value(value)?;
                (size == file.fields[2] as u64).then_some((t, value, digest))
            })
            .collect();
        let misses: Vec<usize> = (0..lines.len()).filter(|&i| answered[i].is_none()).collect();
        let miss_bytes: u64 = misses.iter().map(|&i| found[i].fields[2] as u64).sum();
        // As `indexEntries`: a file changed within the racy window, or one whose times are
        // before 1970 (its key holds a minus, which the index does not read), is not indexed.
        let settled_file = |file: &Stated| (file.fields[4] as i128) < settled_before && file.fields[3] >= 0 && file.fields[4] >= 0;
        // A file to read that is not settled is cached with a fingerprint (leanHash.ts's `store`): the JavaScript side's.
        let readable = |i: &usize| found[*i].fields[2] as u64 <= file_limit && settled_file(&found[*i]);
        let read: Option<Vec<Read>> = match hashing {
            _ if misses.is_empty() => Some(Vec::new()),
            Some(name) if miss_bytes <= total_limit && misses.iter().all(readable) => {
                let hashing = algorithm(std::str::from_utf8(name).map_err(|_| Failure::usage("algorithm: a name"))?)?;
                // A file that cannot be read stops the reading (the full check reports it).
                misses.par_iter().map_init(Vec::new, |path, &i| read_one(&sums[lines[i].name.clone()], hashing, &found[i].key, path)).collect()
            }
            _ => None,
        };
        let Some(read) = read else { return Ok(null) };
        let mut read = read.iter();
        let mut out = vec![0u8; 8];
        out.reserve(lines.len() * FIELDS * 8);
        let mut touched: Vec<(Vec<u8>, u32)> = (0..SHARDS).map(|_| (Vec::new(), 0)).collect();
        let mut settled = true;
        let mut body = Vec::new();
        for ((line, file), answer) in lines.iter().zip(&found).zip(&answered) {
            let digest: &[u8] = match answer {
                Some((t, value, digest)) => {
                    if older(t, touch_before) {
                        push_record(&mut touched[shard_of(&file.id)], &mut body, &file.id, t36, tag, &[value]);
                    }
                    digest
                }
                None => {
                    let hashed = read.next().expect("a file read for each miss");
                    // A file changed while read is not indexed (`indexEntries`: read, and not as
                    // stat'ed) nor cached; one read as stat'ed is cached, as `hashFiles` caches it.
                    settled &= hashed.unchanged;
                    if hashed.unchanged {
                        let size = file.fields[2].to_string();
                        push_digest_record(&mut touched[shard_of(&file.id)], &mut body, &file.id, t36, tag, &hashed.digest, size.as_bytes());
                    }
                    &hashed.digest
                }
            };
            let verdict = if digest.eq_ignore_ascii_case(&sums[line.digest.clone()]) { OK } else { MISMATCH };
            settled &= settled_file(file);
            let span = (line.name.start as i64) << 32 | line.name.len() as i64;
            for field in file.fields.iter().chain(&[verdict, span]) {
                out.extend_from_slice(&field.to_ne_bytes());
            }
        }
        out[..4].copy_from_slice(&(settled as u32).to_le_bytes());
        out[4..8].copy_from_slice(&(lines.len() as u32).to_le_bytes());
        for (shard, (text, count)) in touched.iter().enumerate() {
            if *count > 0 {
                let _ = write!(out, "\0{shard:02x} {count}\n");
                out.extend_from_slice(text);
            }
        }
        super::buffer(env, &out)
    };
    run().unwrap_or_else(|failure| throw(env, failure))
}

pub(crate) const FUNCTIONS: [(&[u8], super::Callback); 2] = [(b"findRecords\0", find_records), (b"recordVerdicts\0", record_verdicts)];
