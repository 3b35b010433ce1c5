//! The checked model, as serde_derive's `internals`: user tokens parsed into
//! plain data, every problem found on the way recorded in one [`ctxt::Ctxt`].
//! Nothing here emits the generated code: the generation modules at the crate
//! root read this model, and the model imports none of them.

pub mod attr;
pub mod class;
pub mod ctxt;
pub mod handler;
pub mod imp;
pub mod interface;
pub mod name;
pub mod rpc;
pub mod target;
