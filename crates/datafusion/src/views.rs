//! The views of `sql/`, embedded in the binary (the browser has no file system).

use datafusion::error::Result;
use datafusion::prelude::SessionContext;

/// Each view's name and its SQL (a single SELECT over the table `contacts`).
pub const VIEWS: [(&str, &str); 5] = [
    ("episodes", include_str!("../../../sql/episodes.sql")),
    (
        "repeat_callers",
        include_str!("../../../sql/repeat_callers.sql"),
    ),
    (
        "caller_profiles",
        include_str!("../../../sql/caller_profiles.sql"),
    ),
    ("demand", include_str!("../../../sql/demand.sql")),
    (
        "multi_agency",
        include_str!("../../../sql/multi_agency.sql"),
    ),
];

/// Registers the views on a session that has the functions ([`crate::register_all`]) and a
/// table `contacts` with the snapshot's schema.
pub async fn register_views(ctx: &SessionContext) -> Result<()> {
    for (name, sql) in VIEWS {
        ctx.sql(&format!("CREATE OR REPLACE VIEW {name} AS {sql}"))
            .await?;
    }
    Ok(())
}
