//! The test harness's own tests (`durable::testing`), on the examples:
//! isolation, the hooks (alarm now, eviction, restart, list ids, storage),
//! fetch and WebSockets, and how failures surface.

use durable::testing::{Message, TestEnv, TestRequest};
use durable_examples::alarm_lab::AlarmLab;
use durable_examples::counter::Counter;
use durable_examples::kv_explorer::KvExplorer;
use durable_examples::location::Location;
use durable_examples::notes::{NewNote, Notes};
use durable_examples::shelf::Shelf;
use durable_examples::ws_lab::WsLab;

#[durable::test]
async fn typed_rpc_reaches_the_object(env: TestEnv) -> durable::Result<()> {
    let counter = env.namespace::<Counter>().get_by_name("a")?;
    assert_eq!(counter.increment(5).await?, 5);
    assert_eq!(counter.decrement(2).await?, 3);
    assert_eq!(counter.get_counter_value().await?, 3);
    Ok(())
}

/// Four tests on the same object name, more than there are slots: whichever
/// runs first, and in whichever slot, each starts from nothing.
async fn isolated(env: TestEnv) -> durable::Result<()> {
    let counter = env.namespace::<Counter>().get_by_name("shared")?;
    assert_eq!(counter.increment(1).await?, 1, "another test's count leaked in");
    let kv = env.namespace::<KvExplorer>().get_by_name("shared")?;
    assert_eq!(kv.get("mark".into()).await?, None, "another test's key leaked in");
    kv.put("mark".into(), serde_json::json!("set")).await?;
    assert_eq!(env.namespace::<Counter>().list_ids().await?.len(), 1);
    Ok(())
}

#[durable::test]
async fn isolation_1(env: TestEnv) -> durable::Result<()> {
    isolated(env).await
}

#[durable::test]
async fn isolation_2(env: TestEnv) -> durable::Result<()> {
    isolated(env).await
}

#[durable::test]
async fn isolation_3(env: TestEnv) -> durable::Result<()> {
    isolated(env).await
}

#[durable::test]
async fn isolation_4(env: TestEnv) -> durable::Result<()> {
    isolated(env).await
}

#[durable::test]
async fn the_object_sees_the_name_the_test_asked_for(env: TestEnv) -> durable::Result<()> {
    let info = env.namespace::<KvExplorer>().get_by_name("ada lovelace/1")?.who_am_i().await?;
    assert_eq!(info.name.as_deref(), Some("ada lovelace/1"));
    Ok(())
}

#[durable::test]
async fn run_alarm_fires_it_now(env: TestEnv) -> durable::Result<()> {
    let lab = env.namespace::<AlarmLab>().get_by_name("now")?;
    let at = lab.schedule(3_600_000, 0, "error".into()).await?;
    assert_eq!(env.alarm_time(&lab).await?, Some(at as f64));
    assert!(env.run_alarm(&lab).await?, "an alarm was set");
    let attempts = lab.attempts().await?;
    assert_eq!(attempts.len(), 1);
    assert!(!attempts[0].failed);
    // Cleared before the handler ran, as the runtime does.
    assert_eq!(lab.alarm_time().await?, None);
    assert!(!env.run_alarm(&lab).await?, "no alarm is left to run");
    Ok(())
}

#[durable::test]
async fn a_failing_alarm_handler_is_an_error(env: TestEnv) -> durable::Result<()> {
    let lab = env.namespace::<AlarmLab>().get_by_name("fails")?;
    lab.schedule(3_600_000, 1, "error".into()).await?;
    let error = env.run_alarm(&lab).await.unwrap_err();
    assert!(error.to_string().contains("the alarm handler failed on purpose"), "{error}");
    Ok(())
}

#[durable::test]
async fn eviction_drops_memory_and_keeps_storage(env: TestEnv) -> durable::Result<()> {
    let counter = env.namespace::<Counter>().get_by_name("kept")?;
    counter.increment(5).await?;
    // Location remembers its last request in memory only.
    let location = env.namespace::<Location>().get_by_name("here")?;
    let first = env.fetch(&location, TestRequest::get("/")).await?;
    assert!(first.text().contains("first request"), "{}", first.text());
    let second = env.fetch(&location, TestRequest::get("/")).await?;
    assert!(second.text().contains("already loaded"), "{}", second.text());
    env.evict(&location).await?;
    env.evict(&counter).await?;
    let third = env.fetch(&location, TestRequest::get("/")).await?;
    assert!(third.text().contains("first request"), "the constructor ran again: {}", third.text());
    assert_eq!(counter.get_counter_value().await?, 5);
    Ok(())
}

#[durable::test(private)]
async fn restart_keeps_storage_and_forgets_memory(env: TestEnv) -> durable::Result<()> {
    let counters = env.namespace::<Counter>();
    counters.get_by_name("a")?.increment(7).await?;
    counters.get_by_name("b")?.increment(1).await?;
    let location = env.namespace::<Location>().get_by_name("here")?;
    env.fetch(&location, TestRequest::get("/")).await?;
    env.restart().await?;
    assert_eq!(counters.get_by_name("a")?.get_counter_value().await?, 7);
    let again = env.fetch(&location, TestRequest::get("/")).await?;
    assert!(again.text().contains("first request"), "{}", again.text());
    // The ids of stored objects survive too, and lead to the same objects.
    let ids = counters.list_ids().await?;
    assert_eq!(ids.len(), 2, "{ids:?}");
    let mut values = Vec::new();
    for id in &ids {
        values.push(counters.get(id)?.get_counter_value().await?);
    }
    values.sort();
    assert_eq!(values, [1, 7]);
    Ok(())
}

#[durable::test]
async fn restart_is_refused_on_the_shared_runtime(env: TestEnv) -> durable::Result<()> {
    let error = env.restart().await.unwrap_err();
    assert!(error.to_string().contains("#[durable::test(private)]"), "{error}");
    Ok(())
}

#[durable::test]
async fn list_ids_names_the_objects_built(env: TestEnv) -> durable::Result<()> {
    let counters = env.namespace::<Counter>();
    assert!(counters.list_ids().await?.is_empty());
    counters.get_by_name("x")?.increment(1).await?;
    counters.get_by_name("y")?.increment(2).await?;
    let ids = counters.list_ids().await?;
    assert_eq!(ids.len(), 2);
    assert!(ids.iter().all(|id| id.as_str().len() == 64));
    Ok(())
}

#[durable::test]
async fn storage_is_readable_and_writable_from_the_test(env: TestEnv) -> durable::Result<()> {
    let counter = env.namespace::<Counter>().get_by_name("inspected")?;
    counter.increment(3).await?;
    let storage = env.storage(&counter)?;
    assert_eq!(storage.get::<i64>("value").await?, Some(3));
    storage.put("value", &41).await?;
    assert_eq!(counter.increment(1).await?, 42);
    assert_eq!(storage.list::<i64>().await?, [("value".to_owned(), 42)]);
    assert!(storage.delete("value").await?);
    assert_eq!(counter.get_counter_value().await?, 0);

    let notes = env.namespace::<Notes>().get_by_name("sql")?;
    notes.add(NewNote { title: "t".into(), body: "b".into(), tags: vec![] }).await?;
    let rows: Vec<serde_json::Value> = env.storage(&notes)?.sql("SELECT title FROM notes WHERE title = ?", &["t".into()]).await?;
    assert_eq!(rows, [serde_json::json!({ "title": "t" })]);
    Ok(())
}

#[durable::test]
async fn websockets_send_receive_and_close(env: TestEnv) -> durable::Result<()> {
    let lab = env.namespace::<WsLab>().get_by_name("sockets")?;
    let mut socket = env.websocket(&lab, "/?user=ada").await?;
    socket.send_text("hello")?;
    assert_eq!(socket.recv()?, Message::Text("echo:hello".into()));
    socket.send_binary(&[1, 2, 3])?;
    assert_eq!(socket.recv()?, Message::Binary(vec![3, 2, 1]));
    socket.send_text("close")?;
    assert_eq!(socket.recv()?, Message::Close(4000, "bye".into()));
    Ok(())
}

#[durable::test]
async fn a_panicking_object_is_an_error_with_its_message(env: TestEnv) -> durable::Result<()> {
    let shelf = env.namespace::<Shelf>().get_by_name("wobbly")?;
    let error = shelf.topple().await.unwrap_err();
    assert!(error.to_string().contains("the shelf toppled over"), "{error}");
    // The object is rebuilt on the next call.
    assert_eq!(shelf.get("nothing".into()).await?, None);
    Ok(())
}

#[durable::test]
#[should_panic(expected = "left: 5")]
async fn a_failing_assertion_fails_the_test(env: TestEnv) {
    let counter = env.namespace::<Counter>().get_by_name("a").unwrap();
    assert_eq!(counter.increment(5).await.unwrap(), 6);
}

#[durable::test]
#[should_panic(expected = "the shelf toppled over")]
async fn an_error_returned_fails_the_test_with_its_message(env: TestEnv) -> durable::Result<()> {
    env.namespace::<Shelf>().get_by_name("wobbly")?.topple().await?;
    Ok(())
}

#[durable::test]
async fn the_workers_own_fetch_reaches_the_tests_objects(env: TestEnv) -> durable::Result<()> {
    let answer = env.fetch_worker(TestRequest::get("/counter/increment?name=A")).await?;
    assert_eq!(answer.status, 200);
    assert!(answer.text().contains("count: 1"), "{}", answer.text());
    assert_eq!(env.namespace::<Counter>().get_by_name("A")?.get_counter_value().await?, 1);
    Ok(())
}

#[durable::test]
async fn eviction_disconnects_the_objects_websockets(env: TestEnv) -> durable::Result<()> {
    let lab = env.namespace::<WsLab>().get_by_name("evicted")?;
    let mut socket = env.websocket(&lab, "/?user=ada").await?;
    socket.send_text("hello")?;
    assert_eq!(socket.recv()?, Message::Text("echo:hello".into()));
    env.evict(&lab).await?;
    assert_eq!(socket.recv()?, Message::Close(1006, String::new()));
    // The object itself answers again, constructed anew.
    let mut again = env.websocket(&lab, "/?user=ada").await?;
    again.send_text("hello")?;
    assert_eq!(again.recv()?, Message::Text("echo:hello".into()));
    Ok(())
}

#[durable::test]
async fn a_class_of_another_worker_is_refused_by_name(env: TestEnv) -> durable::Result<()> {
    use durable_examples::js_counter::JsCounter;
    let error = env.namespace::<JsCounter>().get_by_name("a").unwrap_err().to_string();
    assert!(error.contains("no class of this worker is bound as `JS_COUNTER`"), "{error}");
    Ok(())
}

#[durable::test]
async fn calls_joined_by_the_test_each_see_their_own_count(env: TestEnv) -> durable::Result<()> {
    let counter = env.namespace::<Counter>().get_by_name("busy")?;
    let calls = (0..20).map(|_| counter.increment(1));
    let mut results = futures_util::future::join_all(calls).await.into_iter().collect::<Result<Vec<i64>, _>>()?;
    results.sort();
    // Each increment saw its own count: the object's input gate ordered them.
    assert_eq!(results, (1..=20).collect::<Vec<i64>>());
    Ok(())
}

/// Run only as a child of the test below: starts the runtime, then panics.
#[durable::test]
#[ignore = "run by the_runtime_dies_with_the_test_binary_after_a_panic"]
async fn child_starts_the_runtime_and_panics(env: TestEnv) {
    let counter = env.namespace::<Counter>().get_by_name("a").unwrap();
    counter.increment(1).await.unwrap();
    panic!("the child panicked on purpose");
}

/// The test binary runs one test that panics; once it has exited, its
/// workerd is gone too.
#[cfg(target_os = "linux")]
#[test]
fn the_runtime_dies_with_the_test_binary_after_a_panic() {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    let child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_starts_the_runtime_and_panics", "--include-ignored", "--test-threads=1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let output = child.wait_with_output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(!output.status.success(), "{text}");
    assert!(text.contains("the child panicked on purpose") && text.contains("slots) ready in"), "{text}");
    // workerd's command line names its config, which names the test binary's pid.
    let marker = format!("workerd-durable-test-{pid}-");
    let alive = || {
        std::fs::read_dir("/proc").unwrap().flatten().any(|entry| {
            std::fs::read(entry.path().join("cmdline")).is_ok_and(|cmdline| String::from_utf8_lossy(&cmdline).contains(&marker))
        })
    };
    let started = Instant::now();
    while alive() {
        assert!(started.elapsed() < Duration::from_secs(5), "workerd outlived its test binary");
        std::thread::sleep(Duration::from_millis(50));
    }
}
