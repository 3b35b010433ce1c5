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

/// Models built from tokens for the unit tests of the model and of the
/// generation (one place, so both test the same way of building them).
#[cfg(test)]
pub(crate) mod fixtures {
    use proc_macro2::TokenStream;

    use super::class::Class;
    use super::ctxt::Ctxt;
    use super::imp::ObjectImpl;

    /// The checked model of a struct with `#[durable_object(args)]`, or its errors.
    pub fn class(args: TokenStream, item: TokenStream) -> Result<Class, Vec<syn::Error>> {
        let cx = Ctxt::new();
        let class = Class::from_ast(&cx, args, syn::parse2(item).unwrap());
        cx.check().map(|_| class)
    }

    /// The checked model of a `#[durable_object]` impl block, or its errors' messages.
    pub fn object_impl(item: TokenStream) -> Result<ObjectImpl, Vec<String>> {
        let cx = Ctxt::new();
        let m = ObjectImpl::from_ast(&cx, proc_macro2::TokenStream::new(), syn::parse2(item).unwrap());
        cx.check().map(|_| m).map_err(|e| e.iter().map(|e| e.to_string()).collect())
    }
}
