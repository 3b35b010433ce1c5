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
