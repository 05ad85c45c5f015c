//! Aggregate functions: `triage_suggestion`, `triage_evidence`, `peak_counts`, and
//! `caller_profile`, each folding rows into the kernel's types.

use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, ListArray, StringArray, TimestampMicrosecondArray,
};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields, Int64Type, TimeUnit};
use datafusion::common::scalar::ScalarStructBuilder;
use datafusion::common::{ScalarValue, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Documentation, Signature, Volatility,
};
use engage_kernel::profile::{CallerProfile, ContactFacts};
use engage_kernel::summary::ProfileColumn;
use engage_kernel::triage::{TriageEvidence, TriageTable};

use crate::args::{micros, text_type, timestamp_micros_type};
use crate::docs::doc;
use crate::summary_columns;

/// All aggregate functions.
pub(crate) fn functions() -> Vec<AggregateUDF> {
    [
        Kind::TriageSuggestion,
        Kind::TriageEvidence,
        Kind::PeakCounts,
        Kind::CallerProfile,
    ]
    .into_iter()
    .map(|kind| AggregateUDF::new_from_impl(EngageAggregate::new(kind)))
    .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    TriageSuggestion,
    TriageEvidence,
    PeakCounts,
    CallerProfile,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct EngageAggregate {
    kind: Kind,
    signature: Signature,
}

impl EngageAggregate {
    fn new(kind: Kind) -> Self {
        EngageAggregate {
            kind,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

fn timestamp() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

fn list_of(item: DataType) -> DataType {
    DataType::List(Arc::new(Field::new_list_field(item, true)))
}

/// The fields of `caller_profile`'s struct: the kernel's profile columns.
fn profile_fields() -> Fields {
    summary_columns::fields(
        ProfileColumn::ALL,
        ProfileColumn::name,
        ProfileColumn::column_type,
    )
}

static DOCS: LazyLock<[Documentation; 4]> = LazyLock::new(|| {
    [
        doc(
            "A suggestion for the coordinator from the categories of a caller's contacts: repeat_victim, vulnerable_caller, mixed, or undetermined when the evidence is thin. People decide; show triage_evidence beside it.",
            "triage_suggestion(category)",
            "SELECT caller_key, triage_suggestion(category) FROM contacts GROUP BY caller_key;",
            &[("category", "the incident's opening category")],
        ),
        doc(
            "The evidence behind triage_suggestion: contacts per triage group and per category.",
            "triage_evidence(category)",
            "SELECT caller_key, triage_evidence(category) FROM contacts GROUP BY caller_key;",
            &[("category", "the incident's opening category")],
        ),
        doc(
            "The element-wise maximum of lists of counts (per-rule peaks of an episode).",
            "peak_counts(counts)",
            "SELECT peak_counts(counts) FROM (SELECT repeat_rolling_counts(received_at, '5/30d,12/90d') OVER (PARTITION BY caller_key ORDER BY received_at) AS counts FROM contacts WHERE caller_key IS NOT NULL);",
            &[("counts", "a list of counts, one per rule")],
        ),
        doc(
            "A caller's profile: contacts by hour of day and day of week in UK local time, the 999/101 mix, night share, top categories, agencies, and the triage suggestion with its evidence.",
            "caller_profile(received_at, line, agency, category)",
            "SELECT caller_key, caller_profile(received_at, line, agency, category)['night_share'] FROM contacts GROUP BY caller_key;",
            &[
                ("received_at", "the contact's time"),
                ("line", "999, 101 or a partner's line"),
                ("agency", "police, fire or ambulance"),
                ("category", "the incident's opening category"),
            ],
        ),
    ]
});

impl AggregateUDFImpl for EngageAggregate {
    fn name(&self) -> &str {
        match self.kind {
            Kind::TriageSuggestion => "triage_suggestion",
            Kind::TriageEvidence => "triage_evidence",
            Kind::PeakCounts => "peak_counts",
            Kind::CallerProfile => "caller_profile",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        let name = self.name();
        match (self.kind, args) {
            (Kind::TriageSuggestion | Kind::TriageEvidence, [category]) => {
                Ok(vec![text_type(category, name)?])
            }
            (
                Kind::PeakCounts,
                [DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..)],
            ) => Ok(vec![list_of(DataType::Int64)]),
            (Kind::CallerProfile, [time, line, agency, category]) => Ok(vec![
                timestamp_micros_type(time, name)?,
                text_type(line, name)?,
                text_type(agency, name)?,
                text_type(category, name)?,
            ]),
            _ => plan_err!("{name} does not take ({args:?}); see its documentation"),
        }
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(match self.kind {
            Kind::TriageSuggestion | Kind::TriageEvidence => DataType::Utf8,
            Kind::PeakCounts => list_of(DataType::Int64),
            Kind::CallerProfile => DataType::Struct(profile_fields()),
        })
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        // The state is the rows themselves (as lists), merged by appending.
        let field = |suffix: &str, item: DataType| {
            Arc::new(Field::new(
                format!("{}[{suffix}]", args.name),
                list_of(item),
                true,
            ))
        };
        Ok(match self.kind {
            Kind::TriageSuggestion | Kind::TriageEvidence => {
                vec![field("categories", DataType::Utf8)]
            }
            Kind::PeakCounts => vec![field("peaks", DataType::Int64)],
            Kind::CallerProfile => vec![
                field("received_at", timestamp()),
                field("lines", DataType::Utf8),
                field("agencies", DataType::Utf8),
                field("categories", DataType::Utf8),
            ],
        })
    }

    fn accumulator(&self, _: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(match self.kind {
            Kind::PeakCounts => Box::new(PeakAccumulator::default()),
            kind => Box::new(RowsAccumulator {
                kind,
                rows: Rows::default(),
            }),
        })
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCS[self.kind as usize])
    }
}

/// Rows kept for the kernel: categories, and for profiles times, lines and agencies too.
#[derive(Debug, Default)]
struct Rows {
    times: Vec<i64>,
    lines: Vec<String>,
    agencies: Vec<String>,
    categories: Vec<Option<String>>,
}

#[derive(Debug)]
struct RowsAccumulator {
    kind: Kind,
    rows: Rows,
}

fn texts(array: &ArrayRef) -> impl Iterator<Item = Option<&str>> {
    array.as_string::<i32>().iter()
}

impl RowsAccumulator {
    fn append(&mut self, columns: &[ArrayRef]) -> Result<()> {
        if self.kind == Kind::CallerProfile {
            let times = micros(&columns[0])?;
            for (i, &t) in times.iter().enumerate().take(columns[0].len()) {
                if columns[0].is_valid(i) {
                    self.rows.times.push(t);
                    self.rows
                        .lines
                        .push(columns[1].as_string::<i32>().value(i).to_string());
                    self.rows
                        .agencies
                        .push(columns[2].as_string::<i32>().value(i).to_string());
                    self.rows.categories.push(
                        columns[3]
                            .is_valid(i)
                            .then(|| columns[3].as_string::<i32>().value(i).to_string()),
                    );
                }
            }
        } else {
            self.rows
                .categories
                .extend(texts(&columns[0]).map(|c| c.map(str::to_string)));
        }
        Ok(())
    }

    fn evidence(&self) -> TriageEvidence {
        let table = TriageTable::default_table();
        let mut evidence = TriageEvidence::new();
        for c in &self.rows.categories {
            evidence.add(table, c.as_deref());
        }
        evidence
    }

    fn profile(&self) -> CallerProfile {
        let table = TriageTable::default_table();
        let mut profile = CallerProfile::default();
        for i in 0..self.rows.times.len() {
            profile.add(
                table,
                ContactFacts {
                    received_at: self.rows.times[i],
                    line: &self.rows.lines[i],
                    agency: &self.rows.agencies[i],
                    category: self.rows.categories[i].as_deref(),
                },
            );
        }
        profile
    }
}

fn text_list(values: impl Iterator<Item = Option<String>>) -> ScalarValue {
    ScalarValue::List(Arc::new(ListArray::new(
        Arc::new(Field::new_list_field(DataType::Utf8, true)),
        datafusion::arrow::buffer::OffsetBuffer::from_lengths([0]),
        Arc::new(StringArray::from_iter(values)),
        None,
    )))
    .with_single_list()
}

trait SingleList {
    fn with_single_list(self) -> ScalarValue;
}

impl SingleList for ScalarValue {
    /// Fixes the offsets of a list scalar built from all its values.
    fn with_single_list(self) -> ScalarValue {
        match self {
            ScalarValue::List(list) => {
                let values = list.values().clone();
                let field = Arc::new(Field::new_list_field(values.data_type().clone(), true));
                ScalarValue::List(Arc::new(ListArray::new(
                    field,
                    datafusion::arrow::buffer::OffsetBuffer::from_lengths([values.len()]),
                    values,
                    None,
                )))
            }
            other => other,
        }
    }
}

impl Accumulator for RowsAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.append(values)
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let lists: Vec<&ListArray> = states.iter().map(|s| s.as_list::<i32>()).collect();
        for row in 0..lists[0].len() {
            let columns: Vec<ArrayRef> = lists.iter().map(|l| l.value(row)).collect();
            self.append(&columns)?;
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let categories = text_list(self.rows.categories.iter().cloned());
        if self.kind != Kind::CallerProfile {
            return Ok(vec![categories]);
        }
        let times = TimestampMicrosecondArray::from(self.rows.times.clone()).with_timezone("UTC");
        let times = ScalarValue::List(Arc::new(ListArray::new(
            Arc::new(Field::new_list_field(timestamp(), true)),
            datafusion::arrow::buffer::OffsetBuffer::from_lengths([times.len()]),
            Arc::new(times),
            None,
        )));
        Ok(vec![
            times,
            text_list(self.rows.lines.iter().cloned().map(Some)),
            text_list(self.rows.agencies.iter().cloned().map(Some)),
            categories,
        ])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(match self.kind {
            Kind::TriageSuggestion => {
                ScalarValue::Utf8(Some(self.evidence().suggest().as_str().to_string()))
            }
            Kind::TriageEvidence => ScalarValue::Utf8(Some(self.evidence().summary())),
            Kind::CallerProfile => {
                let p = self.profile();
                let values = ProfileColumn::ALL
                    .iter()
                    .map(|&column| summary_columns::scalar(p.value(column)));
                let mut builder = ScalarStructBuilder::new();
                for (field, value) in profile_fields().iter().zip(values) {
                    builder = builder.with_scalar(field.as_ref().clone(), value);
                }
                builder.build()?
            }
            Kind::PeakCounts => unreachable!("peak_counts has its own accumulator"),
        })
    }

    fn size(&self) -> usize {
        let strings: usize = self
            .rows
            .lines
            .iter()
            .chain(&self.rows.agencies)
            .map(|s| s.capacity() + 24)
            .sum::<usize>()
            + self
                .rows
                .categories
                .iter()
                .map(|c| c.as_ref().map_or(0, String::capacity) + 24)
                .sum::<usize>();
        std::mem::size_of_val(self) + self.rows.times.capacity() * 8 + strings
    }
}

/// Element-wise maximum of lists.
#[derive(Debug, Default)]
struct PeakAccumulator {
    peaks: Vec<i64>,
    seen: bool,
}

impl PeakAccumulator {
    fn fold(&mut self, lists: &ListArray) {
        for row in 0..lists.len() {
            if lists.is_null(row) {
                continue;
            }
            let item = lists.value(row);
            let values = item.as_primitive::<Int64Type>();
            if values.len() > self.peaks.len() {
                self.peaks.resize(values.len(), i64::MIN);
            }
            for (peak, v) in self.peaks.iter_mut().zip(values.iter()) {
                if let Some(v) = v {
                    *peak = (*peak).max(v);
                }
            }
            self.seen = true;
        }
    }

    fn value(&self) -> ScalarValue {
        if !self.seen {
            return ScalarValue::List(Arc::new(ListArray::new_null(
                Arc::new(Field::new_list_field(DataType::Int64, true)),
                1,
            )));
        }
        ScalarValue::List(Arc::new(ListArray::from_iter_primitive::<Int64Type, _, _>(
            [Some(
                self.peaks
                    .iter()
                    .map(|&p| (p != i64::MIN).then_some(p))
                    .collect::<Vec<_>>(),
            )],
        )))
    }
}

impl Accumulator for PeakAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.fold(values[0].as_list::<i32>());
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.fold(states[0].as_list::<i32>());
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![self.value()])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(self.value())
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.peaks.capacity() * 8
    }
}
