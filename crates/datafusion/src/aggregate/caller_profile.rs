//! `caller_profile(received_at, line, agency, category)`: a caller's profile as a struct whose
//! fields are the kernel's profile columns ([`ProfileColumn`]).

use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{Array, ArrayRef, AsArray, TimestampMicrosecondArray};
use datafusion::arrow::datatypes::{DataType, FieldRef, Fields, TimeUnit};
use datafusion::common::scalar::ScalarStructBuilder;
use datafusion::common::{ScalarValue, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Documentation, Signature, Volatility,
};
use engage_kernel::profile::{CallerProfile, ContactFacts};
use engage_kernel::summary::ProfileColumn;
use engage_kernel::triage::TriageTable;

use super::{merge_lists, single_list, state_field, text_list};
use crate::args::{micros, text_type, timestamp_micros_type};
use crate::docs::doc;
use crate::summary_columns;

const NAME: &str = "caller_profile";

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
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
    )
});

/// The function.
pub(crate) fn udaf() -> AggregateUDF {
    AggregateUDF::new_from_impl(CallerProfileAggregate {
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

fn timestamp() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

/// The fields of the struct: the kernel's profile columns.
fn profile_fields() -> Fields {
    summary_columns::fields(
        ProfileColumn::ALL,
        ProfileColumn::name,
        ProfileColumn::column_type,
    )
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct CallerProfileAggregate {
    signature: Signature,
}

impl AggregateUDFImpl for CallerProfileAggregate {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        match args {
            [time, line, agency, category] => Ok(vec![
                timestamp_micros_type(time, NAME)?,
                text_type(line, NAME)?,
                text_type(agency, NAME)?,
                text_type(category, NAME)?,
            ]),
            _ => plan_err!(
                "{NAME} takes (received_at, line, agency, category); given {} arguments",
                args.len()
            ),
        }
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(profile_fields()))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![
            state_field(args.name, "received_at", timestamp()),
            state_field(args.name, "lines", DataType::Utf8),
            state_field(args.name, "agencies", DataType::Utf8),
            state_field(args.name, "categories", DataType::Utf8),
        ])
    }

    fn accumulator(&self, _: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(ProfileAccumulator::default()))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCUMENTATION)
    }
}

/// The contacts' facts, kept for the kernel.
#[derive(Debug, Default)]
struct ProfileAccumulator {
    times: Vec<i64>,
    lines: Vec<String>,
    agencies: Vec<String>,
    categories: Vec<Option<String>>,
}

impl ProfileAccumulator {
    fn append(&mut self, columns: &[ArrayRef]) -> Result<()> {
        let times = micros(&columns[0])?;
        for (i, &t) in times.iter().enumerate().take(columns[0].len()) {
            if columns[0].is_valid(i) {
                self.times.push(t);
                self.lines
                    .push(columns[1].as_string::<i32>().value(i).to_string());
                self.agencies
                    .push(columns[2].as_string::<i32>().value(i).to_string());
                self.categories.push(
                    columns[3]
                        .is_valid(i)
                        .then(|| columns[3].as_string::<i32>().value(i).to_string()),
                );
            }
        }
        Ok(())
    }

    fn profile(&self) -> CallerProfile {
        let table = TriageTable::default_table();
        let mut profile = CallerProfile::default();
        for i in 0..self.times.len() {
            profile.add(
                table,
                ContactFacts {
                    received_at: self.times[i],
                    line: &self.lines[i],
                    agency: &self.agencies[i],
                    category: self.categories[i].as_deref(),
                },
            );
        }
        profile
    }
}

impl Accumulator for ProfileAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.append(values)
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        merge_lists(states, |columns| self.append(columns))
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let times = TimestampMicrosecondArray::from(self.times.clone()).with_timezone("UTC");
        Ok(vec![
            single_list(Arc::new(times)),
            text_list(self.lines.iter().cloned().map(Some)),
            text_list(self.agencies.iter().cloned().map(Some)),
            text_list(self.categories.iter().cloned()),
        ])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let profile = self.profile();
        let mut builder = ScalarStructBuilder::new();
        for (field, &column) in profile_fields().iter().zip(ProfileColumn::ALL.iter()) {
            builder = builder.with_scalar(
                field.as_ref().clone(),
                summary_columns::scalar(profile.value(column)),
            );
        }
        builder.build()
    }

    fn size(&self) -> usize {
        let strings: usize = self
            .lines
            .iter()
            .chain(&self.agencies)
            .map(|s| s.capacity() + 24)
            .sum::<usize>()
            + self
                .categories
                .iter()
                .map(|c| c.as_ref().map_or(0, String::capacity) + 24)
                .sum::<usize>();
        std::mem::size_of_val(self) + self.times.capacity() * 8 + strings
    }
}
