//! The CPU-bound RPC benchmark's Rust object (`bench/rpc.mjs`): a directory of
//! 10,000 names held in memory, searched by edit distance (a "did you mean"
//! lookup). `JsNameSearch` in `examples/js-caller` does the same work in
//! JavaScript; the benchmark checks that both answer the same.
//!
//! `GET /name-search/?query=Karen+Milodan&limit=5&name=A` answers the matches
//! as JSON, through the typed `NameSearchStub`; `/name-search/bench?calls=N`
//! makes N calls through it, for the benchmark.

use durable::prelude::*;
use durable::TypeScript;
use serde::{Deserialize, Serialize};
use worker::Url;

/// How many names the directory holds.
pub const DIRECTORY_SIZE: u32 = 10_000;
/// The most matches one search answers.
pub const MAX_LIMIT: u32 = 100;
/// The longest query, in characters.
pub const MAX_QUERY_CHARS: usize = 64;

/// The queries the benchmark sends, in turn (also in `examples/js-caller`).
pub const BENCH_QUERIES: [&str; 6] = ["Karen Milodan", "Vorber Tisel", "Quis Martel", "Natel Gusel", "Omar Kasel", "Lotika Berna"];

/// One name of the directory and its edit distance to the query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TypeScript)]
pub struct NameMatch {
    /// The name as stored.
    pub name: String,
    /// Its position in the directory.
    pub index: u32,
    /// Levenshtein distance to the query, in characters.
    pub distance: u32,
}

/// A directory of names, built when the object starts.
#[durable_object]
pub struct NameSearch {
    names: Vec<String>,
    /// Whether each name is ASCII (one byte per character): then the search
    /// compares bytes instead of decoding characters.
    ascii: Vec<bool>,
}

#[durable_object]
impl NameSearch {
    pub fn new(_state: State, _env: Env) -> Self {
        let names: Vec<String> = (0..DIRECTORY_SIZE).map(directory_name).collect();
        let ascii = names.iter().map(|n| n.is_ascii()).collect();
        Self { names, ascii }
    }

    /// How many names the directory holds.
    pub fn size(&self) -> u32 {
        self.names.len() as u32
    }

    /// The `limit` names closest to `query` (Levenshtein distance), closest
    /// first, ties in directory order. At most [`MAX_LIMIT`] matches and
    /// [`MAX_QUERY_CHARS`] characters of query.
    pub fn search(&self, query: String, limit: u32) -> Result<Vec<NameMatch>> {
        let bytes = query.is_ascii().then(|| query.as_bytes().to_vec());
        let query: Vec<char> = query.chars().collect();
        if query.len() > MAX_QUERY_CHARS {
            return Err(Error::message(format!("the query has {} characters; at most {MAX_QUERY_CHARS}", query.len())));
        }
        if limit > MAX_LIMIT {
            return Err(Error::message(format!("limit {limit} is over {MAX_LIMIT}")));
        }
        let limit = limit as usize;
        let mut row = vec![0; query.len() + 1];
        // The best so far, closest first; a name enters only if it beats the last.
        let mut best: Vec<(u32, usize)> = Vec::with_capacity(limit + 1);
        for (index, name) in self.names.iter().enumerate() {
            // Characters and bytes are the same thing when both are ASCII.
            let distance = match &bytes {
                Some(bytes) if self.ascii[index] => levenshtein(bytes, name.bytes(), &mut row),
                _ => levenshtein(&query, name.chars(), &mut row),
            };
            if best.len() == limit && best.last().is_none_or(|&(worst, _)| distance >= worst) {
                continue;
            }
            let at = best.partition_point(|&(d, _)| d <= distance);
            best.insert(at, (distance, index));
            best.truncate(limit);
        }
        Ok(best.into_iter().map(|(distance, index)| NameMatch { name: self.names[index].clone(), index: index as u32, distance }).collect())
    }
}

/// The edit distance between `query` and `name` (both as characters, or
/// both as bytes); `row` has `query.len() + 1` cells and is scratch space.
fn levenshtein<T: PartialEq + Copy>(query: &[T], name: impl Iterator<Item = T>, row: &mut [u32]) -> u32 {
    for (j, cell) in row.iter_mut().enumerate() {
        *cell = j as u32;
    }
    for (i, c) in name.enumerate() {
        // row holds the distances of the name's first i characters; turn it
        // into those of its first i + 1, left to right.
        let mut diagonal = row[0];
        let mut left = i as u32 + 1;
        row[0] = left;
        for (q, cell) in query.iter().zip(&mut row[1..]) {
            let above = *cell;
            let value = (above + 1).min(left + 1).min(diagonal + u32::from(*q != c));
            *cell = value;
            diagonal = above;
            left = value;
        }
    }
    row[query.len()]
}

const SYLLABLES: [&str; 16] = ["ka", "ren", "mi", "lo", "dan", "sel", "ti", "vor", "ber", "na", "qu", "is", "mar", "tel", "o", "gu"];

/// The directory's name at `index`: a given name and a family name of two or
/// three syllables each, from a hash of the index (the same in JavaScript).
pub fn directory_name(index: u32) -> String {
    let mut x = (index + 1).wrapping_mul(2_654_435_761);
    x ^= x >> 15;
    x = x.wrapping_mul(2_246_822_519);
    x ^= x >> 13;
    let part = |flag: u32, shift: u32| {
        let count = 2 + ((x >> flag) & 1);
        let word: String = (0..count).map(|k| SYLLABLES[((x >> (shift + 4 * k)) & 15) as usize]).collect();
        let mut chars = word.chars();
        chars.next().map(|first| first.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
    };
    format!("{} {}", part(0, 1), part(13, 14))
}

/// The worker side: one search (`/`) or the benchmark's loop (`/bench`),
/// through the typed stub.
pub(crate) async fn handle(env: &Env, url: &Url, rest: &str) -> worker::Result<Response> {
    let param = |k: &str| url.query_pairs().find(|(key, _)| key == k).map(|(_, v)| v.into_owned());
    let name = param("name").unwrap_or_else(|| "bench".into());
    let directory = Namespace::<NameSearch>::from_env_default(env)?.get_by_name(&name)?;
    match rest {
        "/" => {
            let Some(query) = param("query") else {
                return Response::error("pass ?query=", 400);
            };
            let limit = match param("limit").map(|l| l.parse::<u32>()) {
                None => 5,
                Some(Ok(limit)) => limit,
                Some(Err(_)) => return Response::error("limit: a whole number", 400),
            };
            match directory.search(query, limit).await {
                Ok(matches) => Response::from_json(&matches),
                Err(e) => Response::error(e.to_string(), 400),
            }
        }
        "/bench" => {
            let calls: u32 = param("calls").and_then(|c| c.parse().ok()).unwrap_or(10).min(10_000);
            for i in 0..calls {
                directory.search(BENCH_QUERIES[i as usize % BENCH_QUERIES.len()].to_owned(), 5).await?;
            }
            Response::ok(calls.to_string())
        }
        _ => Response::error("Not found", 404),
    }
}

#[cfg(test)]
mod tests {
    use super::{directory_name, levenshtein};

    fn distance(a: &str, b: &str) -> u32 {
        let chars: Vec<char> = a.chars().collect();
        let mut row = vec![0; chars.len() + 1];
        let by_chars = levenshtein(&chars, b.chars(), &mut row);
        if a.is_ascii() && b.is_ascii() {
            let mut row = vec![0; a.len() + 1];
            assert_eq!(levenshtein(a.as_bytes(), b.bytes(), &mut row), by_chars, "{a} / {b}: bytes and characters disagree");
        }
        by_chars
    }

    #[test]
    fn edit_distances() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("abc", ""), 3);
        assert_eq!(distance("flaw", "lawn"), 2);
        assert_eq!(distance("été", "ete"), 2);
        assert_eq!(distance("same", "same"), 0);
    }

    #[test]
    fn directory_names_are_stable() {
        // The JavaScript twin must produce these too (checked by the benchmark).
        let name = directory_name(0);
        assert!(name.contains(' ') && name.chars().next().unwrap().is_ascii_uppercase(), "{name}");
        assert_eq!(directory_name(42), directory_name(42));
        assert_ne!(directory_name(1), directory_name(2));
    }
}
