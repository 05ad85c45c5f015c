//! How values cross to the page: Rust values become plain JS objects (serde-wasm-bindgen,
//! `null` for a missing value, objects for maps), errors become JS `Error`s carrying the
//! messages the CLI prints. Long arrays of small objects (the replay's verdicts) cross as
//! one JSON text parsed by the engine: the same values, faster (see [`to_js_via_json`]).

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

/// `value` as the same plain JS value as [`to_js`] gives, by way of JSON text and the engine's
/// `JSON.parse`. serde-wasm-bindgen builds each object with about a dozen calls across the
/// WASM boundary; for the replay's verdicts (a million in a full replay) that made a full
/// replay about 40% slower than one `JSON.parse` per chunk (`docs/web-demo.md`).
pub(crate) fn to_js_via_json<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsError> {
    let text = serde_json::to_string(value).map_err(js_error)?;
    js_sys::JSON::parse(&text).map_err(|e| js_error(format!("{e:?}")))
}
