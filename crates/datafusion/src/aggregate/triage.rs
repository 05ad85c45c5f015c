//! What `triage_suggestion` and `triage_evidence` share: a category column folded into the
//! kernel's [`TriageEvidence`], answered as text.

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::datatypes::FieldRef;
use datafusion::common::{ScalarValue, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDFImpl, Documentation, Signature, Volatility,
};
use engage_kernel::triage::{TriageEvidence, TriageTable};

use super::{merge_lists, state_field, text_list, texts};
use crate::args::text_type;
use crate::docs::equal_by_name;

/// A triage aggregate: its name, documentation and answer from the evidence.
#[derive(Debug)]
pub(super) struct TriageAggregate {
    name: &'static str,
    documentation: &'static Documentation,
    answer: fn(&TriageEvidence) -> String,
    signature: Signature,
}

impl TriageAggregate {
    pub fn new(
        name: &'static str,
        documentation: &'static Documentation,
        answer: fn(&TriageEvidence) -> String,
    ) -> Self {
        TriageAggregate {
            name,
            documentation,
            answer,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

equal_by_name!(TriageAggregate);

impl AggregateUDFImpl for TriageAggregate {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        match args {
            [category] => Ok(vec![text_type(category, self.name)?]),
            _ => plan_err!(
                "{} takes one argument, the category; given {}",
                self.name,
                args.len()
            ),
        }
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![state_field(args.name, "categories", DataType::Utf8)])
    }

    fn accumulator(&self, _: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(TriageAccumulator {
            answer: self.answer,
            categories: Vec::new(),
        }))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(self.documentation)
    }
}

/// The categories seen, kept for the kernel.
#[derive(Debug)]
struct TriageAccumulator {
    answer: fn(&TriageEvidence) -> String,
    categories: Vec<Option<String>>,
}

impl TriageAccumulator {
    fn append(&mut self, columns: &[ArrayRef]) -> Result<()> {
        self.categories
            .extend(texts(&columns[0]).map(|c| c.map(str::to_string)));
        Ok(())
    }
}

impl Accumulator for TriageAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.append(values)
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        merge_lists(states, |columns| self.append(columns))
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![text_list(self.categories.iter().cloned())])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let table = TriageTable::default_table();
        let mut evidence = TriageEvidence::new();
        for c in &self.categories {
            evidence.add(table, c.as_deref());
        }
        Ok(ScalarValue::Utf8(Some((self.answer)(&evidence))))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
            + self
                .categories
                .iter()
                .map(|c| c.as_ref().map_or(0, String::capacity) + 24)
                .sum::<usize>()
    }
}
