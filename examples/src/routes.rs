//! The value conversion's routes compared (for `KvExplorer::compare_routes`
//! and the e2e test `tests/e2e/convert.test.mjs`): a composite value crosses
//! either as one message (JavaScript -> Rust: the wire format, written by
//! JavaScript; Rust -> JavaScript: one JSON text) or part by part (the field
//! route, the definition). Seeded random JavaScript values, and Rust values,
//! are converted both ways and must give the same answer: the one-message
//! routes may decline a value (the field route then decides), but never
//! accept what the field route refuses, nor read or build anything
//! differently.

use std::collections::BTreeMap;
use std::fmt::Debug;

use durable::__private::convert_routes as routes;
use durable::rpc::Bytes;
use durable::sql::SqlValue;
use js_sys::{Array, BigInt, Object, Reflect, Uint8Array};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use durable::__private::wasm_bindgen::{JsCast, JsValue};

/// What one run of [`compare`] found.
#[derive(Debug, Default, Serialize, Deserialize, durable::TypeScript)]
pub struct RouteReport {
    /// JavaScript values generated.
    pub values: u32,
    /// (value, Rust type) pairs read by both routes.
    pub decodes: u32,
    /// Of those, how many the binary route (the wire format written by
    /// JavaScript) took and read.
    pub binary_read: u32,
    /// How many the binary route took and declined (the field route decided).
    pub binary_declined: u32,
    /// How many the field route accepted.
    pub field_accepted: u32,
    /// Rust values written by both routes.
    pub encodes: u32,
    /// Of those, how many the bulk route took.
    pub bulk_written: u32,
    /// Every disagreement, described (at most 20).
    pub mismatches: Vec<String>,
}

impl RouteReport {
    fn mismatch(&mut self, what: String) {
        if self.mismatches.len() < 20 {
            self.mismatches.push(what);
        }
    }
}

/// A small deterministic generator (SplitMix64).
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn word(&mut self, items: &[&'static str]) -> &'static str {
        items[self.below(items.len())]
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Point {
    x: f64,
    y: f64,
}

#[derive(Debug, Serialize, Deserialize)]
enum Shape {
    Unit,
    Circle { r: f64 },
    Square(f64),
    Pair(u8, u8),
    Maybe(Option<u32>),
}

#[derive(Debug, Serialize, Deserialize)]
struct Record {
    name: String,
    tags: Vec<String>,
    score: Option<f64>,
    extra: BTreeMap<String, u8>,
    #[serde(default)]
    nested: Option<Box<Record>>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Tuple(u8, String, bool);

#[derive(Debug, Serialize, Deserialize)]
struct Proto {
    __proto__: Option<Value>,
    x: Option<i32>,
}

const KEYS: &[&str] = &["x", "y", "__proto__", "1", "0", "-1", "name", "tags", "score", "extra", "nested", "Unit", "Circle", "Square", "Pair", "Maybe", "r", "é", "constructor", "toString", "length"];

const STRINGS: &[&str] = &["", "abc", "1", "42", "-1", "é", "😀", "a\u{0}b", "__proto__", "x", "Unit", "Circle", "Square", "Pair", "Maybe", "true", "null", "\"quoted\"", "line\nbreak"];

fn numbers() -> Vec<f64> {
    let safe = 9_007_199_254_740_991.0;
    vec![0.0, -0.0, 1.0, 2.0, -1.0, 1.5, 255.0, 256.0, -7.25, 0.1, safe, -safe, safe + 1.0, safe + 3.0, 1e16, -1e16, 1e300, 5e-324, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 4_294_967_296.0]
}

fn set(object: &JsValue, key: &str, value: &JsValue) {
    if key == "__proto__" {
        // An own property named `__proto__`, as JSON.parse and structured clone make it.
        let descriptor = Object::new();
        let _ = Reflect::set(&descriptor, &"value".into(), value);
        let _ = Reflect::set(&descriptor, &"enumerable".into(), &JsValue::TRUE);
        let _ = Reflect::set(&descriptor, &"writable".into(), &JsValue::TRUE);
        let _ = Reflect::set(&descriptor, &"configurable".into(), &JsValue::TRUE);
        Object::define_property(object.unchecked_ref::<Object>(), &key.into(), &descriptor);
    } else {
        let _ = Reflect::set(object, &key.into(), value);
    }
}

fn scalar(random: &mut Random) -> JsValue {
    match random.below(9) {
        0 => JsValue::NULL,
        1 => JsValue::UNDEFINED,
        2 => JsValue::from_bool(random.chance(50)),
        3 | 4 => JsValue::from_f64(*random.pick(&numbers())),
        5 => JsValue::from_f64((random.below(600) as f64) - 100.0),
        6 | 7 => JsValue::from_str(random.word(STRINGS)),
        _ => match random.below(3) {
            0 => BigInt::from(5_u32).into(),
            1 => BigInt::from(u64::MAX).into(),
            // A lone surrogate, which UTF-8 cannot hold.
            _ => js_sys::JsString::from_char_code1(0xd800).into(),
        },
    }
}

fn object(random: &mut Random, depth: u32) -> JsValue {
    let object = if random.chance(10) { JsValue::from(Object::create(JsValue::NULL.unchecked_ref::<Object>())) } else { JsValue::from(Object::new()) };
    for _ in 0..random.below(5) {
        let key = random.word(KEYS);
        set(&object, key, &value(random, depth + 1));
    }
    object
}

fn array(random: &mut Random, depth: u32) -> JsValue {
    let length = random.below(5) as u32;
    let array = Array::new_with_length(length);
    for i in 0..length {
        // Some elements are left as holes.
        if !random.chance(8) {
            array.set(i, value(random, depth + 1));
        }
    }
    array.into()
}

/// A value shaped like one of the Rust types, perturbed now and then.
fn shaped(random: &mut Random, depth: u32) -> JsValue {
    let number = |random: &mut Random| {
        if random.chance(80) {
            JsValue::from_f64((random.below(300) as f64) - 20.0 + if random.chance(20) { 0.5 } else { 0.0 })
        } else {
            scalar(random)
        }
    };
    let text = |random: &mut Random| if random.chance(85) { JsValue::from_str(random.word(STRINGS)) } else { scalar(random) };
    let object = Object::new();
    match random.below(10) {
        0 => {
            set(&object, "x", &number(random));
            set(&object, "y", &number(random));
        }
        1 => return Array::of2(&number(random), &number(random)).into(),
        2 => {
            for _ in 0..1 + random.below(3) {
                set(&object, random.word(&["1", "2", "10", "x", "__proto__"]), &text(random));
            }
        }
        3 => {
            let (variant, payload) = match random.below(5) {
                0 => return JsValue::from_str(random.word(&["Unit", "Maybe", "Square", "Nope"])),
                1 => {
                    let inner = Object::new();
                    set(&inner, "r", &number(random));
                    ("Circle", inner.into())
                }
                2 => ("Square", number(random)),
                3 => ("Pair", Array::of2(&number(random), &number(random)).into()),
                _ => ("Maybe", if random.chance(50) { JsValue::NULL } else { number(random) }),
            };
            set(&object, variant, &payload);
            if random.chance(10) {
                set(&object, "Unit", &JsValue::NULL);
            }
        }
        4 | 5 => {
            set(&object, "name", &text(random));
            let tags = Array::new();
            for _ in 0..random.below(4) {
                tags.push(&text(random));
            }
            set(&object, "tags", &tags);
            if random.chance(70) {
                set(&object, "score", &number(random));
            }
            let extra = Object::new();
            for _ in 0..random.below(3) {
                set(&extra, random.word(KEYS), &number(random));
            }
            set(&object, "extra", &extra);
            if depth < 2 && random.chance(30) {
                set(&object, "nested", &shaped(random, depth + 1));
            }
            if random.chance(30) {
                set(&object, random.word(KEYS), &value(random, depth + 1));
            }
        }
        6 => return Array::of3(&number(random), &text(random), &JsValue::from_bool(random.chance(50))).into(),
        7 => {
            let bytes: Vec<u8> = (0..random.below(6)).map(|_| random.next() as u8).collect();
            return match random.below(3) {
                0 => Uint8Array::from(bytes.as_slice()).into(),
                1 => bytes.iter().map(|b| JsValue::from(*b)).collect::<Array>().into(),
                _ => JsValue::from_str(random.word(STRINGS)),
            };
        }
        8 => {
            let list = Array::new();
            for _ in 0..random.below(6) {
                list.push(&number(random));
            }
            return list.into();
        }
        _ => {
            if random.chance(50) {
                set(&object, "__proto__", &value(random, depth + 1));
            }
            set(&object, "x", &number(random));
        }
    }
    object.into()
}

fn value(random: &mut Random, depth: u32) -> JsValue {
    if depth >= 4 {
        return scalar(random);
    }
    match random.below(10) {
        0..=2 => scalar(random),
        3 => array(random, depth),
        4 => object(random, depth),
        5 => {
            let map = js_sys::Map::new();
            map.set(&JsValue::from(1), &JsValue::from_str("one"));
            map.into()
        }
        _ => shaped(random, depth),
    }
}

/// `a` and `b` are the same JavaScript value: same types, `Object.is` for
/// scalars, same prototype, same own keys in the same order (holes and
/// `__proto__` included) with the same values.
fn same(a: &JsValue, b: &JsValue, path: &str) -> std::result::Result<(), String> {
    if Object::is(a, b) {
        return Ok(());
    }
    let differ = || Err(format!("at {path}: {a:?} against {b:?}"));
    if !a.is_object() || !b.is_object() {
        return differ();
    }
    let (a, b): (&Object, &Object) = (a.unchecked_ref(), b.unchecked_ref());
    if !Object::is(&Object::get_prototype_of(a), &Object::get_prototype_of(b)) {
        return Err(format!("at {path}: different prototypes"));
    }
    let (keys_a, keys_b) = (Reflect::own_keys(a).map_err(|e| format!("{e:?}"))?, Reflect::own_keys(b).map_err(|e| format!("{e:?}"))?);
    if keys_a.length() != keys_b.length() || keys_a.iter().zip(keys_b.iter()).any(|(x, y)| x != y) {
        return Err(format!("at {path}: own keys {keys_a:?} against {keys_b:?}"));
    }
    for key in keys_a.iter() {
        let (x, y) = (Reflect::get(a, &key).unwrap_or_default(), Reflect::get(b, &key).unwrap_or_default());
        same(&x, &y, &format!("{path}.{}", key.as_string().unwrap_or_default()))?;
    }
    Ok(())
}

fn shown(value: &JsValue) -> String {
    let text = js_sys::JSON::stringify(value).ok().and_then(|s| s.as_string()).unwrap_or_else(|| format!("{value:?}"));
    text.chars().take(160).collect()
}

/// Both routes' JavaScript values of `value` must be the same.
fn check_encode<T: Serialize + Debug>(report: &mut RouteReport, value: &T) {
    report.encodes += 1;
    let field = routes::encode_field(value);
    let Some(bulk) = routes::encode_bulk(value) else { return };
    report.bulk_written += 1;
    match field {
        Err(e) => report.mismatch(format!("encode {value:?}: the bulk route wrote {}, the field route refused: {e}", shown(&bulk))),
        Ok(field) => {
            if let Err(e) = same(&field, &bulk, "value") {
                report.mismatch(format!("encode {value:?}: {e}"));
            }
        }
    }
}

/// Both routes' reading of `value` as `T` must agree, and so must their
/// JavaScript values of what was read.
fn check<T: DeserializeOwned + Serialize + Debug>(report: &mut RouteReport, value: &JsValue, name: &str) {
    report.decodes += 1;
    let field = routes::decode_field::<T>(value.clone());
    if field.is_ok() {
        report.field_accepted += 1;
    }
    let mismatch = match (routes::decode_binary::<T>(value), &field) {
        (None, _) => None,
        (Some(Err(_)), _) => {
            report.binary_declined += 1;
            None
        }
        (Some(Ok(binary)), Err(e)) => {
            report.binary_read += 1;
            Some(format!("{name} from {}: the binary route read {binary:?}, the field route refused: {e}", shown(value)))
        }
        (Some(Ok(binary)), Ok(field)) => {
            report.binary_read += 1;
            let (b, f) = (format!("{binary:?}"), format!("{field:?}"));
            (b != f).then(|| format!("{name} from {}: the binary route read {b}, the field route {f}", shown(value)))
        }
    };
    if let Some(mismatch) = mismatch {
        report.mismatch(mismatch);
    }
    if let Ok(field) = field {
        check_encode(report, &field);
    }
}

/// A random Rust value with what only Rust has (`None`, `NaN`, `-0.0`,
/// `f32`, integers beyond 2^53, bytes, `()`, `__proto__` keys).
fn rust_value(random: &mut Random, depth: u32) -> Value {
    let keys = ["a", "__proto__", "1", "é", "b"];
    match random.below(if depth > 3 { 6 } else { 9 }) {
        0 => Value::Null,
        1 => Value::Bool(random.chance(50)),
        2 => serde_json::Number::from_f64(*random.pick(&numbers())).map_or(Value::Null, Value::Number),
        3 => Value::from(*random.pick(&[0_u64, 1, (1 << 53) - 1, 1 << 53, u64::MAX])),
        4 => Value::from(*random.pick(&[-1_i64, -(1 << 53) + 1, -(1 << 53) - 1, i64::MIN])),
        5 => Value::from(random.word(STRINGS)),
        6 | 7 => (0..random.below(4)).map(|_| (random.word(&keys).to_string(), rust_value(random, depth + 1))).collect::<serde_json::Map<_, _>>().into(),
        _ => (0..random.below(4)).map(|_| rust_value(random, depth + 1)).collect::<Vec<_>>().into(),
    }
}

#[derive(Debug, Serialize)]
struct Mixed {
    none: Option<u32>,
    float: f64,
    narrow: f32,
    big: u64,
    bytes: Bytes,
    unit: (),
    shape: Shape,
    letter: char,
    map: BTreeMap<String, Value>,
    sql: Vec<SqlValue>,
}

fn mixed(random: &mut Random) -> Mixed {
    let keep = |random: &mut Random, percent| random.chance(percent);
    Mixed {
        none: keep(random, 50).then_some(7),
        float: if keep(random, 60) { 1.5 } else { *random.pick(&numbers()) },
        narrow: if keep(random, 60) { 0.5 } else { 0.1 },
        big: if keep(random, 70) { 12 } else { 1 << 60 },
        bytes: Bytes::from(if keep(random, 50) { vec![] } else { vec![1, 2] }),
        unit: (),
        shape: match random.below(5) {
            0 => Shape::Unit,
            1 => Shape::Circle { r: 2.0 },
            2 => Shape::Square(-0.0),
            3 => Shape::Pair(1, 2),
            _ => Shape::Maybe(keep(random, 50).then_some(3)),
        },
        letter: *random.pick(&['a', 'é', '😀']),
        map: (0..random.below(4)).map(|_| (random.word(&["__proto__", "k", "1"]).to_string(), rust_value(random, 2))).collect(),
        sql: vec![SqlValue::Null, SqlValue::Integer(if keep(random, 70) { 3 } else { i64::MAX }), SqlValue::Real(1.25), SqlValue::Text("t".into())],
    }
}

/// Runs `count` generated JavaScript values (and as many Rust values) from
/// `seed` through both routes.
pub fn compare(seed: u64, count: u32) -> RouteReport {
    let mut random = Random(seed);
    let mut report = RouteReport::default();
    for _ in 0..count {
        report.values += 1;
        let value = if random.chance(60) { shaped(&mut random, 0) } else { value(&mut random, 0) };
        check::<Value>(&mut report, &value, "Value");
        check::<Point>(&mut report, &value, "Point");
        check::<Option<Point>>(&mut report, &value, "Option<Point>");
        check::<BTreeMap<u32, String>>(&mut report, &value, "BTreeMap<u32, String>");
        check::<BTreeMap<String, Value>>(&mut report, &value, "BTreeMap<String, Value>");
        check::<BTreeMap<char, f64>>(&mut report, &value, "BTreeMap<char, f64>");
        check::<Bytes>(&mut report, &value, "Bytes");
        check::<Vec<u8>>(&mut report, &value, "Vec<u8>");
        check::<Vec<Option<i64>>>(&mut report, &value, "Vec<Option<i64>>");
        check::<Vec<f32>>(&mut report, &value, "Vec<f32>");
        check::<Vec<i128>>(&mut report, &value, "Vec<i128>");
        check::<Shape>(&mut report, &value, "Shape");
        check::<Vec<Shape>>(&mut report, &value, "Vec<Shape>");
        check::<Record>(&mut report, &value, "Record");
        check::<Tuple>(&mut report, &value, "Tuple");
        check::<(f64, f64)>(&mut report, &value, "(f64, f64)");
        check::<Proto>(&mut report, &value, "Proto");
        check::<Vec<SqlValue>>(&mut report, &value, "Vec<SqlValue>");
        check::<BTreeMap<String, SqlValue>>(&mut report, &value, "BTreeMap<String, SqlValue>");
        check_encode(&mut report, &rust_value(&mut random, 0));
        check_encode(&mut report, &mixed(&mut random));
    }
    report
}
