//! Test-only crate: see tests/ui.rs and e2e/.
