//! The licence book on PostgreSQL, against a throwaway server: the same
//! chain, triggers, refusals and serialised drawdowns as on SQLite.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
use std::sync::{Arc, Barrier};
use std::time::Duration;

use crate::pg_tests::fresh;
use crate::{LicenceBook, LicenceEvent, NewLicenceEvent, StoreError};

fn ev(kind: &str, licence: &str, body: &str) -> NewLicenceEvent {
    NewLicenceEvent {
        recorded_at: "2026-11-30T00:00:00Z".into(),
        kind: kind.into(),
        licence: licence.into(),
        body: body.into(),
    }
}

/// Appends events in one transaction, without a decision.
fn add(b: &mut LicenceBook, events: Vec<NewLicenceEvent>) -> Result<usize, StoreError> {
    b.transact::<(), StoreError>(None, |_| Ok((events, ())))
        .map(|(e, ())| e.len())
}

#[test]
fn postgres_licence_book_chains_refuses_edits_and_duplicates() {
    let url = fresh("lic_chain");
    let mut b = LicenceBook::open_location(&url).unwrap();
    assert!(format!("{b:?}").contains("postgres"));
    assert_eq!(
        add(
            &mut b,
            vec![ev("licence", "D1", "{}"), ev("drawdown", "D1", "5")]
        )
        .unwrap(),
        2
    );
    let (new, seen) = b
        .transact::<_, StoreError>(Some("D1"), |seen| {
            Ok((vec![ev("drawdown", "D1", "7")], seen.len()))
        })
        .unwrap();
    assert_eq!((new.len(), seen), (1, 2));
    assert_eq!(new[0].id, 3);
    // A second licence of one number is refused; nothing of its
    // transaction is written.
    assert!(
        add(
            &mut b,
            vec![ev("drawdown", "D1", "1"), ev("licence", "D1", "{}")]
        )
        .is_err()
    );
    assert_eq!(b.events(None).unwrap().len(), 3);
    assert_eq!(b.events(Some("D1")).unwrap().len(), 3);
    assert_eq!(b.events(Some("D2")).unwrap().len(), 0);
    assert_eq!(b.verify().unwrap(), Ok(3));

    // A new connection to the same database sees the same book.
    let mut again = LicenceBook::connect(&url).unwrap();
    assert_eq!(again.events(None).unwrap(), b.events(None).unwrap());

    let mut raw = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    assert!(
        raw.execute("UPDATE licence_events SET body = '700' WHERE id = 3", &[])
            .is_err()
    );
    assert!(
        raw.execute("DELETE FROM licence_events WHERE id = 3", &[])
            .is_err()
    );
    assert!(raw.batch_execute("TRUNCATE licence_events").is_err());
    // Edited with the triggers disabled: the chain names the event.
    raw.batch_execute(
        "ALTER TABLE licence_events DISABLE TRIGGER USER;
         UPDATE licence_events SET body = '700' WHERE id = 3;",
    )
    .unwrap();
    let broken = b.verify().unwrap().unwrap_err();
    assert_eq!(broken.id, 3);
    assert!(broken.reason.contains("edited"), "{}", broken.reason);
    // A deleted event is missing from the chain.
    raw.batch_execute("DELETE FROM licence_events WHERE id = 2")
        .unwrap();
    assert_eq!(b.verify().unwrap().unwrap_err().id, 2);
}

/// Why a test drawdown was not written.
#[derive(Debug)]
enum Refused {
    /// Not enough left on the licence.
    Exhausted,
    /// The book failed.
    Store(StoreError),
}

impl From<StoreError> for Refused {
    fn from(e: StoreError) -> Refused {
        Refused::Store(e)
    }
}

/// Draws `units` against licence `L` (whose body is its limit; each
/// drawdown's body its units), deciding on the events read in the same
/// transaction. The pause between the read and the write leaves every
/// other thread time to read the same balance, were the book not to
/// exclude them.
fn draw(b: &mut LicenceBook, units: u64) -> Result<i64, Refused> {
    let (new, ()) = b.transact(Some("L"), |seen: &[LicenceEvent]| {
        let limit: u64 = seen
            .iter()
            .find(|e| e.kind == "licence")
            .map(|e| e.body.parse().unwrap())
            .unwrap();
        let drawn: u64 = seen
            .iter()
            .filter(|e| e.kind == "drawdown")
            .map(|e| e.body.parse::<u64>().unwrap())
            .sum();
        std::thread::sleep(Duration::from_millis(20));
        if drawn + units > limit {
            return Err(Refused::Exhausted);
        }
        Ok((vec![ev("drawdown", "L", &units.to_string())], ()))
    })?;
    Ok(new[0].id)
}

#[test]
fn postgres_concurrent_drawdowns_never_overdraw() {
    let url = fresh("lic_concurrent");
    let mut b = LicenceBook::connect(&url).unwrap();
    add(
        &mut b,
        vec![ev("licence", "OTHER", "100"), ev("licence", "L", "10")],
    )
    .unwrap();
    // Eight drawdowns of 3 units at once against 10 units: exactly 3 fit.
    let start = Arc::new(Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (url, start) = (url.clone(), start.clone());
            std::thread::spawn(move || {
                let mut b = LicenceBook::connect(&url).unwrap();
                start.wait();
                draw(&mut b, 3)
            })
        })
        .collect();
    let results: Vec<Result<i64, Refused>> =
        threads.into_iter().map(|t| t.join().unwrap()).collect();
    for r in &results {
        if let Err(Refused::Store(e)) = r {
            panic!("the book failed instead of serialising the drawdowns: {e:?}");
        }
    }
    let drawn = results.iter().filter(|r| r.is_ok()).count();
    let exhausted = results
        .iter()
        .filter(|r| matches!(r, Err(Refused::Exhausted)))
        .count();
    assert_eq!((drawn, exhausted), (3, 5), "{results:?}");
    let events = b.events(Some("L")).unwrap();
    let total: u64 = events
        .iter()
        .filter(|e| e.kind == "drawdown")
        .map(|e| e.body.parse::<u64>().unwrap())
        .sum();
    assert_eq!(total, 9);
    assert_eq!(b.verify().unwrap(), Ok(5));
    // The ids the drawdowns were given are those in the book.
    let mut ids: Vec<i64> = results.into_iter().filter_map(Result::ok).collect();
    ids.sort_unstable();
    assert_eq!(ids, [3, 4, 5]);
}

#[test]
fn postgres_and_sqlite_hash_the_same_events_alike() {
    let url = fresh("lic_same");
    let dir = tempfile::tempdir().unwrap();
    let mut books = [
        LicenceBook::open(dir.path()).unwrap(),
        LicenceBook::connect(&url).unwrap(),
    ];
    for b in &mut books {
        add(
            b,
            vec![
                ev("licence", "D1", r#"{"number":"D1","quantity":10}"#),
                ev("licence", "D2", "{\"é\":\"ünïcode\"}"),
            ],
        )
        .unwrap();
        for units in [4, 4, 4] {
            // The third is refused on both, and writes nothing.
            let _ = b.transact::<_, Refused>(Some("D1"), |seen| {
                let drawn = seen.iter().filter(|e| e.kind == "drawdown").count();
                if drawn * units + units > 10 {
                    return Err(Refused::Exhausted);
                }
                Ok((vec![ev("drawdown", "D1", &units.to_string())], ()))
            });
        }
        add(b, vec![ev("drawdown", "D2", "")]).unwrap();
    }
    let [sqlite, pg] = &mut books;
    let (s, p) = (sqlite.events(None).unwrap(), pg.events(None).unwrap());
    assert_eq!(s.len(), 5);
    assert_eq!(s, p);
    assert_eq!(crate::verify_events(&p), Ok(5));
    assert_eq!(sqlite.verify().unwrap(), pg.verify().unwrap());
}

#[test]
fn postgres_a_locked_book_is_busy_and_first_connections_race_safely() {
    let url = fresh("lic_busy");
    // Connections to a database without the book, all at once: one
    // creates the table, the others wait for it.
    let start = Arc::new(Barrier::new(6));
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let (url, start) = (url.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                LicenceBook::connect(&url).map(|_| ())
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap().unwrap();
    }
    let mut b = LicenceBook::connect(&url).unwrap();
    b.set_busy_timeout(Duration::from_millis(100)).unwrap();
    assert_eq!(b.busy_timeout(), Duration::from_millis(100));
    let mut raw = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let mut tx = raw.transaction().unwrap();
    tx.batch_execute("LOCK TABLE licence_events IN SHARE ROW EXCLUSIVE MODE")
        .unwrap();
    let e = add(&mut b, vec![ev("licence", "D1", "{}")]).unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::Busy {
                waited: Some(_),
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.help().contains("100 ms"), "{}", e.help());
    // Readers are not blocked by a writer.
    assert_eq!(b.events(None).unwrap().len(), 0);
    tx.rollback().unwrap();
    assert_eq!(add(&mut b, vec![ev("licence", "D1", "{}")]).unwrap(), 1);
}
