use durable::prelude::*;

#[durable_object]
pub trait Remote {
    const LIMIT: u32;
    fn associated() -> u32;
    async fn rename(&mut self, name: String) -> String;
    #[durable(fetch)]
    async fn serve(&self) -> String;
}

fn main() {}
