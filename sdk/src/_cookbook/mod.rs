//! # The cookbook
//!
//! Recipes that combine the [guide](crate::_guide)'s chapters into small
//! applications. Like the guide, this module holds documentation only and
//! exists only when rustdoc builds the docs or runs their examples.
