//! The examples' suite, written with `durable::testing` (`cargo test`): every
//! example class, on the real runtime, called as the worker calls it.

use std::collections::BTreeMap;

use durable::rpc::Bytes;
use durable::testing::{Message, TestEnv, TestRequest};
use durable_examples::alarm_lab::AlarmLab;
use durable_examples::batch::BatchProcessor;
use durable_examples::cached_counter::CachedCounter;
use durable_examples::chat::{ChatMessage, ChatRoom, RateLimiter};
use durable_examples::counter::{Batch, Counter};
use durable_examples::faults::{BrokenSchema, Faults};
use durable_examples::kv_explorer::KvExplorer;
use durable_examples::location::Location;
use durable_examples::notes::{NewNote, Notes};
use durable_examples::reminders::Reminders;
use durable_examples::schema_history::SchemaHistory;
use durable_examples::shelf::{Book, Genre, Shelf};
use durable_examples::sql_bench::SqlBench;
use durable_examples::ws_lab::WsLab;
use serde_json::json;

#[durable::test]
async fn counter_counts_by_name_and_takes_structured_values(env: TestEnv) -> durable::Result<()> {
    let counters = env.namespace::<Counter>();
    let (a, b) = (counters.get_by_name("a")?, counters.get_by_name("b")?);
    assert_eq!(a.increment(2).await?, 2);
    assert_eq!(b.decrement(1).await?, -1);
    assert_eq!(a.get_counter_value().await?, 2);
    assert_eq!(a.weigh(Batch::sample()).await?, 110);
    assert_eq!(a.sample_batch().await?.items.len(), 110);
    let answer = env.fetch(&a, TestRequest::get("/increment")).await?;
    assert_eq!((answer.status, answer.text()), (200, "3".to_owned()));
    Ok(())
}

#[durable::test]
async fn location_remembers_in_memory_until_evicted(env: TestEnv) -> durable::Result<()> {
    let location = env.namespace::<Location>().get_by_name("A")?;
    assert!(env.fetch(&location, TestRequest::get("/")).await?.text().contains("first request"));
    assert!(env.fetch(&location, TestRequest::get("/")).await?.text().contains("already loaded"));
    env.evict(&location).await?;
    assert!(env.fetch(&location, TestRequest::get("/")).await?.text().contains("first request"));
    Ok(())
}

#[durable::test]
async fn cached_counter_reloads_from_storage_after_eviction_and_panic(env: TestEnv) -> durable::Result<()> {
    let counter = env.namespace::<CachedCounter>().get_by_name("A")?;
    let get = |path: &str| env.fetch(&counter, TestRequest::get(path));
    assert_eq!(get("/increment").await?.text(), "1");
    assert_eq!(get("/increment").await?.text(), "2");
    env.evict(&counter).await?;
    assert_eq!(get("/").await?.text(), "2");
    assert_eq!(get("/crash").await?.status, 500);
    assert_eq!(get("/").await?.text(), "2");
    assert_eq!(env.storage(&counter)?.get::<i64>("value").await?, Some(2));
    Ok(())
}

#[durable::test]
async fn faults_keep_storage_and_reset_memory(env: TestEnv) -> durable::Result<()> {
    let faults = env.namespace::<Faults>().get_by_name("A")?;
    let get = |path: &str| env.fetch(&faults, TestRequest::get(path));
    assert_eq!(get("/put?key=k&value=v").await?.text(), "stored k");
    assert_eq!(get("/memory").await?.text(), "1");
    assert_eq!(get("/memory").await?.text(), "2");
    assert_eq!(get("/error").await?.status, 500);
    assert_eq!(get("/panic").await?.status, 500);
    assert_eq!(get("/memory").await?.text(), "1", "the panic reset the object's memory");
    assert_eq!(get("/get?key=k").await?.text(), "v");
    assert_eq!(env.storage(&faults)?.get::<String>("panicked").await?.as_deref(), Some("yes"));
    Ok(())
}

#[durable::test]
async fn broken_schema_answers_its_migrations_error(env: TestEnv) -> durable::Result<()> {
    let broken = env.namespace::<BrokenSchema>().get_by_name("A")?;
    let error = broken.columns().await.unwrap_err().to_string();
    assert!(error.contains("half done"), "{error}");
    Ok(())
}

#[durable::test]
async fn shelf_round_trips_structured_values_and_bytes(env: TestEnv) -> durable::Result<()> {
    let shelf = env.namespace::<Shelf>().get_by_name("A")?;
    let book = Book {
        title: "Dune".into(),
        authors: vec!["Frank Herbert".into()],
        year: Some(1965),
        genre: Genre::Science { field: "ecology".into() },
        tags: BTreeMap::from([("cover".into(), "sand".into())]),
        isbn13: 9_780_441_013_593,
    };
    assert_eq!(shelf.add(book.clone()).await?, 1);
    assert_eq!(shelf.get("Dune".into()).await?, Some(book));
    assert_eq!(shelf.get("Emma".into()).await?, None);
    assert_eq!(shelf.summary().await?.titles, ["Dune"]);
    assert_eq!(shelf.set_cover("Dune".into(), Bytes::from(vec![0xff, 0xd8, 0x00])).await?, 3);
    assert_eq!(shelf.cover("Dune".into()).await?.map(|b| b.into_vec()), Some(vec![0xff, 0xd8, 0x00]));
    assert_eq!(shelf.echo_id(9_007_199_254_740_991).await?, 9_007_199_254_740_991);
    let refused = shelf.refuse("not today".into()).await.unwrap_err();
    assert_eq!(refused, durable::rpc::RpcError::Remote("not today".into()));
    assert!(shelf.topple().await.unwrap_err().to_string().contains("the shelf toppled over"));
    assert_eq!(shelf.summary().await?.count, 1, "the panic left the books in storage");
    Ok(())
}

#[durable::test]
async fn kv_explorer_covers_the_key_value_api(env: TestEnv) -> durable::Result<()> {
    let kv = env.namespace::<KvExplorer>().get_by_name("A")?;
    kv.put("a".into(), json!(1)).await?;
    kv.put_many(BTreeMap::from([("b".into(), json!({ "x": [1, 2] })), ("c".into(), json!("three"))])).await?;
    assert_eq!(kv.get("b".into()).await?, Some(json!({ "x": [1, 2] })));
    let many = kv.get_many(vec!["a".into(), "c".into(), "none".into()]).await?;
    assert_eq!(many, BTreeMap::from([("a".into(), json!(1)), ("c".into(), json!("three"))]));
    assert!(kv.delete("a".into()).await?);
    assert_eq!(kv.delete_many(vec!["b".into(), "none".into()]).await?, 1);
    assert_eq!(env.storage(&kv)?.list::<serde_json::Value>().await?, [("c".to_owned(), json!("three"))]);
    kv.put("x".into(), json!(10)).await?;
    let failed = kv.transfer("x".into(), "y".into(), 3, Some("error".into())).await.unwrap_err();
    assert!(failed.to_string().contains("the transfer failed after writing"), "{failed}");
    assert_eq!(env.storage(&kv)?.get::<i64>("x").await?, Some(10), "the transaction rolled back");
    assert_eq!(kv.transfer("x".into(), "y".into(), 3, None).await?, 7);
    assert_eq!(kv.get("y".into()).await?, Some(json!(3)));
    assert_eq!(kv.who_am_i().await?.name.as_deref(), Some("A"));
    Ok(())
}

#[durable::test]
async fn notes_use_sql_with_typed_rows(env: TestEnv) -> durable::Result<()> {
    let notes = env.namespace::<Notes>().get_by_name("A")?;
    let first = notes.add(NewNote { title: "one".into(), body: "b".into(), tags: vec!["x".into()] }).await?;
    notes.add(NewNote { title: "two".into(), body: "b".into(), tags: vec![] }).await?;
    assert_eq!(notes.get(first.id).await?.map(|n| n.title), Some("one".into()));
    assert_eq!(notes.list(Some("x".into())).await?.len(), 1);
    assert_eq!(notes.list(None).await?.len(), 2);
    assert_eq!(notes.stats().await?.notes, 2);
    assert!(notes.delete(first.id).await?);
    assert_eq!(notes.blob_round_trip("k".into(), Bytes::from(vec![1, 2, 3])).await?.into_vec(), vec![1, 2, 3]);
    let count: Vec<serde_json::Value> = env.storage(&notes)?.sql("SELECT count(*) AS n FROM notes", &[]).await?;
    assert_eq!(count, [json!({ "n": 1 })]);
    Ok(())
}

#[durable::test]
async fn an_applied_migration_edited_later_is_refused_by_checksum(env: TestEnv) -> durable::Result<()> {
    let history = env.namespace::<SchemaHistory>().get_by_name("A")?;
    assert_eq!(history.migrate().await?, 1);
    let checksums = history.checksums().await?;
    assert_eq!(checksums, [(1, durable::sql::migration_checksum("CREATE TABLE items (id INTEGER PRIMARY KEY)"))]);
    // The same schema again: nothing to do, the history matches.
    assert_eq!(history.migrate().await?, 1);
    let error = history.migrate_edited().await.unwrap_err().to_string();
    assert!(error.contains("migration 1 (items) was edited after this object applied it"), "{error}");
    assert!(error.contains("restore it and add a new migration"), "{error}");
    Ok(())
}

#[durable::test]
async fn sql_bench_inserts_and_reads(env: TestEnv) -> durable::Result<()> {
    let bench = env.namespace::<SqlBench>().get_by_name("A")?;
    bench.reset().await?;
    assert_eq!(bench.insert_each(10).await?, 10);
    assert_eq!(bench.insert_batch(5, 10).await?, 5);
    assert_eq!(bench.read_all().await?, 15);
    Ok(())
}

#[durable::test]
async fn batch_processor_works_off_its_queue_when_the_alarm_fires(env: TestEnv) -> durable::Result<()> {
    let batch = env.namespace::<BatchProcessor>().get_by_name("A")?;
    // The alarm an hour away: only run_alarm fires it.
    for job in ["a", "b"] {
        let answer = env.fetch(&batch, TestRequest::get(&format!("/?job={job}&delay_ms=3600000"))).await?;
        assert_eq!(answer.text(), "Queued");
    }
    let status: serde_json::Value = env.fetch(&batch, TestRequest::get("/status")).await?.json()?;
    assert_eq!(status["queued"], json!(["a", "b"]));
    assert!(status["alarm"].is_u64());
    assert!(env.run_alarm(&batch).await?);
    let status: serde_json::Value = env.fetch(&batch, TestRequest::get("/status")).await?.json()?;
    assert_eq!(status["processed"], json!(["a done", "b done"]));
    assert_eq!(status["alarm"], serde_json::Value::Null);
    let echo: serde_json::Value = env
        .fetch(&batch, TestRequest::new("POST", "/echo?q=1").header("x-echo", "hi").body("payload"))
        .await?
        .json()?;
    assert_eq!(echo, json!({ "method": "POST", "path": "/echo", "query": "q=1", "header": "hi", "body": "payload" }));
    Ok(())
}

#[durable::test]
async fn alarm_lab_surfaces_a_panicking_alarm_handler(env: TestEnv) -> durable::Result<()> {
    let lab = env.namespace::<AlarmLab>().get_by_name("A")?;
    lab.schedule(3_600_000, 1, "panic".into()).await?;
    let error = env.run_alarm(&lab).await.unwrap_err().to_string();
    assert!(error.contains("the alarm handler panicked on purpose"), "{error}");
    assert_eq!(lab.attempts().await?.len(), 1);
    Ok(())
}

#[durable::test]
async fn reminders_wait_for_their_time(env: TestEnv) -> durable::Result<()> {
    let reminders = env.namespace::<Reminders>().get_by_name("A")?;
    let later = reminders.remind_in(3_600_000, "later".into()).await?;
    reminders.remind_every(7_200_000, "often".into()).await?;
    assert_eq!(reminders.pending().await?, ["later", "often"]);
    // The alarm runs what is due: nothing yet; it is set again for "later".
    assert!(env.run_alarm(&reminders).await?);
    assert!(reminders.fired().await?.is_empty());
    assert!(env.alarm_time(&reminders).await?.is_some());
    assert!(reminders.cancel(later).await?);
    assert_eq!(reminders.pending().await?, ["often"]);
    Ok(())
}

/// Milliseconds since the Unix epoch of 2032-01-DD at HH:MM:SS UTC (a Monday is the 5th; in the future, so the
/// runtime never fires these alarms itself).
fn jan_2032(day: u32, h: u32, m: u32, s: u32) -> f64 {
    let days = 22_645 + u64::from(day) - 1; // 2032-01-01 is day 22,645 after the epoch
    ((days * 86_400 + u64::from(h) * 3_600 + u64::from(m) * 60 + u64::from(s)) * 1_000) as f64
}

#[durable::test(private)]
async fn reminders_fire_on_a_cron_schedule_through_eviction_and_restart(env: TestEnv) -> durable::Result<()> {
    let reminders = env.namespace::<Reminders>().get_by_name("cron")?;
    reminders.set_clock(jan_2032(5, 8, 59, 30)).await?;
    let error = reminders.remind_cron("0 9 * *".into(), "four fields".into()).await.unwrap_err().to_string();
    assert!(error.contains(r#"the cron expression "0 9 * *" is not valid"#), "{error}");
    assert!(reminders.pending().await?.is_empty(), "nothing was scheduled");
    // Weekdays at 09:00 UTC.
    reminders.remind_cron("0 9 * * 1-5".into(), "standup".into()).await?;
    assert_eq!(reminders.pending_times().await?, [jan_2032(5, 9, 0, 0)]);
    assert_eq!(env.alarm_time(&reminders).await?, Some(jan_2032(5, 9, 0, 0)));
    // Not due yet.
    assert!(env.run_alarm(&reminders).await?);
    assert!(reminders.fired().await?.is_empty());
    // Monday 09:00: fires, then Tuesday.
    reminders.set_clock(jan_2032(5, 9, 0, 0)).await?;
    assert!(env.run_alarm(&reminders).await?);
    assert_eq!(reminders.fired().await?, ["standup"]);
    assert_eq!(reminders.pending_times().await?, [jan_2032(6, 9, 0, 0)]);
    // The schedule is in storage: eviction and a restart keep it.
    env.evict(&reminders).await?;
    env.restart().await?;
    assert_eq!(reminders.pending_times().await?, [jan_2032(6, 9, 0, 0)]);
    assert_eq!(env.alarm_time(&reminders).await?, Some(jan_2032(6, 9, 0, 0)));
    reminders.set_clock(jan_2032(6, 9, 0, 1)).await?;
    assert!(env.run_alarm(&reminders).await?);
    assert_eq!(reminders.fired().await?, ["standup", "standup"]);
    // Wednesday to Friday missed (the object did not run): one firing, then Monday.
    reminders.set_clock(jan_2032(9, 17, 0, 0)).await?;
    assert!(env.run_alarm(&reminders).await?);
    assert_eq!(reminders.fired().await?, ["standup", "standup", "standup"]);
    assert_eq!(reminders.pending_times().await?, [jan_2032(12, 9, 0, 0)]);
    assert_eq!(env.alarm_time(&reminders).await?, Some(jan_2032(12, 9, 0, 0)));
    Ok(())
}

#[durable::test]
async fn ws_lab_echoes_and_tags_hibernatable_sockets(env: TestEnv) -> durable::Result<()> {
    let lab = env.namespace::<WsLab>().get_by_name("A")?;
    let mut socket = env.websocket(&lab, "/?user=ada&tag=blue").await?;
    socket.send_text("tags")?;
    assert_eq!(socket.recv()?, Message::Text("blue".into()));
    socket.send_text("count:blue")?;
    assert_eq!(socket.recv()?, Message::Text("1".into()));
    let mut standard = env.websocket(&lab, "/?mode=standard").await?;
    standard.send_text("hi")?;
    assert!(matches!(standard.recv()?, Message::Text(_)));
    socket.close(1000, "done")?;
    assert_eq!(env.fetch(&lab, TestRequest::get("/")).await?.status, 426);
    Ok(())
}

#[durable::test]
async fn chat_room_broadcasts_and_rate_limits(env: TestEnv) -> durable::Result<()> {
    let room = env.namespace::<ChatRoom>().get_by_name("lobby")?;
    let mut ada = env.websocket(&room, "/?name=ada").await?;
    assert_eq!(ada.recv()?, Message::Text(json!({ "joined": "ada" }).to_string()));
    ada.send_text(&json!({ "message": "hello" }).to_string())?;
    let Message::Text(text) = ada.recv()? else { panic!("expected a text frame") };
    let message: ChatMessage = serde_json::from_str(&text).map_err(|e| durable::Error::message(e.to_string()))?;
    assert_eq!((message.name.as_str(), message.message.as_str()), ("ada", "hello"));
    let mut bob = env.websocket(&room, "/?name=bob").await?;
    assert_eq!(bob.recv()?, Message::Text(text), "the backlog comes first");

    let limiter = env.namespace::<RateLimiter>().get_by_name("someone")?;
    for _ in 0..5 {
        assert_eq!(limiter.acquire().await?, 0.0);
    }
    assert!(limiter.acquire().await? > 0.0, "the sixth message in a burst waits");
    Ok(())
}
