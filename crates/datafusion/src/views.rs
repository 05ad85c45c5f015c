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

/// The coordinator's views over `contacts` and the case system's decisions, `referrals`, in
/// the order they stand on each other.
pub const REFERRAL_VIEWS: [(&str, &str); 3] = [
    ("caseload", include_str!("../../../sql/caseload.sql")),
    (
        "morning_list",
        include_str!("../../../sql/morning_list.sql"),
    ),
    ("outcomes", include_str!("../../../sql/outcomes.sql")),
];

/// Registers the views on a session that has the functions ([`crate::register_all`]) and a
/// table `contacts` with the snapshot's schema; and [`REFERRAL_VIEWS`] too when the session
/// has a table `referrals` (a snapshot's, docs/exports.md).
pub async fn register_views(ctx: &SessionContext) -> Result<()> {
    register_views_except(ctx, &[]).await
}

/// Every view but `held`, which the session holds as tables of their own.
async fn register_views_except(ctx: &SessionContext, held: &[&str]) -> Result<()> {
    let referrals = ctx.table_exist("referrals")?;
    let views = VIEWS
        .iter()
        .chain(REFERRAL_VIEWS.iter().filter(|_| referrals))
        .filter(|(name, _)| !held.contains(name));
    for (name, sql) in views {
        ctx.sql(&format!("CREATE OR REPLACE VIEW {name} AS {sql}"))
            .await?;
    }
    Ok(())
}

/// Computes the views `names` once and holds their answers in memory as tables of the same
/// name, then makes the other views again over them: for a job that reads several views
/// standing on one (the packs read `repeat_callers` through `outcomes`, `morning_list` and
/// `multi_agency`), detection runs once instead of once a view. The held answers do not follow
/// later changes of the session's settings or tables.
pub async fn hold_views(ctx: &SessionContext, names: &[&str]) -> Result<()> {
    for name in names {
        let frame = ctx.table(*name).await?;
        let schema = frame.schema().inner().clone();
        let batches = frame.collect().await?;
        ctx.deregister_table(*name)?;
        ctx.register_table(
            *name,
            std::sync::Arc::new(datafusion::datasource::MemTable::try_new(
                schema,
                vec![batches],
            )?),
        )?;
    }
    register_views_except(ctx, names).await
}

#[cfg(test)]
mod tests {
    use super::VIEWS;
    use engage_kernel::summary::{CallerColumn, EpisodeColumn};

    /// The `Columns:` block of a view's header comment: (name, meaning) pairs, the meaning's
    /// continuation lines joined with single spaces.
    fn documented_columns(sql: &str) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut lines = sql
            .lines()
            .skip_while(|l| l.trim() != "-- Columns:")
            .skip(1);
        for line in lines.by_ref() {
            let Some(text) = line.strip_prefix("--") else {
                break;
            };
            if text.trim().is_empty() {
                break;
            }
            let indent = text.len() - text.trim_start().len();
            if indent <= 3 {
                let (name, meaning) = text.trim().split_once(' ').unwrap_or((text.trim(), ""));
                out.push((name.to_string(), meaning.trim().to_string()));
            } else if let Some((_, meaning)) = out.last_mut() {
                meaning.push(' ');
                meaning.push_str(text.trim());
            }
        }
        out
    }

    fn view(name: &str) -> &'static str {
        VIEWS.iter().find(|(n, _)| *n == name).unwrap().1
    }

    #[test]
    fn every_view_documents_its_columns() {
        for (name, sql) in VIEWS.iter().chain(&super::REFERRAL_VIEWS) {
            assert!(!documented_columns(sql).is_empty(), "{name}");
        }
    }

    #[test]
    fn view_headers_say_what_the_kernel_describes() {
        let described = |columns: Vec<(&str, &str)>| -> Vec<(String, String)> {
            columns
                .into_iter()
                .map(|(n, m)| (n.to_string(), m.to_string()))
                .collect()
        };
        assert_eq!(
            documented_columns(view("repeat_callers")),
            described(
                CallerColumn::ALL
                    .iter()
                    .map(|c| (c.name(), c.meaning()))
                    .collect()
            )
        );
        assert_eq!(
            documented_columns(view("episodes")),
            described(
                EpisodeColumn::ALL
                    .iter()
                    .map(|c| (c.name(), c.meaning()))
                    .collect()
            )
        );
    }

    #[test]
    fn the_header_parser_reads_continuations() {
        let sql = "-- x\n--\n-- Columns:\n--   a   first\n--       more\n--   b   second\n--\n-- rest\nSELECT 1";
        assert_eq!(
            documented_columns(sql),
            vec![
                ("a".to_string(), "first more".to_string()),
                ("b".to_string(), "second".to_string())
            ]
        );
    }
}
