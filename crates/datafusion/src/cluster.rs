//! Ballista: running the decision query on a cluster, and a cluster in this
//! process (a scheduler and executors on loopback, ephemeral ports) for
//! tests and demonstrations.

use std::net::SocketAddr;
use std::time::Duration;

use ballista::prelude::SessionContextExt;
use ballista_core::serde::BallistaCodec;
use ballista_core::serde::protobuf::scheduler_grpc_client::SchedulerGrpcClient;
use datafusion::prelude::SessionContext;

use chipexport_domain::Fault;

use crate::Error;

/// Checks a scheduler address of the form `df://HOST:PORT`.
pub fn parse_scheduler(url: &str) -> Result<(String, u16), Error> {
    let bad = |why: &str| {
        Error::new(
            Fault::Input,
            format!("`{url}` is not a Ballista scheduler address: {why}"),
            "write it as df://HOST:PORT, e.g. df://127.0.0.1:50050",
        )
    };
    let rest = url
        .strip_prefix("df://")
        .ok_or_else(|| bad("it must start with df://"))?;
    let rest = rest.trim_end_matches('/');
    let (host, port) = rest
        .rsplit_once(':')
        .ok_or_else(|| bad("the port is missing"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(bad("the host is missing"));
    }
    let port = port
        .parse::<u16>()
        .map_err(|_| bad(&format!("`{port}` is not a port number")))?;
    Ok((host.to_string(), port))
}

/// A session whose queries run on the Ballista cluster at `url`
/// (`df://HOST:PORT`). The ledger path must be readable, at the same
/// absolute path, by the scheduler and every executor.
pub async fn ballista_context(url: &str) -> Result<SessionContext, Error> {
    parse_scheduler(url)?;
    SessionContext::remote(url).await.map_err(|e| {
        Error::new(
            Fault::Environment,
            format!("cannot use the Ballista scheduler at `{url}`"),
            "check that the scheduler runs and listens on that address",
        )
        .caused_by(e)
    })
}

/// A scheduler and executors running in this process, on loopback.
///
/// They run as tasks of the current Tokio runtime (which must be
/// multi-threaded) and stop with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalCluster {
    /// Where the scheduler listens.
    pub scheduler: SocketAddr,
    /// How many executors were started.
    pub executors: usize,
}

impl LocalCluster {
    /// Starts a scheduler and `executors` executors with `vcores` task
    /// slots each. Every socket is on loopback with an ephemeral port.
    pub async fn start(executors: usize, vcores: usize) -> Result<LocalCluster, Error> {
        let failed = |what: &str| {
            Error::new(
                Fault::Environment,
                format!("cannot start the in-process Ballista {what}"),
                "check that loopback networking works on this machine",
            )
        };
        let scheduler = ballista_scheduler::standalone::new_standalone_scheduler()
            .await
            .map_err(|e| failed("scheduler").caused_by(e))?;
        if !scheduler.ip().is_loopback() {
            return Err(failed(&format!(
                "scheduler: it listens on {scheduler}, which is not a loopback address"
            )));
        }
        let grpc = format!("http://{scheduler}");
        for _ in 0..executors {
            // The scheduler may take a moment to listen: up to five seconds.
            let mut tries = 0;
            let client = loop {
                match SchedulerGrpcClient::connect(grpc.clone()).await {
                    Ok(c) => break c,
                    Err(e) if tries >= 50 => return Err(failed("executor").caused_by(e)),
                    Err(_) => {
                        tries += 1;
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            };
            ballista_executor::new_standalone_executor(client, vcores, BallistaCodec::default())
                .await
                .map_err(|e| failed("executor").caused_by(e))?;
        }
        Ok(LocalCluster {
            scheduler,
            executors,
        })
    }

    /// The scheduler's address as `df://HOST:PORT`.
    pub fn url(&self) -> String {
        format!("df://{}", self.scheduler)
    }
}
