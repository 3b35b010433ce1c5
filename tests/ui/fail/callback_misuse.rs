use durable::rpc::Callback;

async fn progress(report: Callback<(u32, u32), bool>) {
    let _ = report.call(5).await;
}

fn not_a_tuple() -> Callback<u32, ()> {
    Callback::new(|done: u32| async move { Ok::<(), String>(()) })
}

fn main() {}
