pub struct Session {
    user: String,
}

#[durable::rpc_target]
impl Session {
    pub fn rename(&mut self, user: String) {
        self.user = user;
    }

    pub fn check(&self, name: &str) -> bool {
        name == self.user
    }

    pub fn then(&self) -> u32 {
        0
    }

    #[durable(fetch)]
    pub async fn serve(&self, body: Vec<u8>) -> u32 {
        body.len() as u32
    }
}

pub struct Holder<T>(T);

#[durable::rpc_target]
impl<T: 'static> Holder<T> {
    pub fn ping(&self) -> u32 {
        1
    }
}

fn main() {}
