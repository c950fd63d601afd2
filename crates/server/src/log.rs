//! The decision log's writer: one thread owns the log and commits every
//! entry waiting at the time in one transaction (group commit), then
//! acknowledges each. A request is answered only after its entry is
//! durable.

use std::sync::Mutex;

use chipexport_store::{DecisionLog, LogEntry, NewLogEntry};

type Ack = tokio::sync::oneshot::Sender<Result<LogEntry, chipexport::Error>>;

/// The writer.
pub struct LogWriter {
    tx: Mutex<std::sync::mpsc::Sender<(NewLogEntry, Ack)>>,
}

impl LogWriter {
    /// Starts the writer thread over `log`.
    pub fn start(mut log: DecisionLog) -> LogWriter {
        let (tx, rx) = std::sync::mpsc::channel::<(NewLogEntry, Ack)>();
        std::thread::spawn(move || {
            while let Ok(first) = rx.recv() {
                let mut batch = vec![first];
                while batch.len() < 1024 {
                    match rx.try_recv() {
                        Ok(next) => batch.push(next),
                        Err(_) => break,
                    }
                }
                let (entries, acks): (Vec<NewLogEntry>, Vec<Ack>) = batch.into_iter().unzip();
                match log.append_all(entries) {
                    Ok(done) => {
                        for (entry, ack) in done.into_iter().zip(acks) {
                            let _ = ack.send(Ok(entry));
                        }
                    }
                    Err(e) => {
                        let e = chipexport::Error::from(e);
                        for ack in acks {
                            let _ = ack.send(Err(e.detached()));
                        }
                    }
                }
            }
        });
        LogWriter { tx: Mutex::new(tx) }
    }

    /// Appends an entry and waits until it is durable.
    pub async fn append(&self, entry: NewLogEntry) -> Result<LogEntry, chipexport::Error> {
        let stopped = || chipexport::Error::bug("the decision log writer stopped");
        let (ack, done) = tokio::sync::oneshot::channel();
        self.tx
            .lock()
            .map_err(|_| stopped())?
            .send((entry, ack))
            .map_err(|_| stopped())?;
        done.await.map_err(|_| stopped())?
    }
}
