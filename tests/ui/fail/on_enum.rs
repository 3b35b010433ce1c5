use durable::durable_object;

#[durable_object]
pub enum Counter {
    Zero,
}

fn main() {}
