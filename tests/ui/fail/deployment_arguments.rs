//! Bad deployment arguments on a struct: each is reported at its value.
use durable::prelude::*;

#[durable_object(binding = "MY-COUNTER")]
pub struct BadBinding {
    state: State,
}

#[durable_object(storage = "postgres")]
pub struct UnknownBackend {
    state: State,
}

#[durable_object(renamed_from = "RenamedFromItself")]
pub struct RenamedFromItself {
    state: State,
}

#[durable_object(transferred_from = "other:Counter")]
pub struct Transferred {
    state: State,
}

fn main() {}
