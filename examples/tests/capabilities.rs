//! `durable::testing` carries every value RPC passes: capabilities returned
//! and pipelined (dropping one disposes it), Rust closures as callbacks,
//! byte streams both ways, HTTP values, and stubs as values. On the
//! examples' `Archive` (sessions, callbacks, streams, HTTP) and `JobBoard`
//! (the job board shape: `claim` takes a callback and hands out a capability).

use std::cell::RefCell;
use std::rc::Rc;

use durable::rpc::{ByteStream, Bytes, Callback};
use durable::testing::TestEnv;
use durable_examples::archive::Archive;

/// `sessions_open` until it is `want` (a release reaches the object
/// asynchronously), at most for a few seconds.
async fn sessions_become(archive: &durable_examples::archive::ArchiveStub, want: u32) -> durable::Result<u32> {
    let started = std::time::Instant::now();
    loop {
        let open = archive.sessions_open().await?;
        if open == want || started.elapsed() > std::time::Duration::from_secs(5) {
            return Ok(open);
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[durable::test]
async fn a_returned_capability_is_called_and_disposed_on_drop(env: TestEnv) -> durable::Result<()> {
    let archive = env.namespace::<Archive>().get_by_name("caps")?;
    let session = archive.open_session("ada".into()).await?;
    assert_eq!(session.user().await?, "ada");
    assert_eq!(session.put("a.txt".into(), Bytes::from(b"hello".to_vec())).await?, 5);
    assert_eq!(session.get("a.txt".into()).await?.as_deref().map(|b| b.as_slice()), Some(&b"hello"[..]));
    let failed = session.fail("refused on purpose".into()).await.unwrap_err().to_string();
    assert!(failed.contains("refused on purpose"), "{failed}");
    assert_eq!(archive.sessions_open().await?, 1);
    drop(session);
    assert_eq!(sessions_become(&archive, 0).await?, 0, "dropping the stub disposes the session");
    Ok(())
}

#[durable::test]
async fn a_duplicated_capability_lives_until_both_are_dropped(env: TestEnv) -> durable::Result<()> {
    let archive = env.namespace::<Archive>().get_by_name("dups")?;
    let session = archive.open_session("ada".into()).await?;
    let second = session.dup()?;
    drop(session);
    assert_eq!(second.user().await?, "ada", "the duplicate still reaches the session");
    drop(second);
    assert_eq!(sessions_become(&archive, 0).await?, 0);
    Ok(())
}

#[durable::test]
async fn a_refused_capability_is_the_methods_error(env: TestEnv) -> durable::Result<()> {
    let archive = env.namespace::<Archive>().get_by_name("refused")?;
    let error = archive.open_session(String::new()).await.unwrap_err().to_string();
    assert!(error.contains("a session needs a user name"), "{error}");
    Ok(())
}

#[durable::test]
async fn pipelined_calls_reach_the_capability(env: TestEnv) -> durable::Result<()> {
    let archive = env.namespace::<Archive>().get_by_name("pipes")?;
    let session = archive.open_session_pipelined("pip".into())?;
    assert_eq!(session.user().await?, "pip");
    // The pipelined call's own failure is the error of the calls made on it.
    let refused = archive.open_session_pipelined(String::new())?;
    let error = refused.user().await.unwrap_err().to_string();
    assert!(error.contains("a session needs a user name"), "{error}");
    Ok(())
}

#[durable::test]
async fn the_capabilities_of_a_test_are_disposed_when_it_ends(env: TestEnv) -> durable::Result<()> {
    let archive = env.namespace::<Archive>().get_by_name("forgotten")?;
    let session = archive.open_session("kept".into()).await?;
    // Kept past the test's end on purpose: the session's end disposes it.
    std::mem::forget(session);
    assert_eq!(archive.sessions_open().await?, 1);
    Ok(())
}

#[durable::test]
async fn a_rust_closure_is_the_objects_callback(env: TestEnv) -> durable::Result<()> {
    let archive = env.namespace::<Archive>().get_by_name("callbacks")?;
    let session = archive.open_session("progress".into()).await?;
    let seen = Rc::new(RefCell::new(Vec::new()));
    let log = Rc::clone(&seen);
    let progress = Callback::new(move |(done, total): (u32, u32)| {
        log.borrow_mut().push((done, total));
        async move { Ok::<_, String>(done < 2) }
    });
    let chunks = (0..4).map(|i| Bytes::from(vec![i; 10])).collect();
    assert_eq!(session.put_chunks("c.bin".into(), chunks, progress).await?, 2, "the callback stopped it at 2");
    assert_eq!(*seen.borrow(), [(1, 4), (2, 4)]);
    assert_eq!(session.get("c.bin".into()).await?.map(|b| b.len()), Some(20));
    Ok(())
}

#[durable::test]
async fn a_callbacks_error_is_the_callees_error(env: TestEnv) -> durable::Result<()> {
    let archive = env.namespace::<Archive>().get_by_name("refusing")?;
    let session = archive.open_session("progress".into()).await?;
    let progress = Callback::new(|(done, _): (u32, u32)| async move {
        if done == 2 {
            return Err(format!("the test refused chunk {done}"));
        }
        Ok(true)
    });
    let chunks = (0..4).map(|i| Bytes::from(vec![i; 10])).collect();
    let error = session.put_chunks("c.bin".into(), chunks, progress).await.unwrap_err().to_string();
    assert!(error.contains("the progress callback failed") && error.contains("the test refused chunk 2"), "{error}");
    Ok(())
}

#[durable::test]
async fn byte_streams_cross_both_ways(env: TestEnv) -> durable::Result<()> {
    let archive = env.namespace::<Archive>().get_by_name("streams")?;
    let session = archive.open_session("streamer".into()).await?;
    // A stream made in the test, read by the object.
    let up = ByteStream::from_chunks([Ok::<_, String>(b"hello, ".to_vec()), Ok(b"world".to_vec())]);
    let digest = session.digest(up, None).await?;
    assert_eq!((digest.bytes, digest.chunks), (12, 2));
    // A stream made by the object, read by the test.
    let size = 200_000u64;
    let mut down = session.generate(size).await?.into_chunks()?;
    let mut body = Vec::new();
    while let Some(chunk) = down.next_chunk().await {
        body.extend_from_slice(&chunk?);
    }
    assert_eq!(body.len() as u64, size);
    assert!(body.iter().enumerate().all(|(i, b)| *b == (i % 251) as u8), "the bytes are the object's pattern");
    Ok(())
}

#[durable::test]
async fn a_sink_from_the_test_is_written_by_the_object(env: TestEnv) -> durable::Result<()> {
    let archive = env.namespace::<Archive>().get_by_name("sinks")?;
    let session = archive.open_session("writer".into()).await?;
    let body = ByteStream::from_chunks((0..3).map(|i| Ok::<_, String>(vec![i as u8; 1000])));
    assert_eq!(session.upload("f.bin".into(), body, None).await?, 3000);
    let (sink, written) = durable::testing::sink();
    assert_eq!(session.download_into("f.bin".into(), sink).await?, 3000);
    let bytes = written.bytes()?;
    assert_eq!(bytes.len(), 3000);
    assert!(bytes[..1000].iter().all(|b| *b == 0) && bytes[2000..].iter().all(|b| *b == 2));
    Ok(())
}

#[durable::test]
async fn http_values_cross_both_ways(env: TestEnv) -> durable::Result<()> {
    use durable::rpc::{HttpHeaders, HttpRequest};
    use durable::testing::{TestRequest, TestResponse};
    let archive = env.namespace::<Archive>().get_by_name("http")?;
    let session = archive.open_session("http".into()).await?;
    let request = HttpRequest::from(TestRequest::new("POST", "/echo").header("x-token", "t-42").body("a body from the test"));
    let response = TestResponse::try_from(session.echo(request).await?)?;
    assert_eq!(response.status, 201);
    assert_eq!(response.text(), "a body from the test");
    assert_eq!((response.header("x-method"), response.header("x-token"), response.header("x-user")), (Some("POST"), Some("t-42"), Some("http")));
    // A streamed response body, read by the harness.
    session.upload("f.txt".into(), ByteStream::from_chunks([Ok::<_, String>(b"served".to_vec())]), None).await?;
    let served = TestResponse::try_from(session.serve("f.txt".into()).await?)?;
    assert_eq!((served.status, served.text().as_str()), (200, "served"));
    assert_eq!(served.header("content-type"), Some("application/octet-stream"));
    let headers = HttpHeaders::from(vec![("x-b".to_owned(), "2".to_owned()), ("x-a".to_owned(), "1".to_owned())]);
    assert_eq!(session.header_list(headers).await?, [("x-a".to_owned(), "1".to_owned()), ("x-b".to_owned(), "2".to_owned())]);
    Ok(())
}

#[durable::test]
async fn stubs_cross_as_values(env: TestEnv) -> durable::Result<()> {
    use durable_examples::counter::Counter;
    use durable_examples::job_board::JobBoard;
    // A stub the object returns leads to the object it named.
    let archive = env.namespace::<Archive>().get_by_name("stubs")?;
    let counter = archive.counter_for("ada".into()).await?;
    assert_eq!(counter.increment(2).await?, 2);
    assert_eq!(env.namespace::<Counter>().get_by_name("archive-ada")?.get_counter_value().await?, 2);
    // A stub the test passes reaches the object it leads to, and comes back.
    let board = env.namespace::<JobBoard>().get_by_name("stubs")?;
    let tally = env.namespace::<Counter>().get_by_name("tally")?;
    board.set_tally(tally.clone()).await?;
    assert_eq!(board.tally().await?.increment(5).await?, 5);
    assert_eq!(tally.get_counter_value().await?, 5);
    Ok(())
}

/// The job board shape: `claim` takes the worker's callback and hands out a
/// capability; the board calls the callback back while the claim lives.
async fn claim_and_finish(env: &TestEnv, board_name: &str, expected: &str) -> durable::Result<()> {
    use durable_examples::counter::Counter;
    use durable_examples::job_board::JobBoard;
    let board = env.namespace::<JobBoard>().get_by_name(board_name)?;
    let tally = env.namespace::<Counter>().get_by_name("done")?;
    board.set_tally(tally.clone()).await?;
    board.post("build".into()).await?;
    board.post("test".into()).await?;
    let heard = Rc::new(RefCell::new(Vec::new()));
    let log = Rc::clone(&heard);
    let notify = Callback::new(move |(said,): (String,)| {
        log.borrow_mut().push(said);
        async { Ok::<(), String>(()) }
    });
    // The board keeps the callback: this test keeps a clone while it may call.
    let claim = board.claim("ada".into(), notify.clone()).await?;
    assert_eq!(claim.job().await?, "build");
    assert_eq!(board.claimed().await?, 1);
    assert_eq!(claim.finish("green".into()).await?, expected);
    assert_eq!(*heard.borrow(), ["ada claimed build", "ada finished build: green"]);
    assert_eq!(tally.get_counter_value().await?, 1);
    drop(claim);
    // An unfinished claim dropped puts its job back.
    let second = board.claim("ada".into(), notify.clone()).await?;
    assert_eq!(second.job().await?, "test");
    drop(second);
    let started = std::time::Instant::now();
    while board.waiting().await? != 1 && started.elapsed() < std::time::Duration::from_secs(5) {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!((board.waiting().await?, board.claimed().await?), (1, 0), "the dropped claim put its job back");
    Ok(())
}

#[durable::test]
async fn a_job_board_claim_calls_back_and_hands_out_a_claim(env: TestEnv) -> durable::Result<()> {
    claim_and_finish(&env, "board", "ada finished build: green").await
}

#[durable::test]
async fn a_callback_the_test_dropped_fails_the_objects_call_saying_why(env: TestEnv) -> durable::Result<()> {
    use durable_examples::job_board::JobBoard;
    let board = env.namespace::<JobBoard>().get_by_name("dropped")?;
    board.post("build".into()).await?;
    // No clone kept: the claim's later call of the callback finds it dropped.
    let claim = board.claim("ada".into(), Callback::new(|_: (String,)| async { Ok::<(), String>(()) })).await?;
    let error = claim.finish("green".into()).await.unwrap_err().to_string();
    assert!(error.contains("callback") && error.contains("was dropped") && error.contains("keeps a clone"), "{error}");
    Ok(())
}

#[durable::test]
async fn nothing_wasm_only_aborts_the_test_binary(env: TestEnv) -> durable::Result<()> {
    use durable::rpc::{ByteSink, HttpResponse, RemoteCapability, Stub};
    let counter = env.namespace::<durable_examples::counter::Counter>().get_by_name("host")?;
    // Each wasm-only path is an error of its own call.
    let raw: &Stub = counter.raw();
    let error = raw.call::<i64>("increment", vec![]).await.unwrap_err().to_string();
    assert!(error.contains("typed stub"), "{error}");
    let stray = RemoteCapability::from_raw(durable::__private::wasm_bindgen::JsValue::UNDEFINED, "Session");
    assert!(stray.call::<String>("user", vec![]).await.unwrap_err().to_string().contains("typed stub"));
    assert!(stray.dup().is_err());
    drop(stray);
    let (sink, _written) = durable::testing::sink();
    assert!(sink.writer().unwrap_err().to_string().contains("durable::testing::sink"));
    let unread = ByteSink::from_raw(durable::__private::wasm_bindgen::JsCast::unchecked_into(durable::__private::wasm_bindgen::JsValue::UNDEFINED));
    assert!(format!("{unread:?}").contains("ByteSink"));
    let body = ByteStream::from_chunks([Ok::<_, String>(b"x".to_vec())]);
    assert!(format!("{body:?}").contains("ByteStream"));
    let headers = durable::__private::wasm_bindgen::JsCast::unchecked_into(durable::__private::wasm_bindgen::JsValue::UNDEFINED);
    let error = HttpResponse::streaming(200, &worker::Headers(headers), body).unwrap_err().to_string();
    assert!(error.contains("TestResponse"), "{error}");
    // And the test's stubs still work.
    assert_eq!(counter.increment(1).await?, 1);
    Ok(())
}

/// Run only as a child of the test below: a broken expectation in the job
/// board shape (the claim's answer is "green", not "red").
#[durable::test]
#[ignore = "run by a_broken_claim_fails_its_own_test_and_the_others_report"]
async fn child_claim_broken(env: TestEnv) -> durable::Result<()> {
    claim_and_finish(&env, "board", "ada finished build: red").await
}

/// Run only as a child: the same shape, right.
#[durable::test]
#[ignore = "run by a_broken_claim_fails_its_own_test_and_the_others_report"]
async fn child_claim_kept(env: TestEnv) -> durable::Result<()> {
    claim_and_finish(&env, "board", "ada finished build: green").await
}

/// Run only as a child: the test's callback panics when the board calls it.
#[durable::test]
#[ignore = "run by a_broken_claim_fails_its_own_test_and_the_others_report"]
async fn child_claim_callback_panics(env: TestEnv) -> durable::Result<()> {
    use durable_examples::job_board::JobBoard;
    let board = env.namespace::<JobBoard>().get_by_name("panics")?;
    board.post("build".into()).await?;
    let notify = Callback::new(|(said,): (String,)| -> std::future::Ready<Result<(), String>> { panic!("the test's closure panicked on purpose at {said:?}") });
    let error = board.claim("ada".into(), notify.clone()).await.unwrap_err().to_string();
    println!("the board answered: {error}");
    assert_eq!(board.waiting().await?, 1, "the job went back");
    Ok(())
}

/// Run only as a child, after the others: the runtime still serves.
#[durable::test]
#[ignore = "run by a_broken_claim_fails_its_own_test_and_the_others_report"]
async fn child_claim_z_after(env: TestEnv) -> durable::Result<()> {
    let counter = env.namespace::<durable_examples::counter::Counter>().get_by_name("after")?;
    assert_eq!(counter.increment(1).await?, 1);
    Ok(())
}

/// A broken `claim` expectation fails its own test, a panicking callback
/// fails its own, and the other tests of the binary still run and report:
/// nothing aborts the test binary.
#[cfg(target_os = "linux")]
#[test]
fn a_broken_claim_fails_its_own_test_and_the_others_report() {
    use std::os::unix::process::ExitStatusExt;
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["child_claim_", "--include-ignored", "--test-threads=2"])
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.signal(), None, "the test binary was killed by a signal:\n{text}");
    assert!(!text.contains("cannot unwind") && !text.contains("not implemented on non-wasm32"), "{text}");
    for (test, result) in [("child_claim_broken", "FAILED"), ("child_claim_callback_panics", "FAILED"), ("child_claim_kept", "ok"), ("child_claim_z_after", "ok")] {
        assert!(text.contains(&format!("test {test} ... {result}")), "{test} should be {result}:\n{text}");
    }
    assert!(text.contains("2 passed; 2 failed"), "{text}");
    // The broken expectation, the callback's panic, and what the board saw of it.
    assert!(text.contains("ada finished build: red"), "{text}");
    assert!(text.contains("the test's closure panicked on purpose at \"ada claimed build\""), "{text}");
    assert!(text.contains("the board answered: ") && text.contains("the worker's callback failed: ") && text.contains("the test's callback panicked"), "{text}");
}

/// Capabilities inside a returned struct (a `Vec` and an `Option`), then
/// passed back as arguments: the test's stubs lead to the session's handles.
#[durable::test]
async fn capabilities_cross_inside_values_and_as_arguments(env: TestEnv) -> durable::Result<()> {
    use durable_examples::board::Board;
    let board = env.namespace::<Board>().get_by_name("values")?;
    let listing = board.listing(2).await?;
    assert_eq!(listing.board, "open");
    assert_eq!(listing.jobs.len(), 2);
    assert_eq!(listing.jobs[1].title().await?, "job 2");
    let featured = listing.featured.as_ref().expect("a featured job");
    assert_eq!(featured.title().await?, "featured");
    let titles = board.titles(listing.jobs, listing.featured).await?;
    assert_eq!(titles, ["job 1", "job 2", "featured"]);
    Ok(())
}
