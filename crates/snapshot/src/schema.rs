//! The Arrow schemas of the snapshot's tables, and contacts, referrals and rejects as record
//! batches.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, Date32Builder, Int8Builder, Int32Builder, StringBuilder, TimestampMicrosecondBuilder,
    UInt64Builder,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;
use engage_ingest::{ContactRef, Referral, RejectRef};

/// The `contacts` table's schema.
pub fn contacts_schema() -> SchemaRef {
    let text = |name: &str, nullable| Field::new(name, DataType::Utf8, nullable);
    Arc::new(Schema::new(vec![
        text("contact_id", false),
        text("agency", false),
        text("line", false),
        Field::new(
            "received_at",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        text("caller_key", true),
        text("cli_status", false),
        text("outcome", false),
        Field::new("wait_s", DataType::Int32, true),
        Field::new("talk_s", DataType::Int32, true),
        text("recording_id", true),
        text("incident_id", true),
        text("category", true),
        text("closing_category", true),
        Field::new("grade", DataType::Int8, true),
        text("postcode", true),
        text("address_key", true),
        text("csu", true),
    ]))
}

/// The `referrals` table's schema: one row per decision about a repeat caller.
pub fn referrals_schema() -> SchemaRef {
    let text = |name: &str, nullable| Field::new(name, DataType::Utf8, nullable);
    Arc::new(Schema::new(vec![
        text("case_id", false),
        text("caller_key", false),
        Field::new(
            "decided_at",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        text("decision", false),
        text("assessment", true),
        text("csu", true),
        text("plan", true),
        Field::new("review_due", DataType::Date32, true),
        Field::new("marker_expires", DataType::Date32, true),
        text("close_reason", true),
    ]))
}

/// The `rejects` table's schema.
pub fn rejects_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("source", DataType::Utf8, false),
        Field::new("file", DataType::Utf8, false),
        Field::new("line", DataType::UInt64, false),
        Field::new("raw", DataType::Utf8, false),
        Field::new("reason", DataType::Utf8, false),
    ]))
}

fn strings<'a>(values: impl Iterator<Item = Option<&'a str>> + Clone) -> ArrayRef {
    // Sized first: growing the buffer of a batch's texts copied them again at each doubling.
    let (items, bytes) = values.clone().fold((0, 0), |(items, bytes), v| {
        (items + 1, bytes + v.map_or(0, str::len))
    });
    let mut b = StringBuilder::with_capacity(items, bytes);
    for v in values {
        b.append_option(v);
    }
    Arc::new(b.finish())
}

/// Contacts as one record batch of the `contacts` schema.
pub fn contacts_batch(contacts: &[ContactRef<'_>]) -> Result<RecordBatch, ArrowError> {
    let mut received =
        TimestampMicrosecondBuilder::with_capacity(contacts.len()).with_timezone("UTC");
    let mut wait = Int32Builder::with_capacity(contacts.len());
    let mut talk = Int32Builder::with_capacity(contacts.len());
    let mut grade = Int8Builder::with_capacity(contacts.len());
    for c in contacts {
        received.append_value(c.received_at);
        wait.append_option(c.wait_s);
        talk.append_option(c.talk_s);
        grade.append_option(c.grade);
    }
    let s = |f: for<'c> fn(&ContactRef<'c>) -> Option<&'c str>| strings(contacts.iter().map(f));
    RecordBatch::try_new(
        contacts_schema(),
        vec![
            s(|c| Some(c.contact_id)),
            s(|c| Some(c.agency)),
            s(|c| Some(c.line)),
            Arc::new(received.finish()),
            s(|c| c.caller_key),
            s(|c| Some(c.cli_status)),
            s(|c| Some(c.outcome)),
            Arc::new(wait.finish()),
            Arc::new(talk.finish()),
            s(|c| c.recording_id),
            s(|c| c.incident_id),
            s(|c| c.category),
            s(|c| c.closing_category),
            Arc::new(grade.finish()),
            s(|c| c.postcode),
            s(|c| c.address_key),
            s(|c| c.csu),
        ],
    )
}

/// Referrals as one record batch of the `referrals` schema.
pub fn referrals_batch(referrals: &[Referral]) -> Result<RecordBatch, ArrowError> {
    let mut decided =
        TimestampMicrosecondBuilder::with_capacity(referrals.len()).with_timezone("UTC");
    let mut review_due = Date32Builder::with_capacity(referrals.len());
    let mut marker_expires = Date32Builder::with_capacity(referrals.len());
    for r in referrals {
        decided.append_value(r.decided_at);
        review_due.append_option(r.review_due);
        marker_expires.append_option(r.marker_expires);
    }
    let s = |f: fn(&Referral) -> Option<&str>| strings(referrals.iter().map(f));
    RecordBatch::try_new(
        referrals_schema(),
        vec![
            s(|r| Some(&r.case_id)),
            s(|r| Some(&r.caller_key)),
            Arc::new(decided.finish()),
            s(|r| Some(r.decision)),
            s(|r| r.assessment),
            s(|r| r.csu.as_deref()),
            s(|r| r.plan.as_deref()),
            Arc::new(review_due.finish()),
            Arc::new(marker_expires.finish()),
            s(|r| r.close_reason.as_deref()),
        ],
    )
}

/// Rejects as one record batch of the `rejects` schema.
pub fn rejects_batch(rejects: &[RejectRef<'_>]) -> Result<RecordBatch, ArrowError> {
    let mut line = UInt64Builder::with_capacity(rejects.len());
    for r in rejects {
        line.append_value(r.line);
    }
    RecordBatch::try_new(
        rejects_schema(),
        vec![
            strings(rejects.iter().map(|r| Some(r.source))),
            strings(rejects.iter().map(|r| Some(r.file))),
            Arc::new(line.finish()),
            strings(rejects.iter().map(|r| Some(r.raw))),
            strings(rejects.iter().map(|r| Some(r.reason))),
        ],
    )
}
