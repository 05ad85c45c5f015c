//! Engage on an Apache DataFusion Ballista cluster: the codecs that carry Engage's table
//! functions and operators between the client, the scheduler and the executors
//! ([`codec`]), what each process needs to speak Engage ([`session`]), an in-process cluster
//! for tests ([`local`]), and the `engage-scheduler` and `engage-executor` binaries, which
//! start Ballista's own processes with these.
//!
//! On a cluster, `engage.partition_by_key` is on: detection and Engage's window operator ask
//! for their input hash-partitioned by caller, so each executor detects whole callers and the
//! answer equals one machine's.

pub mod codec;
pub mod local;
pub mod session;

pub use codec::{EngageLogicalCodec, EngagePhysicalCodec};
pub use session::connect;
