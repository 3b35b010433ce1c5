//! The test harness's own tests (`durable::testing`), on the examples.

use durable::testing::TestEnv;
use durable_examples::counter::Counter;

#[durable::test]
async fn typed_rpc_reaches_the_object(env: TestEnv) -> durable::Result<()> {
    let counter = env.namespace::<Counter>().get_by_name("a")?;
    assert_eq!(counter.increment(5).await?, 5);
    assert_eq!(counter.decrement(2).await?, 3);
    assert_eq!(counter.get_counter_value().await?, 3);
    Ok(())
}
