//! How values cross to the page: Rust values become plain JS objects (serde-wasm-bindgen,
//! `null` for a missing value, objects for maps), errors become JS `Error`s carrying the
//! messages the CLI prints.

use serde::Serialize;
use wasm_bindgen::prelude::*;

/// A JS `Error` with `e`'s message.
pub(crate) fn js_error(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

/// `value` as a plain JS value: what `JSON.parse` of its JSON would give.
pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(js_error)
}
