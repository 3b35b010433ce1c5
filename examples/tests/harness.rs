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

#[durable::test]
async fn a_head_answer_has_no_body_whatever_its_content_length(env: TestEnv) -> durable::Result<()> {
    let counter = env.namespace::<Counter>().get_by_name("head")?;
    let started = std::time::Instant::now();
    let answer = env.fetch(&counter, TestRequest::new("HEAD", "/increment")).await?;
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "the HEAD answer took {:?}", started.elapsed());
    assert_eq!(answer.status, 200);
    assert!(answer.body.is_empty());
    assert_eq!(counter.get_counter_value().await?, 1, "the handler ran");
    Ok(())
}

/// Polls `WsLab::closes` until one entry satisfies `seen`.
async fn wait_for_close(lab: &durable_examples::ws_lab::WsLabStub, seen: impl Fn(&str) -> bool) -> durable::Result<Vec<String>> {
    let started = std::time::Instant::now();
    loop {
        let closes = lab.closes().await?;
        if closes.iter().any(|c| seen(c)) || started.elapsed() > std::time::Duration::from_secs(5) {
            return Ok(closes);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[durable::test]
async fn the_socket_answers_the_objects_close_frame(env: TestEnv) -> durable::Result<()> {
    let lab = env.namespace::<WsLab>().get_by_name("handshake")?;
    let mut socket = env.websocket(&lab, "/?user=ada").await?;
    socket.send_text("close")?;
    assert_eq!(socket.recv()?, Message::Close(4000, "bye".into()));
    // The closing handshake completed: the object's close handler saw our close frame, cleanly.
    let closes = wait_for_close(&lab, |c| c.starts_with("4000:")).await?;
    assert!(closes.iter().any(|c| c.starts_with("4000:") && c.ends_with(":true")), "{closes:?}");
    Ok(())
}

#[durable::test]
async fn close_reasons_longer_than_a_close_frame_holds_are_refused(env: TestEnv) -> durable::Result<()> {
    let lab = env.namespace::<WsLab>().get_by_name("reasons")?;
    let mut socket = env.websocket(&lab, "/?user=ada").await?;
    let too_long = "é".repeat(62); // 124 bytes
    let error = socket.close(1000, &too_long).unwrap_err().to_string();
    assert!(error.contains("at most 123 bytes") && error.contains("124 bytes"), "{error}");
    assert!(socket.close(1001, "going").unwrap_err().to_string().contains("1000 or 3000-4999"));
    // The longest reason there is arrives whole.
    let longest = format!("{}x", "é".repeat(61));
    assert_eq!(longest.len(), 123);
    socket.close(1000, &longest)?;
    assert_eq!(socket.recv()?, Message::Close(1000, "closed".into()));
    let closes = wait_for_close(&lab, |c| c.contains(&longest)).await?;
    assert!(closes.contains(&format!("1000:{longest}:true")), "{closes:?}");
    Ok(())
}

/// Runs this test binary's tests whose names start with `prefix` (ignored
/// ones included) one at a time, with `env` set; the child's pid and output.
#[cfg(target_os = "linux")]
fn run_child(prefix: &str, env: &[(&str, &str)]) -> (u32, std::process::Output) {
    use std::process::{Command, Stdio};
    let mut command = Command::new(std::env::current_exe().unwrap());
    command.args([prefix, "--include-ignored", "--test-threads=1"]).stdout(Stdio::piped()).stderr(Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    let child = command.spawn().unwrap();
    let pid = child.id();
    (pid, child.wait_with_output().unwrap())
}

/// Polls a tiny future-returning call to completion on this thread.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return value;
        }
        std::thread::park();
    }
}

/// Run only as a child (one slot): leaves a thread calling its stub after it returns.
#[durable::test]
#[ignore = "run by a_stub_used_after_its_test_ended_reaches_nothing"]
async fn child_slot_1_leaves_a_stub_calling(env: TestEnv) -> durable::Result<()> {
    let counter = env.namespace::<Counter>().get_by_name("left behind")?;
    counter.increment(1).await?;
    std::thread::spawn(move || {
        let started = std::time::Instant::now();
        // A call in flight during the wipe may fail (the object is reset): go on.
        while started.elapsed() < std::time::Duration::from_secs(3) {
            if let Err(e) = block_on(counter.increment(1)) {
                if e.to_string().contains("test has ended") {
                    return;
                }
            }
        }
    });
    Ok(())
}

/// Run only as a child, after the one above, in the same slot.
#[durable::test]
#[ignore = "run by a_stub_used_after_its_test_ended_reaches_nothing"]
async fn child_slot_2_finds_the_slot_empty(env: TestEnv) -> durable::Result<()> {
    // Time for the previous test's thread to call.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let counters = env.namespace::<Counter>();
    assert_eq!(counters.list_ids().await?, [], "an object of the previous test is in this test's slot");
    assert_eq!(counters.get_by_name("left behind")?.get_counter_value().await?, 0, "the previous test's count leaked in");
    Ok(())
}

/// A test that leaves a thread calling its stub: the calls after the test
/// ended are refused, and the next test in the slot sees nothing of them.
#[cfg(target_os = "linux")]
#[test]
fn a_stub_used_after_its_test_ended_reaches_nothing() {
    let (_, output) = run_child("child_slot_", &[("DURABLE_TEST_SLOTS", "1")]);
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{text}");
    assert!(text.contains("2 passed"), "{text}");
}

/// Run only as a child: starts the runtime and passes.
#[durable::test]
#[ignore = "run by a_test_binary_leaves_no_runtime_and_no_files_behind"]
async fn child_starts_the_runtime_and_passes(env: TestEnv) -> durable::Result<()> {
    env.namespace::<Counter>().get_by_name("a")?.increment(1).await?;
    Ok(())
}

/// Once a test binary has exited, its workerd, its run directory and its
/// config are gone, without Linux's parent-death signal: by the cleanup
/// that runs on every platform.
#[cfg(target_os = "linux")]
#[test]
fn a_test_binary_leaves_no_runtime_and_no_files_behind() {
    for prefix in ["child_starts_the_runtime_and_passes", "child_starts_the_runtime_and_panics"] {
        let (pid, output) = run_child(prefix, &[("DURABLE_TEST_NO_PARENT_DEATH_SIGNAL", "1")]);
        let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert!(text.contains("slots) ready in"), "{text}");
        let marker = format!("durable-test-{pid}-");
        let workerd = std::fs::read_dir("/proc").unwrap().flatten().any(|entry| {
            std::fs::read(entry.path().join("cmdline")).is_ok_and(|cmdline| String::from_utf8_lossy(&cmdline).contains(&marker))
        });
        assert!(!workerd, "{prefix}: workerd outlived its test binary");
        let run_dirs: Vec<_> = std::fs::read_dir(std::env::temp_dir())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(&marker))
            .map(|e| e.path())
            .collect();
        assert!(run_dirs.is_empty(), "{prefix}: left behind {run_dirs:?}");
        // <target>/<profile>/deps/<this binary>; the bundle is <target>/durable-test/<package>.
        let exe = std::env::current_exe().unwrap();
        let bundle = exe.ancestors().nth(3).unwrap().join("durable-test/durable-examples");
        assert!(bundle.is_dir(), "{}", bundle.display());
        let configs: Vec<_> = std::fs::read_dir(&bundle)
            .map(|d| d.flatten().filter(|e| e.file_name().to_string_lossy().contains(&marker)).map(|e| e.path()).collect())
            .unwrap_or_default();
        assert!(configs.is_empty(), "{prefix}: left behind {configs:?}");
    }
}
