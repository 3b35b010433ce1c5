use durable::durable_object;

#[durable_object]
pub fn counter() {}

fn main() {}
