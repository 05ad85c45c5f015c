//! The codecs that carry Engage's table functions (logical plans, client to scheduler) and
//! operators (physical plans, scheduler to executors) over the wire. Each handles Engage's
//! nodes and forwards every other node to Ballista's own codec, which carries the shuffle
//! nodes and the file formats.
//!
//! Engage's bytes start with [`MAGIC`]: a protobuf message never starts with a zero byte (field
//! number 0 does not exist), so Engage's and Ballista's bytes cannot be mistaken for each other.

use std::sync::Arc;

use ballista_core::serde::{BallistaLogicalExtensionCodec, BallistaPhysicalExtensionCodec};
use datafusion::arrow::datatypes::{Schema, SchemaRef};
use datafusion::catalog::TableProvider;
use datafusion::common::{DataFusionError, Result, TableReference};
use datafusion::datasource::file_format::FileFormatFactory;
use datafusion::datasource::{provider_as_source, source_as_provider};
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{
    AggregateUDF, Extension, LogicalPlan, LogicalPlanBuilder, ScalarUDF, WindowUDF,
};
use datafusion::physical_plan::ExecutionPlan;
use datafusion_proto::bytes::{
    logical_plan_from_bytes_with_extension_codec, logical_plan_to_bytes_with_extension_codec,
};
use datafusion_proto::logical_plan::LogicalExtensionCodec;
use datafusion_proto::physical_plan::{PhysicalExtensionCodec, PhysicalProtoConverterExtension};
use datafusion_proto::protobuf;
use engage_datafusion::wire::{self, WireNode, WireTable};
use prost::Message;

/// The first bytes of everything Engage's codecs write.
pub const MAGIC: &[u8] = b"\0ENGAGE1";

/// An Engage node on the wire: its description, and what the description does not hold.
#[derive(Clone, PartialEq, Message)]
struct EngageNodeProto {
    /// A [`WireNode`] or [`WireTable`] as bytes.
    #[prost(bytes = "vec", tag = "1")]
    description: Vec<u8>,
    /// An operator's output schema.
    #[prost(message, optional, tag = "2")]
    schema: Option<protobuf::Schema>,
    /// A table function's source table, as a logical plan scanning it.
    #[prost(bytes = "vec", tag = "3")]
    source: Vec<u8>,
}

impl EngageNodeProto {
    fn write(&self, buf: &mut Vec<u8>) -> Result<()> {
        buf.extend_from_slice(MAGIC);
        self.encode(buf)
            .map_err(|e| DataFusionError::Internal(format!("encoding an Engage node: {e}")))
    }

    /// The node in `buf` if it is Engage's.
    fn read(buf: &[u8]) -> Result<Option<Self>> {
        match buf.strip_prefix(MAGIC) {
            Some(rest) => EngageNodeProto::decode(rest)
                .map(Some)
                .map_err(|e| DataFusionError::Internal(format!("decoding an Engage node: {e}"))),
            None => Ok(None),
        }
    }
}

/// Engage's logical codec: the table functions' tables, with the tables they read; everything
/// else goes to Ballista's codec.
#[derive(Debug)]
pub struct EngageLogicalCodec {
    inner: Arc<dyn LogicalExtensionCodec>,
}

impl Default for EngageLogicalCodec {
    fn default() -> Self {
        EngageLogicalCodec::new(Arc::new(BallistaLogicalExtensionCodec::default()))
    }
}

impl EngageLogicalCodec {
    /// Engage's nodes here, the others to `inner`.
    pub fn new(inner: Arc<dyn LogicalExtensionCodec>) -> Self {
        EngageLogicalCodec { inner }
    }
}

impl LogicalExtensionCodec for EngageLogicalCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[LogicalPlan],
        ctx: &TaskContext,
    ) -> Result<Extension> {
        self.inner.try_decode(buf, inputs, ctx)
    }

    fn try_encode(&self, node: &Extension, buf: &mut Vec<u8>) -> Result<()> {
        self.inner.try_encode(node, buf)
    }

    fn try_decode_table_provider(
        &self,
        buf: &[u8],
        table_ref: &TableReference,
        schema: SchemaRef,
        ctx: &TaskContext,
    ) -> Result<Arc<dyn TableProvider>> {
        let Some(node) = EngageNodeProto::read(buf)? else {
            return self
                .inner
                .try_decode_table_provider(buf, table_ref, schema, ctx);
        };
        let table = WireTable::from_bytes(&node.description)?;
        let source = logical_plan_from_bytes_with_extension_codec(&node.source, ctx, self)?;
        let LogicalPlan::TableScan(scan) = source else {
            return Err(DataFusionError::Internal(format!(
                "{table_ref}: its source arrived as a plan that is not a table scan"
            )));
        };
        wire::rebuild_table(&table, source_as_provider(&scan.source)?)
    }

    fn try_encode_table_provider(
        &self,
        table_ref: &TableReference,
        node: Arc<dyn TableProvider>,
        buf: &mut Vec<u8>,
    ) -> Result<()> {
        let Some((table, source)) = wire::describe_table(node.as_ref())? else {
            return self
                .inner
                .try_encode_table_provider(table_ref, node, buf)
                .map_err(|e| {
                    DataFusionError::NotImplemented(format!(
                        "table '{table_ref}' cannot be sent to the cluster: a cluster reads tables from Parquet files or an object store the executors can reach (engage sql --data or --table); {e}"
                    ))
                });
        };
        let WireTable::Detection {
            function,
            table: source_name,
            ..
        } = &table;
        let Some(source) = source else {
            return Err(DataFusionError::Plan(format!(
                "{function}: table '{source_name}' was not in the session when the query was planned, so the cluster cannot be told what to read"
            )));
        };
        let scan =
            LogicalPlanBuilder::scan(source_name.as_str(), provider_as_source(source), None)?
                .build()?;
        let source = logical_plan_to_bytes_with_extension_codec(&scan, self).map_err(|e| {
            DataFusionError::NotImplemented(format!(
                "{function}: table '{source_name}' cannot be sent to the cluster: a cluster reads tables from Parquet files or an object store the executors can reach (engage sql --data or --table); {e}"
            ))
        })?;
        EngageNodeProto {
            description: table.to_bytes(),
            schema: None,
            source: source.to_vec(),
        }
        .write(buf)
    }

    fn try_decode_file_format(
        &self,
        buf: &[u8],
        ctx: &TaskContext,
    ) -> Result<Arc<dyn FileFormatFactory>> {
        self.inner.try_decode_file_format(buf, ctx)
    }

    fn try_encode_file_format(
        &self,
        buf: &mut Vec<u8>,
        node: Arc<dyn FileFormatFactory>,
    ) -> Result<()> {
        self.inner.try_encode_file_format(buf, node)
    }

    fn try_decode_udf(&self, name: &str, buf: &[u8]) -> Result<Arc<ScalarUDF>> {
        self.inner.try_decode_udf(name, buf)
    }

    fn try_encode_udf(&self, node: &ScalarUDF, buf: &mut Vec<u8>) -> Result<()> {
        self.inner.try_encode_udf(node, buf)
    }

    fn try_decode_udaf(&self, name: &str, buf: &[u8]) -> Result<Arc<AggregateUDF>> {
        self.inner.try_decode_udaf(name, buf)
    }

    fn try_encode_udaf(&self, node: &AggregateUDF, buf: &mut Vec<u8>) -> Result<()> {
        self.inner.try_encode_udaf(node, buf)
    }

    fn try_decode_udwf(&self, name: &str, buf: &[u8]) -> Result<Arc<WindowUDF>> {
        self.inner.try_decode_udwf(name, buf)
    }

    fn try_encode_udwf(&self, node: &WindowUDF, buf: &mut Vec<u8>) -> Result<()> {
        self.inner.try_encode_udwf(node, buf)
    }
}

/// Engage's physical codec: its operators; everything else (the shuffle nodes among them)
/// goes to Ballista's codec.
#[derive(Debug)]
pub struct EngagePhysicalCodec {
    inner: Arc<dyn PhysicalExtensionCodec>,
}

impl Default for EngagePhysicalCodec {
    fn default() -> Self {
        EngagePhysicalCodec::new(Arc::new(BallistaPhysicalExtensionCodec::default()))
    }
}

impl EngagePhysicalCodec {
    /// Engage's nodes here, the others to `inner`.
    pub fn new(inner: Arc<dyn PhysicalExtensionCodec>) -> Self {
        EngagePhysicalCodec { inner }
    }
}

impl PhysicalExtensionCodec for EngagePhysicalCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[Arc<dyn ExecutionPlan>],
        ctx: &TaskContext,
        proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let Some(node) = EngageNodeProto::read(buf)? else {
            return self.inner.try_decode(buf, inputs, ctx, proto_converter);
        };
        let description = WireNode::from_bytes(&node.description)?;
        let Some(schema) = &node.schema else {
            return Err(DataFusionError::Internal(
                "a received Engage operator has no schema".to_string(),
            ));
        };
        let schema = Schema::try_from(schema)
            .map_err(|e| DataFusionError::Internal(format!("an Engage operator's schema: {e}")))?;
        wire::rebuild_node(&description, Arc::new(schema), inputs)
    }

    fn try_encode(
        &self,
        node: Arc<dyn ExecutionPlan>,
        buf: &mut Vec<u8>,
        proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<()> {
        let Some(description) = wire::describe_node(node.as_ref())? else {
            return self.inner.try_encode(node, buf, proto_converter);
        };
        let schema = protobuf::Schema::try_from(node.schema().as_ref())
            .map_err(|e| DataFusionError::Internal(format!("an Engage operator's schema: {e}")))?;
        EngageNodeProto {
            description: description.to_bytes(),
            schema: Some(schema),
            source: Vec::new(),
        }
        .write(buf)
    }

    fn try_decode_udf(&self, name: &str, buf: &[u8]) -> Result<Arc<ScalarUDF>> {
        self.inner.try_decode_udf(name, buf)
    }

    fn try_encode_udf(&self, node: &ScalarUDF, buf: &mut Vec<u8>) -> Result<()> {
        self.inner.try_encode_udf(node, buf)
    }

    fn try_decode_udaf(&self, name: &str, buf: &[u8]) -> Result<Arc<AggregateUDF>> {
        self.inner.try_decode_udaf(name, buf)
    }

    fn try_encode_udaf(&self, node: &AggregateUDF, buf: &mut Vec<u8>) -> Result<()> {
        self.inner.try_encode_udaf(node, buf)
    }

    fn try_decode_udwf(&self, name: &str, buf: &[u8]) -> Result<Arc<WindowUDF>> {
        self.inner.try_decode_udwf(name, buf)
    }

    fn try_encode_udwf(&self, node: &WindowUDF, buf: &mut Vec<u8>) -> Result<()> {
        self.inner.try_encode_udwf(node, buf)
    }
}
