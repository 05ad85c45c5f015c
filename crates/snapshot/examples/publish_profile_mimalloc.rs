//! `publish_profile` with mimalloc as the global allocator, to measure what the allocator
//! costs publish (the ingest allocates a few strings per raw row, on several threads).
//!
//! `cargo run --release -p engage-snapshot --example publish_profile_mimalloc -- [CALLS]`,
//! the same environment variables as `publish_profile`.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "publish_profile.rs"]
mod publish_profile;

fn main() {
    publish_profile::main();
}
