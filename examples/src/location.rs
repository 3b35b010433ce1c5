//! "Durable Object in-memory state": remembers the city of the last request for
//! as long as the object stays in memory.

use std::cell::RefCell;

use durable::prelude::*;

/// Remembers where it was last called from, in memory only.
#[durable_object]
pub struct Location {
    location: RefCell<Option<String>>,
}

#[durable_object]
impl Location {
    pub fn new(_state: State, _env: Env) -> Self {
        // Upon construction there is no location; eviction resets it.
        Self { location: RefCell::new(None) }
    }

    pub async fn fetch(&self, req: Request) -> Result<Response> {
        let city = req
            .cf()
            .and_then(|cf| cf.city())
            .unwrap_or_else(|| "unknown: the runtime gave no city".to_owned());
        let previous = self.location.replace(Some(city.clone()));
        let text = match previous {
            None => format!(
                "\nThis is the first request, you called the constructor, so this.location was null.\n\
                 You will set this.location to be your city: ({city}). Try reloading the page."
            ),
            Some(previous) => format!(
                "\nThe Durable Object was already loaded and running because it recently handled a request.\n\n\
                 Previous Location: {previous}\nNew Location: {city}"
            ),
        };
        Ok(Response::ok(text)?)
    }
}

pub(crate) async fn handle(req: worker::Request, env: &Env) -> worker::Result<Response> {
    let stub = env.durable_object("LOCATION")?.id_from_name("A")?.get_stub()?;
    let mut resp = stub.fetch_with_request(req).await?;
    Response::ok(resp.text().await?)
}
